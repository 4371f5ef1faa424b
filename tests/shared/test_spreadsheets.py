"""电子表格: one reader for uploaded .xlsx/.csv tables and one xlsx writer with exact money cells."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from pm.errors import DomainError
from pm.services.spreadsheets import (
    BANNER,
    PLAIN,
    Money,
    Sheet,
    SpreadsheetError,
    cell_text,
    read_sheets,
    read_table,
    write_xlsx,
)

MB = 1024 * 1024


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read(name: str, data, **kw) -> list[tuple]:
    kw.setdefault("max_bytes", MB)
    kw.setdefault("max_rows", 100)
    return read_table(name, data, **kw)


def _refused(msgid_part: str, name: str, data, **kw) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as err:
        _read(name, data, **kw)
    assert msgid_part in err.value.msgid and isinstance(err.value, DomainError)
    return err.value


# -- reading ------------------------------------------------------------------------------------------------
def test_xlsx_first_sheet_with_types_and_row_numbers():
    """The first sheet's rows keep Excel's types; blank rows stay as () so list index + 1 is the row number."""
    data = _xlsx({"流水": [["流水号", "金额(元)", "日期"], ["A1", 12.3, datetime(2025, 3, 1)], [], ["A2", 7, None, None]],
                  "其他": [["x"]]})
    rows = _read("statement.xlsx", data)
    assert rows == [("流水号", "金额(元)", "日期"), ("A1", 12.3, datetime(2025, 3, 1)), (), ("A2", 7)]


def test_xlsx_named_sheet_ignores_surrounding_spaces_and_far_columns():
    """A sheet is found by its name (spaces around it ignored); cells beyond max_columns are dropped."""
    data = _xlsx({"说明": [["help"]], " 房屋 ": [["楼栋", "单元", "x", "y"], ["1号楼", "1单元", "far", "farther"]]})
    assert _read("a.xlsx", data, sheet="房屋", max_columns=2) == [("楼栋", "单元"), ("1号楼", "1单元")]


def test_missing_sheet_is_refused_with_its_name():
    """A required sheet that is not there is named in the error (msgid and parameters kept for later)."""
    err = _refused("缺少工作表", "a.xlsx", _xlsx({"楼栋": [["x"]]}), sheet="房屋")
    assert err.params == {"sheet": "房屋"} and "房屋" in err.message and list(err.fields) == ["file"]


def test_read_sheets_optional_and_required():
    """Several sheets at once: optional ones may be absent, required ones may not."""
    data = _xlsx({"房屋": [["a"]], "说明": [["b"]]})
    got = read_sheets("a.xlsx", data, sheets=["楼栋", "房屋"], required=["房屋"], max_bytes=MB, max_rows=10)
    assert got == {"房屋": [("a",)]}
    with pytest.raises(SpreadsheetError):
        read_sheets("a.xlsx", data, sheets=["楼栋"], required=["楼栋"], max_bytes=MB, max_rows=10)


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")])
def test_csv_encodings(encoding, bom):
    """CSV in UTF-8 (with or without BOM) or GB18030/GBK reads the same Chinese text."""
    data = bom + "楼栋,单元,房号\n1号楼,1单元,101\n".encode(encoding)
    assert _read("台账.csv", data) == [("楼栋", "单元", "房号"), ("1号楼", "1单元", "101")]


def test_csv_sheet_argument_names_the_one_table():
    """A CSV is one table: read_sheets returns it under the first sheet asked for."""
    got = read_sheets("a.csv", b"a,b\n", sheets=["房屋", "楼栋"], max_bytes=MB, max_rows=5)
    assert got == {"房屋": [("a", "b")]}


@pytest.mark.parametrize("data", [b"a,b\n\xff\xff\xff\n", b"a,\x00b\n"])
def test_csv_unknown_encoding_or_nul_refused(data):
    """Bytes that are neither UTF-8 nor GB18030, or NUL bytes, are refused with the encoding message."""
    _refused("无法识别 CSV 文件的编码", "a.csv", data)


def test_xls_refused_by_content_or_name():
    """Excel 97-2003 is refused with a clear message, recognised by its bytes even when named .xlsx."""
    _refused("另存为 .xlsx", "old.xlsx", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    _refused("另存为 .xlsx", "old.xls", b"whatever")


@pytest.mark.parametrize("name, data, message", [
    ("a.xlsx", b"not a zip", "文件已损坏"), ("a.txt", b"a,b\n", "只能导入 .xlsx 或 .csv 文件"),
    ("a.xlsx", b"PK\x03\x04broken", "文件已损坏"), ("", b"a,b", "只能导入"),
])
def test_not_a_table_refused(name, data, message):
    """A fake .xlsx, a broken zip or another type of file is refused, never guessed."""
    _refused(message, name, data)


def test_zip_that_is_not_a_workbook_is_corrupt():
    """A valid zip without a workbook inside is a corrupt .xlsx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    _refused("文件已损坏", "a.xlsx", buffer.getvalue())


