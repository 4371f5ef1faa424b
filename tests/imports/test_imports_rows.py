"""Every problem of every row is listed (several per row), phones by the shared rule, huge numbers as row errors."""
from __future__ import annotations

from datetime import date

from pm.services.imports import messages as m
from pm.services.imports.reading import read_file
from pm.services.imports.validating import parse
from pm.services.registry import areas
from tests.factories.imports import row, xlsx

TODAY = date(2026, 11, 29)


def _errors(tmp_path, households, buildings=None) -> list[tuple]:
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx(households, buildings))
    _parsed, errors = parse(read_file(str(path), max_rows=100, max_bytes=10**7), today=TODAY)
    return [(e["row"], e["column"], e["message"]) for e in errors]


def test_one_row_with_many_problems_lists_them_all(tmp_path):
    """Bad floor, area, 房改房, date, note, phone and a name too long: seven errors on one row, plus the next
    row's own, and a duplicate room still noticed on a row that is otherwise wrong."""
    bad = row("1号楼", "1单元", "101", "一楼", "abc", "也许", "王" * 65 + "、李四", "12345、1390000000x",
              "2099-01-01", "注" * 201)
    errors = _errors(tmp_path, [bad, row(room="102", area="-1"), row(room="101", floor=200)])
    assert errors == [
        (2, "楼层", m.E_NOT_INTEGER), (2, "建筑面积(㎡)", m.E_NOT_NUMBER), (2, "房改房(是/否)", m.E_YES_NO),
        (2, "产权登记日期", m.E_FUTURE_DATE), (2, "备注", m.E_TOO_LONG), (2, "业主姓名", m.E_TOO_LONG),
        (2, "业主电话", m.E_BAD_PHONE), (2, "业主电话", m.E_BAD_PHONE),
        (3, "建筑面积(㎡)", m.E_AREA_POSITIVE),
        (4, "楼层", m.E_FLOOR_RANGE), (4, "房号", m.E_DUP_ROOM),
    ]


def test_phone_count_and_format_both_reported(tmp_path):
    """Three phones for two names and a bad phone among them: both problems are listed."""
    errors = _errors(tmp_path, [row(names="甲、乙", phones="13900000001、abc、13900000003")])
    assert errors == [(2, "业主电话", m.E_COUNT_MISMATCH), (2, "业主电话", m.E_BAD_PHONE)]


def test_phones_follow_the_shared_rule(tmp_path):
    """Mobile and landline numbers in the usual spellings pass (normalised); others are row errors."""
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx([row(room="101", names="甲、乙、丙", phones="+86 139-0000-0001、0532-12345678、"),
                           row(room="102", names="丁", phones="1390000000"),
                           row(room="103", names="戊", phones="23900000001")]))
    parsed, errors = parse(read_file(str(path), max_rows=100, max_bytes=10**7), today=TODAY)
    assert parsed.households[0].owners == [("甲", "13900000001"), ("乙", "053212345678"), ("丙", None)]
    assert [(e["row"], e["message"]) for e in errors] == [(3, m.E_BAD_PHONE), (4, m.E_BAD_PHONE)]


def test_huge_decimals_are_row_errors(tmp_path):
    """Area "1e99", a 40-digit area, 1e99 as an Excel number, a floor of 40 digits: row errors, not a crash."""
    errors = _errors(tmp_path, [row(room="101", area="1e99"), row(room="102", area="1" * 40),
                                row(room="103", area=1e99), row(room="104", floor="9" * 40),
                                row(room="105", area="1e-999999999")],
                     buildings=[["1号楼", "9" * 40, "有"]])
    assert errors == [
        (2, "层数", m.E_FLOORS_RANGE),
        (2, "建筑面积(㎡)", areas.E_TOO_LARGE), (3, "建筑面积(㎡)", areas.E_TOO_LARGE),
        (4, "建筑面积(㎡)", areas.E_TOO_LARGE), (5, "楼层", m.E_FLOOR_RANGE), (6, "建筑面积(㎡)", areas.E_DECIMALS),
    ]