def test_zip_bomb_refused_before_parsing():
    """An archive whose members expand beyond the limit is refused from its directory alone."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (2 * MB))
    assert len(buffer.getvalue()) < 100_000
    _refused("解压后过大", "bomb.xlsx", buffer.getvalue(), max_unzipped=MB)


def test_too_large_file_refused_bytes_and_path(tmp_path):
    """A file over max_bytes is refused, whether given as bytes or as a path on disk."""
    data = b"a,b\n" * 1000
    err = _refused("上传的文件太大", "a.csv", data, max_bytes=1024)
    assert err.params == {"size": "1 KB"}
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    _refused("上传的文件太大", "a.csv", str(path), max_bytes=1024)
    assert _read("a.csv", str(path), max_bytes=MB, max_rows=1000)[0] == ("a", "b")


def test_row_limit_counts_non_blank_rows_below_the_header():
    """max_rows data rows below the header pass (blank rows are free); one more is refused."""
    rows = [["h1", "h2"]] + [[str(i), ""] for i in range(5)] + [[], [None, None]] * 3
    assert len([r for r in _read("a.xlsx", _xlsx({"s": rows}), max_rows=5) if r]) == 6
    err = _refused("数据超过", "a.xlsx", _xlsx({"s": rows + [["x"]]}), max_rows=5)
    assert err.params == {"max": 5}
    _refused("数据超过", "a.csv", "\n".join(["h"] + ["x"] * 6).encode(), max_rows=5)


def test_the_field_name_is_the_callers():
    """Errors are reported on the caller's field."""
    with pytest.raises(SpreadsheetError) as err:
        read_table("a.txt", b"x", max_bytes=MB, max_rows=1, field="upload")
    assert list(err.value.fields) == ["upload"]


@pytest.mark.parametrize("value, text", [(None, ""), (501.0, "501"), (12.3, "12.3"), (0.1 + 0.2, "0.30000000000000004"),
                                         (13900000001.0, "13900000001"), (" 1号楼 ", "1号楼"), (7, "7"),
                                         (datetime(2025, 3, 1), "2025-03-01"),
                                         (datetime(2025, 3, 1, 8, 30), "2025-03-01 08:30:00"),
                                         (date(2010, 5, 1), "2010-05-01")])
def test_cell_text(value, text):
    """Cells as text: Excel's whole floats lose ".0", other floats keep their exact shortest text."""
    assert cell_text(value) == text


# -- writing ------------------------------------------------------------------------------------------------
def _sheet_xml(data: bytes, index: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_money_cells_are_exact_decimal_yuan():
    """Fen are written as exact yuan numbers (no binary float rounding), None as an empty cell."""
    data = write_xlsx(Sheet("s", rows=[[Money(1_234_567_890_123)], [Money(-5)], [Money(None)], [Money(1)]]))
    xml = _sheet_xml(data)
    assert "<v>12345678901.23</v>" in xml and "<v>-0.05</v>" in xml and "<v>0.01</v>" in xml
    ws = load_workbook(io.BytesIO(data))["s"]
    assert ws["A3"].value is None and ws["A1"].data_type == "n"


def test_header_title_widths_formats_choices_and_freeze():
    """A sheet gets its title line, styled header, widths, number formats, drop-downs and a frozen header."""
    data = write_xlsx(Sheet("房屋", header=["房号", "面积", "房改房"], rows=[["101", Decimal("65.5"), "否"]],
                            header_style=BANNER, title_line=None, widths={0: 10, 1: 14}, formats={0: "@", 1: "0.00"},
                            choices={2: ["是", "否"]}, freeze_header=True),
                      Sheet("说明", rows=[["第一行"]], title_line="导入说明", title_size=14, widths={0: 120}))
    book = load_workbook(io.BytesIO(data))
    ws = book["房屋"]
    assert [c.value for c in ws[1]] == ["房号", "面积", "房改房"] and ws["A1"].font.b
    assert ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws["A1"].alignment.horizontal == "center" and ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 10 and ws.column_dimensions["B"].width == 14
    assert ws["A2"].number_format == "@" and ws["B2"].number_format == "0.00" and ws["B2"].value == 65.5
    (validation,) = ws.data_validations.dataValidation
    assert validation.formula1 == '"是,否"' and str(validation.sqref) == "C2:C1002"
    help_ws = book["说明"]
    assert help_ws["A1"].value == "导入说明" and help_ws["A1"].font.b and help_ws["A1"].font.sz == 14
    assert help_ws["A2"].value == "第一行" and book.sheetnames == ["房屋", "说明"]


def test_plain_header_and_blank_rows():
    """A plain header is not bold; an empty row in the rows is an empty spreadsheet row."""
    data = write_xlsx(Sheet("s", header=["a"], header_style=PLAIN, rows=[["x"], [], ["y"]]))
    ws = load_workbook(io.BytesIO(data))["s"]
    assert not ws["A1"].font.b and [ws.cell(row=r, column=1).value for r in range(1, 5)] == ["a", "x", None, "y"]


def test_written_file_reads_back():
    """What the writer writes, the reader reads (a round trip through both)."""
    data = write_xlsx(Sheet("房屋", header=["楼栋", "金额"], rows=[["1号楼", Money(123450)]]))
    assert read_table("x.xlsx", data, max_bytes=MB, max_rows=10, sheet="房屋") == [("楼栋", "金额"), ("1号楼", 1234.5)]
