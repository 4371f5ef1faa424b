"""台账导入导出: read a compound's registry workbook (xlsx/csv), validate every row, write it at once; export it.

The template, the export and the importer share one layout:

- sheet 房屋 (required): 楼栋 | 单元 | 房号 | 楼层 | 建筑面积(㎡) | 房改房(是/否) | 业主姓名 | 业主电话 |
  产权登记日期 | 备注. Co-owners: several names in 业主姓名 separated by 、 , ， ; ；, and as many phones
  (an empty slot for an owner without one) or none at all.
- sheet 楼栋 (optional): 楼栋 | 层数 | 电梯(有/无).
- sheet 说明: instructions, ignored by the importer.
A CSV file is the 房屋 sheet alone, in UTF-8 (with or without BOM) or GB18030 (Excel on Chinese Windows).

An import is for one compound and is idempotent by (楼栋, 单元, 房号): missing buildings, units and
households are created, existing households are updated only where floor, area, 房改房 or note differ,
and owners are replaced (the old ownerships end as 登记更正) only when the set of owners differs.
Nothing is ever deleted. Every row is validated first; one bad row rejects the whole file.

Error messages are stored as Chinese msgids with parameters (the job may run in a thread without a
request, hence without a locale) and translated when shown: ``_(error.message, **error.params)``.
Services flush and never commit: the job runner passes a ``checkpoint`` callback that commits progress.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import re
import uuid
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import joinedload

from pm.access import Scope, require, scope_for
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    Household,
    HouseholdStatus,
    ImportJob,
    ImportStatus,
    Ownership,
    OwnershipEnd,
    Person,
    Unit,
    User,
)
from pm.services import audit
from pm.services.registry.areas import AREA_MAX
from pm.services.text import normalise_phone
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown."""
    return message


SHEET_HOUSEHOLDS = "房屋"
SHEET_BUILDINGS = "楼栋"
SHEET_HELP = "说明"

# (key, header as written in the template). Headers match ignoring spaces and a parenthesised suffix.
HOUSEHOLD_COLUMNS: list[tuple[str, str]] = [
    ("building", "楼栋"),
    ("unit", "单元"),
    ("room", "房号"),
    ("floor", "楼层"),
    ("area", "建筑面积(㎡)"),
    ("sold", "房改房(是/否)"),
    ("owners", "业主姓名"),
    ("phones", "业主电话"),
    ("registered_on", "产权登记日期"),
    ("note", "备注"),
]
BUILDING_COLUMNS: list[tuple[str, str]] = [("building", "楼栋"), ("floors", "层数"), ("elevator", "电梯(有/无)")]
HEADER_SCAN_ROWS = 10  # a title line or two above the header row is tolerated
MAX_COLUMNS = 100  # cells further right are ignored (a stray value in column XFD must not cost 16,384 cells a row)
PROGRESS_EVERY = 200
MAX_STORED_ERRORS = 500  # a file with thousands of bad rows keeps the first 500 (the count is kept too)
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # refuse zip bombs before openpyxl expands them
STALL_AFTER = timedelta(hours=1)  # as pm/tasks/imports.py: an unfinished job this old was interrupted
FLOOR_MIN, FLOOR_MAX = -5, 120
FLOORS_MIN, FLOORS_MAX = 1, 120
LIMITS = {"building": 40, "unit": 40, "room": 20, "note": 200, "name": 64}
OWNER_SEPARATORS = re.compile(r"[、,，;；]")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls
YES, NO = "是", "否"
HAS, HAS_NOT = "有", "无"
CHUNK = 500

# Messages (msgids). Parameters are filled in when shown.
E_REQUIRED = N_("此项必填")
E_NOT_NUMBER = N_("不是数字")
E_NOT_INTEGER = N_("不是整数")
E_AREA_POSITIVE = N_("面积必须大于 0")
E_AREA_DECIMALS = N_("面积最多保留两位小数")
E_AREA_TOO_LARGE = N_("面积过大")
E_FLOOR_RANGE = N_("楼层应在 -5 到 120 之间")
E_FLOOR_ABOVE = N_("楼层高于该楼栋的层数（%(floors)s 层）")
E_FLOORS_RANGE = N_("层数应在 1 到 120 之间")
E_FLOORS_BELOW = N_("层数低于该楼栋已登记房屋的楼层（%(floor)s 层）")
E_DUP_ROOM = N_("房屋重复：与第 %(first)s 行是同一楼栋、单元、房号")
E_DUP_BUILDING = N_("楼栋重复：与第 %(first)s 行相同")
E_YES_NO = N_("只能填写“是”或“否”")
E_HAS_NOT = N_("只能填写“有”或“无”")
E_BAD_DATE = N_("日期格式不正确，应为 2010-01-01 这样的日期")
E_FUTURE_DATE = N_("日期不能晚于今天")
E_COUNT_MISMATCH = N_("电话个数（%(phones)s）与业主人数（%(names)s）不一致")
E_BAD_PHONE = N_("电话号码格式不正确：%(phone)s")
E_PHONE_WITHOUT_NAME = N_("填写了电话但没有填写业主姓名")
E_DUP_OWNER = N_("同一房屋的业主重复：%(name)s")
E_TOO_LONG = N_("内容过长（最多 %(max)s 字）")
E_OWNER_DATE_EARLY = N_("产权登记日期早于现业主的产权开始日期（%(date)s）")
E_OWNER_DATE_AFTER_END = N_("产权登记日期早于上一任业主的产权结束日期（%(date)s）")
E_DEMOLISHED = N_("该房屋已灭失，不能修改")
E_TOO_MANY_ROWS = N_("数据超过 %(max)s 行，请分批导入")
E_MISSING_SHEET = N_("缺少工作表“%(sheet)s”")
E_MISSING_HEADER = N_("缺少列“%(column)s”")
E_DUP_HEADER = N_("列名重复：“%(column)s”")
E_NO_ROWS = N_("文件中没有房屋数据")
E_NOT_SUPPORTED = N_("只能导入 .xlsx 或 .csv 文件")
E_XLS = N_("不支持 Excel 97-2003（.xls）格式，请在 Excel 中另存为 .xlsx 后再上传")
E_CORRUPT = N_("文件已损坏，或不是有效的 Excel（.xlsx）文件")
E_UNZIPPED_TOO_BIG = N_("文件解压后过大，请分批导入")
E_ENCODING = N_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")
M_REJECTED = N_("发现 %(count)s 处错误，没有导入任何数据。请修改后重新上传。")
M_FAILED = N_("导入时发生内部错误，没有导入任何数据。请稍后重试或联系管理员。")
M_FILE_MISSING = N_("上传的文件已不存在，请重新上传")
M_STALLED = N_("导入已中断（可能是服务重启），没有导入任何数据。请重新上传。")


class ImportRejected(DomainError):
    """The file cannot be read at all (not xlsx/csv, corrupt, missing sheet or headers, too many rows)."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors[0]["message"] % errors[0]["params"] if errors else E_CORRUPT)
        self.errors = errors


def error(sheet: str | None, row: int | None, column: str | None, message: str, /, **params: Any) -> dict:
    """One error as stored on the job: where (sheet, Excel row, column header) and why."""
    return {"sheet": sheet, "row": row, "column": column, "message": message, "params": params}


# == reading ===================================================================================
@dataclass
class Table:
    """The data rows of one sheet, with the position and written header of each known column."""

    sheet: str
    columns: dict[str, tuple[int, str]]
    rows: list[tuple[int, tuple]] = field(default_factory=list)

    def header(self, key: str) -> str:
        """The column's header as the file wrote it (errors name it so)."""
        return self.columns[key][1]

    def value(self, values: tuple, key: str) -> Any:
        """The cell of a row in that column (None past the row's end)."""
        index = self.columns[key][0]
        return values[index] if index < len(values) else None


def _norm_header(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value)) if value is not None else ""
    return re.sub(r"[（(].*$", "", text)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(sheet: str, rows: Iterable[tuple], columns: list[tuple[str, str]], max_rows: int,
           problems: list[dict]) -> Table | None:
    """Find the header row, map the columns, collect the non-blank data rows (numbered as Excel shows them)."""
    wanted = {_norm_header(header): (key, header) for key, header in columns}
    markers = {_norm_header(columns[0][1]), _norm_header(columns[1][1])}
    iterator = iter(rows)
    scanned: list[tuple] = []
    header_row = None
    for number, values in enumerate(iterator, start=1):
        values = tuple(values)
        scanned.append(values)
        if markers <= {_norm_header(v) for v in values}:
            header_row = number
            break
        if number >= HEADER_SCAN_ROWS:
            break
    if header_row is None:
        found = {_norm_header(v) for v in scanned[0]} if scanned else set()
        for _key, header in columns:
            if _norm_header(header) not in found:
                problems.append(error(sheet, 1, header, E_MISSING_HEADER, column=header))
        return None
    header_values = scanned[header_row - 1]
    mapping: dict[str, tuple[int, str]] = {}
    bad = False
    for index, raw in enumerate(header_values):
        norm = _norm_header(raw)
        if norm not in wanted:
            continue  # extra columns of the user's own are ignored
        key, _header = wanted[norm]
        if key in mapping:
            problems.append(error(sheet, header_row, str(raw).strip(), E_DUP_HEADER, column=str(raw).strip()))
            bad = True
            continue
        mapping[key] = (index, str(raw).strip())
    for key, header in columns:
        if key not in mapping:
            problems.append(error(sheet, header_row, header, E_MISSING_HEADER, column=header))
            bad = True
    if bad:
        return None
    table = Table(sheet=sheet, columns=mapping)
    width = max(index for index, _header in mapping.values()) + 1
    for number, values in enumerate(iterator, start=header_row + 1):
        values = tuple(values)[:width]
        if all(_is_blank(v) for v in values):
            continue
        if len(table.rows) >= max_rows:
            problems.append(error(sheet, number, None, E_TOO_MANY_ROWS, max=max_rows))
            return None
        table.rows.append((number, values))
    return table


def read_file(path: str, *, max_rows: int) -> dict[str, Table]:
    """Read an uploaded xlsx or csv into tables by sheet name; raise ImportRejected if it cannot be used."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(ZIP_MAGIC):
        return _read_xlsx(path, max_rows)
    if head.startswith(OLE_MAGIC):
        raise ImportRejected([error(None, None, None, E_XLS)])
    lower = path.lower()
    if lower.endswith(".xlsx"):
        raise ImportRejected([error(None, None, None, E_CORRUPT)])
    if not lower.endswith(".csv"):
        raise ImportRejected([error(None, None, None, E_NOT_SUPPORTED)])
    return _read_csv(path, max_rows)


def _read_xlsx(path: str, max_rows: int) -> dict[str, Table]:
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise ImportRejected([error(None, None, None, E_UNZIPPED_TOO_BIG)])
    except zipfile.BadZipFile:
        raise ImportRejected([error(None, None, None, E_CORRUPT)]) from None
    problems: list[dict] = []
    tables: dict[str, Table] = {}
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions other tools write; they do not matter here.
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
            try:
                names = {name.strip(): name for name in book.sheetnames}
                if SHEET_HOUSEHOLDS not in names:
                    raise ImportRejected([error(SHEET_HOUSEHOLDS, None, None, E_MISSING_SHEET, sheet=SHEET_HOUSEHOLDS)])
                for sheet, columns in ((SHEET_BUILDINGS, BUILDING_COLUMNS), (SHEET_HOUSEHOLDS, HOUSEHOLD_COLUMNS)):
                    if sheet not in names:
                        continue
                    rows = book[names[sheet]].iter_rows(max_col=MAX_COLUMNS, values_only=True)
                    table = _table(sheet, rows, columns, max_rows, problems)
                    if table is not None:
                        tables[sheet] = table
            finally:
                book.close()
    except ImportRejected:
        raise
    except Exception:  # noqa: BLE001 - any failure to parse the archive means a corrupt file
        logger.warning("cannot read workbook %s", path, exc_info=True)
        raise ImportRejected([error(None, None, None, E_CORRUPT)]) from None
    if problems:
        raise ImportRejected(problems)
    return tables


def _read_csv(path: str, max_rows: int) -> dict[str, Table]:
    with open(path, "rb") as fh:
        data = fh.read()
    if b"\x00" in data:
        raise ImportRejected([error(None, None, None, E_ENCODING)])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([error(None, None, None, E_ENCODING)])
    problems: list[dict] = []
    try:
        table = _table(SHEET_HOUSEHOLDS, csv.reader(io.StringIO(text, newline="")), HOUSEHOLD_COLUMNS,
                       max_rows, problems)
    except csv.Error:
        raise ImportRejected([error(None, None, None, E_CORRUPT)]) from None
    if problems or table is None:
        raise ImportRejected(problems or [error(None, None, None, E_CORRUPT)])
    return {SHEET_HOUSEHOLDS: table}


# == cell parsing =================================================================================
class CellError(Exception):
    """A bad cell: the message id and its parameters."""

    def __init__(self, message: str, **params: Any):
        super().__init__(message)
        self.message = message
        self.params = params


def _text(value: Any, *, limit: int | None = None) -> str | None:
    """A cell as trimmed text; whole numbers lose the '.0' Excel gives them (room 501, phones)."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = YES if value else NO
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    if not text:
        return None
    if limit is not None and len(text) > limit:
        raise CellError(E_TOO_LONG, max=limit)
    return text


def _required_text(value: Any, limit: int) -> str:
    text = _text(value, limit=limit)
    if text is None:
        raise CellError(E_REQUIRED)
    return text


def _integer(value: Any) -> int | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(E_NOT_INTEGER)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(E_NOT_INTEGER)
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0*", text):
        return int(text.split(".")[0])
    raise CellError(E_NOT_INTEGER)


def _area(value: Any) -> Decimal:
    """An exact area: floats from Excel go through repr (shortest round-trip), never binary arithmetic."""
    if _is_blank(value):
        raise CellError(E_REQUIRED)
    if isinstance(value, bool):
        raise CellError(E_NOT_NUMBER)
    raw = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        area = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise CellError(E_NOT_NUMBER) from None
    if not area.is_finite():
        raise CellError(E_NOT_NUMBER)
    if area <= 0:
        raise CellError(E_AREA_POSITIVE)
    if area != area.quantize(Decimal("0.01")):
        raise CellError(E_AREA_DECIMALS)
    if area > AREA_MAX:
        raise CellError(E_AREA_TOO_LARGE)
    return area.quantize(Decimal("0.01"))


def _choice(value: Any, yes: str, no: str, message: str) -> bool | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text == yes:
        return True
    if text == no:
        return False
    raise CellError(message)


DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def _date(value: Any, today: date) -> date | None:
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    else:
        text = _text(value) or ""
        text = re.sub(r"\s+00:00(:00)?$", "", text)
        result = None
        for pattern in DATE_PATTERNS:
            match = pattern.fullmatch(text)
            if match:
                try:
                    result = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    raise CellError(E_BAD_DATE) from None
                break
        if result is None:
            raise CellError(E_BAD_DATE)
    if result.year < 1900:
        raise CellError(E_BAD_DATE)
    if result > today:
        raise CellError(E_FUTURE_DATE)
    return result


def _split(text: str | None, *, keep_empty: bool) -> list[str]:
    if text is None:
        return []
    parts = [p.strip() for p in OWNER_SEPARATORS.split(text)]
    return parts if keep_empty else [p for p in parts if p]


# == the registry as it is (plain values, so progress commits cannot expire them) ================
@dataclass
class BuildingRec:
    """A registered building."""

    id: int
    floors: int | None
    has_elevator: bool


@dataclass
class HouseholdRec:
    """A registered household."""

    id: int
    building_id: int
    unit_id: int
    room_no: str
    floor: int
    area_m2: Decimal
    is_sold_public_housing: bool
    note: str | None
    status: HouseholdStatus


@dataclass
class OwnerRec:
    """A current ownership with its person's name and phone."""

    ownership_id: int
    person_id: int
    name: str
    phone: str | None
    started_on: date


@dataclass
class Snapshot:
    """A compound's buildings, units, households and current owners, loaded in five scoped queries."""

    buildings: dict[str, BuildingRec]
    units: dict[tuple[int, str], int]
    households: dict[tuple[int, str], HouseholdRec]
    owners: dict[int, list[OwnerRec]]
    last_ended: dict[int, date]


def _phone_key(phone: str | None) -> str | None:
    try:
        return normalise_phone(phone)
    except DomainError:
        return phone


def load_snapshot(compound: Compound, scope: Scope) -> Snapshot:
    """The compound's registry as plain values (no per-row queries)."""
    buildings = {
        name: BuildingRec(bid, floors, bool(elevator))
        for bid, name, floors, elevator in db.session.execute(
            scope.filter(
                select(Building.id, Building.name, Building.floors, Building.has_elevator)
                .where(Building.compound_id == compound.id), Building,
            )
        )
    }
    units = {
        (building_id, name): uid
        for uid, building_id, name in db.session.execute(
            scope.filter(select(Unit.id, Unit.building_id, Unit.name).where(Unit.compound_id == compound.id), Unit)
        )
    }
    households = {}
    for row in db.session.execute(
        scope.filter(
            select(
                Household.id, Household.building_id, Household.unit_id, Household.room_no, Household.floor,
                Household.area_m2, Household.is_sold_public_housing, Household.note, Household.status,
            ).where(Household.compound_id == compound.id), Household,
        )
    ):
        rec = HouseholdRec(*row)
        rec.area_m2 = Decimal(rec.area_m2).quantize(Decimal("0.01"))
        households[(rec.unit_id, rec.room_no)] = rec
    in_compound = select(Household.id).where(Household.compound_id == compound.id)
    owners: dict[int, list[OwnerRec]] = {}
    for oid, hid, pid, name, phone, started in db.session.execute(
        scope.filter(
            select(Ownership.id, Ownership.household_id, Person.id, Person.name, Person.phone, Ownership.started_on)
            .join(Person, Person.id == Ownership.person_id)
            .where(Ownership.household_id.in_(in_compound), Ownership.ended_on.is_(None))
            .order_by(Ownership.id), Ownership,
        )
    ):
        owners.setdefault(hid, []).append(OwnerRec(oid, pid, name, phone, started))
    last_ended = dict(
        db.session.execute(
            scope.filter(
                select(Ownership.household_id, func.max(Ownership.ended_on))
                .where(Ownership.household_id.in_(in_compound), Ownership.ended_on.is_not(None))
                .group_by(Ownership.household_id), Ownership,
            )
        ).all()
    )
    return Snapshot(buildings, units, households, owners, last_ended)


# == validation ===================================================================================
@dataclass
class BuildingSpec:
    """A parsed 楼栋 row (None: leave as registered)."""

    row: int
    name: str
    floors: int | None
    has_elevator: bool | None


@dataclass
class HouseholdSpec:
    """A parsed 房屋 row."""

    row: int
    building: str
    unit: str
    room: str
    floor: int
    area: Decimal
    sold: bool
    owners: list[tuple[str, str | None]]
    has_phones: bool
    registered_on: date | None
    note: str | None


@dataclass
class OwnerChange:
    """Owners to register for a household: `end` are the ownerships that end (a correction)."""

    household_id: int | None  # None: a household created by this import (key below)
    key: tuple[str, str, str]
    owners: list[tuple[str, str | None]]
    on: date
    end: list[OwnerRec]


@dataclass
class Plan:
    """What the import will write, computed from the file and a snapshot."""

    buildings_create: list[BuildingSpec | str] = field(default_factory=list)
    buildings_update: list[tuple[int, dict]] = field(default_factory=list)
    units_create: list[tuple[str, str]] = field(default_factory=list)
    households_create: list[HouseholdSpec] = field(default_factory=list)
    households_update: list[tuple[int, dict]] = field(default_factory=list)
    owner_changes: list[OwnerChange] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _parse_building(table: Table, number: int, values: tuple, errors: list[dict]) -> BuildingSpec | None:
    ok = True
    parsed: dict[str, Any] = {}
    for key, parse in (
        ("building", lambda v: _required_text(v, LIMITS["building"])),
        ("floors", _integer),
        ("elevator", lambda v: _choice(v, HAS, HAS_NOT, E_HAS_NOT)),
    ):
        try:
            parsed[key] = parse(table.value(values, key))
        except CellError as exc:
            errors.append(error(table.sheet, number, table.header(key), exc.message, **exc.params))
            ok = False
    if ok and parsed["floors"] is not None and not (FLOORS_MIN <= parsed["floors"] <= FLOORS_MAX):
        errors.append(error(table.sheet, number, table.header("floors"), E_FLOORS_RANGE))
        ok = False
    if not ok:
        return None
    return BuildingSpec(number, parsed["building"], parsed["floors"], parsed["elevator"])


def _parse_owners(table: Table, number: int, values: tuple, errors: list[dict]) -> tuple[list, bool] | None:
    names_header, phones_header = table.header("owners"), table.header("phones")
    names = _split(_text(table.value(values, "owners")), keep_empty=False)
    phones_text = _text(table.value(values, "phones"))
    phones_raw = _split(phones_text, keep_empty=True)
    if not names:
        if phones_text:
            errors.append(error(table.sheet, number, phones_header, E_PHONE_WITHOUT_NAME))
            return None
        return [], False
    ok = True
    for name in names:
        if len(name) > LIMITS["name"]:
            errors.append(error(table.sheet, number, names_header, E_TOO_LONG, max=LIMITS["name"]))
            ok = False
    has_phones = bool(phones_text)
    phones: list[str | None] = [None] * len(names)
    if has_phones:
        if len(phones_raw) != len(names):
            errors.append(error(table.sheet, number, phones_header, E_COUNT_MISMATCH,
                                phones=len(phones_raw), names=len(names)))
            return None
        for i, raw in enumerate(phones_raw):
            if not raw:
                continue
            try:
                phones[i] = normalise_phone(raw)
            except DomainError:
                phones[i] = None
            if phones[i] is None:
                errors.append(error(table.sheet, number, phones_header, E_BAD_PHONE, phone=raw))
                ok = False
    if not ok:
        return None
    owners = list(zip(names, phones))
    seen = set()
    for name, phone in owners:
        if (name, phone) in seen:
            errors.append(error(table.sheet, number, names_header, E_DUP_OWNER, name=name))
            return None
        seen.add((name, phone))
    return owners, has_phones


def _parse_household(table: Table, number: int, values: tuple, today: date,
                     errors: list[dict]) -> HouseholdSpec | None:
    ok = True
    parsed: dict[str, Any] = {}
    parsers: list[tuple[str, Callable[[Any], Any]]] = [
        ("building", lambda v: _required_text(v, LIMITS["building"])),
        ("unit", lambda v: _required_text(v, LIMITS["unit"])),
        ("room", lambda v: _required_text(v, LIMITS["room"])),
        ("floor", _integer),
        ("area", _area),
        ("sold", lambda v: _choice(v, YES, NO, E_YES_NO)),
        ("registered_on", lambda v: _date(v, today)),
        ("note", lambda v: _text(v, limit=LIMITS["note"])),
    ]
    for key, parse in parsers:
        try:
            parsed[key] = parse(table.value(values, key))
        except CellError as exc:
            errors.append(error(table.sheet, number, table.header(key), exc.message, **exc.params))
            ok = False
    if "floor" in parsed:
        if parsed["floor"] is None:
            errors.append(error(table.sheet, number, table.header("floor"), E_REQUIRED))
            ok = False
        elif not (FLOOR_MIN <= parsed["floor"] <= FLOOR_MAX):
            errors.append(error(table.sheet, number, table.header("floor"), E_FLOOR_RANGE))
            ok = False
    owners = _parse_owners(table, number, values, errors)
    if owners is None or not ok:
        return None
    return HouseholdSpec(
        row=number, building=parsed["building"], unit=parsed["unit"], room=parsed["room"], floor=parsed["floor"],
        area=parsed["area"], sold=bool(parsed["sold"]), owners=owners[0], has_phones=owners[1],
        registered_on=parsed["registered_on"], note=parsed["note"],
    )


def _same_owners(spec: HouseholdSpec, current: list[OwnerRec]) -> bool:
    """Same owners: by name and phone; a row without any phone is compared by names only."""
    if spec.has_phones:
        return Counter(spec.owners) == Counter((o.name, _phone_key(o.phone)) for o in current)
    return Counter(name for name, _ in spec.owners) == Counter(o.name for o in current)


@dataclass
class Parsed:
    """The file's rows as typed values: what parse() found, before looking at the database."""

    buildings: dict[str, BuildingSpec]
    households: list[HouseholdSpec]
    building_table: Table | None
    household_table: Table


SHEET_ORDER = {None: 0, SHEET_BUILDINGS: 1, SHEET_HOUSEHOLDS: 2}


def _sorted(errors: list[dict]) -> list[dict]:
    """Errors in the order a user reads the file: file-level first, then by sheet and row (stable)."""
    return sorted(errors, key=lambda e: (SHEET_ORDER.get(e["sheet"], 3), e["row"] or 0))


def parse(tables: dict[str, Table], *, today: date,
          progress: Callable[[int], None] | None = None) -> tuple[Parsed, list[dict]]:
    """Type-check every cell and find duplicates within the file; progress(rows done) every 200 rows."""
    errors: list[dict] = []
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)

    buildings: dict[str, BuildingSpec] = {}
    btable = tables.get(SHEET_BUILDINGS)
    for number, values in (btable.rows if btable else []):
        spec = _parse_building(btable, number, values, errors)
        if spec is not None:
            if spec.name in buildings:
                errors.append(error(btable.sheet, number, btable.header("building"), E_DUP_BUILDING,
                                    first=buildings[spec.name].row))
            else:
                buildings[spec.name] = spec
        tick()

    htable = tables[SHEET_HOUSEHOLDS]
    if not htable.rows:
        errors.append(error(htable.sheet, None, None, E_NO_ROWS))
    households: list[HouseholdSpec] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, values in htable.rows:
        spec = _parse_household(htable, number, values, today, errors)
        tick()
        if spec is None:
            continue
        key = (spec.building, spec.unit, spec.room)
        if key in seen:
            errors.append(error(htable.sheet, number, htable.header("room"), E_DUP_ROOM, first=seen[key]))
            continue
        seen[key] = number
        households.append(spec)
    if progress is not None:
        progress(done)
    return Parsed(buildings, households, btable, htable), errors


def plan(parsed: Parsed, snap: Snapshot, *, today: date) -> tuple[Plan, list[dict]]:
    """Compare the parsed file with the registry: what to create or change, and the rule violations."""
    errors: list[dict] = []
    htable, btable = parsed.household_table, parsed.building_table
    result = Plan()
    touched: set[int] = set()
    c: Counter = Counter()

    def floors_of(name: str) -> int | None:
        spec = parsed.buildings.get(name)
        if spec is not None and spec.floors is not None:
            return spec.floors
        rec = snap.buildings.get(name)
        return rec.floors if rec else None

    for spec in parsed.households:
        key = (spec.building, spec.unit, spec.room)
        floors = floors_of(spec.building)
        if floors is not None and spec.floor > floors:
            errors.append(error(htable.sheet, spec.row, htable.header("floor"), E_FLOOR_ABOVE, floors=floors))
            continue
        brec = snap.buildings.get(spec.building)
        unit_id = snap.units.get((brec.id, spec.unit)) if brec else None
        rec = snap.households.get((unit_id, spec.room)) if unit_id else None
        if rec is None:
            result.households_create.append(spec)
            c["households_created"] += 1
            if spec.owners:
                result.owner_changes.append(OwnerChange(None, key, spec.owners, spec.registered_on or today, []))
                c["owners_added"] += 1
            continue
        touched.add(rec.id)
        changes = audit.diff(rec, {
            "floor": spec.floor, "area_m2": spec.area, "is_sold_public_housing": spec.sold, "note": spec.note,
        })
        current = snap.owners.get(rec.id, [])
        owner_change = None
        if spec.owners and not (current and _same_owners(spec, current)):
            on = spec.registered_on or today
            if current:
                latest = max(o.started_on for o in current)
                if on < latest:
                    errors.append(error(htable.sheet, spec.row, htable.header("registered_on"), E_OWNER_DATE_EARLY,
                                        date=latest.isoformat()))
                    continue
            else:
                ended = snap.last_ended.get(rec.id)
                if ended is not None and on < ended:
                    errors.append(error(htable.sheet, spec.row, htable.header("registered_on"),
                                        E_OWNER_DATE_AFTER_END, date=ended.isoformat()))
                    continue
            owner_change = OwnerChange(rec.id, key, spec.owners, on, list(current))
        if (changes or owner_change) and rec.status == HouseholdStatus.DEMOLISHED:
            errors.append(error(htable.sheet, spec.row, htable.header("room"), E_DEMOLISHED))
            continue
        if changes:
            result.households_update.append((rec.id, changes))
        if owner_change is not None:
            result.owner_changes.append(owner_change)
            c["owners_changed" if owner_change.end else "owners_added"] += 1
        c["households_updated" if (changes or owner_change) else "households_unchanged"] += 1

    # A lower 层数 must not leave a registered household (not in this file) above the top floor.
    if btable is not None:
        highest: dict[int, int] = {}
        for rec in snap.households.values():
            if rec.id not in touched and rec.status == HouseholdStatus.ACTIVE:
                highest[rec.building_id] = max(highest.get(rec.building_id, rec.floor), rec.floor)
        for spec in parsed.buildings.values():
            rec = snap.buildings.get(spec.name)
            if rec is not None and spec.floors is not None and highest.get(rec.id, FLOOR_MIN) > spec.floors:
                errors.append(error(btable.sheet, spec.row, btable.header("floors"), E_FLOORS_BELOW,
                                    floor=highest[rec.id]))

    # Buildings and units to create or update.
    for name in dict.fromkeys([*parsed.buildings, *(s.building for s in result.households_create)]):
        rec = snap.buildings.get(name)
        spec = parsed.buildings.get(name)
        if rec is None:
            result.buildings_create.append(spec or name)
            continue
        if spec is not None:
            values = {}
            if spec.floors is not None:
                values["floors"] = spec.floors
            if spec.has_elevator is not None:
                values["has_elevator"] = spec.has_elevator
            changes = audit.diff(rec, values)
            if changes:
                result.buildings_update.append((rec.id, changes))
    for spec in result.households_create:
        brec = snap.buildings.get(spec.building)
        if brec is None or (brec.id, spec.unit) not in snap.units:
            result.units_create.append((spec.building, spec.unit))
    result.units_create = list(dict.fromkeys(result.units_create))
    c["buildings_created"] = len(result.buildings_create)
    c["buildings_updated"] = len(result.buildings_update)
    c["units_created"] = len(result.units_create)
    result.counts = {key: c.get(key, 0) for key in COUNT_KEYS}
    return result, errors


def validate(tables: dict[str, Table], snap: Snapshot, *, today: date,
             progress: Callable[[int], None] | None = None) -> tuple[Plan, list[dict]]:
    """parse() then plan(): the plan and every error found, in reading order."""
    parsed, errors = parse(tables, today=today, progress=progress)
    result, more = plan(parsed, snap, today=today)
    return result, _sorted(errors + more)


COUNT_KEYS = (
    "buildings_created", "buildings_updated", "units_created", "households_created", "households_updated",
    "households_unchanged", "owners_added", "owners_changed",
)


# == writing ======================================================================================
def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _person_ids(owner_lists: list[list[tuple[str, str | None]]]) -> list[list[int]]:
    """Person ids for each owner list, reusing a person with the same name and phone.

    Same rule as registry.find_or_create_person: a person is identified by name and phone across
    the county (one owner may hold homes in several compounds), without a phone a new person each time.
    The lookup is not scope-filtered on purpose: it only resolves identities and shows nothing.
    """
    phones = sorted({phone for owners in owner_lists for _, phone in owners if phone})
    known: dict[tuple[str, str], int] = {}
    for chunk in _chunks(phones):
        for pid, name, phone in db.session.execute(
            select(Person.id, Person.name, Person.phone).where(Person.phone.in_(chunk)).order_by(Person.id)
        ):
            known.setdefault((name, phone), pid)
    new_rows: list[dict] = []
    slots: list[list[Any]] = []
    pending: dict[tuple[str, str], int] = {}
    for owners in owner_lists:
        ids: list[Any] = []
        for name, phone in owners:
            if phone and (name, phone) in known:
                ids.append(known[(name, phone)])
            elif phone and (name, phone) in pending:
                ids.append(("new", pending[(name, phone)]))
            else:
                new_rows.append({"name": name, "phone": phone, "is_organisation": False})
                if phone:
                    pending[(name, phone)] = len(new_rows) - 1
                ids.append(("new", len(new_rows) - 1))
        slots.append(ids)
    created: list[int] = []
    for chunk in _chunks(new_rows):
        created.extend(
            db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), chunk).all()
        )
    return [[created[i[1]] if isinstance(i, tuple) else i for i in ids] for ids in slots]


def apply_plan(work: Plan, compound: Compound, *, actor: User | None) -> dict[str, int]:
    """Write the plan in the current transaction, in bulk; audit area/owner changes per household."""
    buildings: dict[str, int] = {}
    new_buildings = []
    for item in work.buildings_create:
        spec = item if isinstance(item, BuildingSpec) else None
        name = spec.name if spec else item
        building = Building(
            compound_id=compound.id, name=name, floors=spec.floors if spec else None,
            has_elevator=bool(spec.has_elevator) if spec else False,
        )
        new_buildings.append(building)
    db.session.add_all(new_buildings)
    db.session.flush()
    for ids in _chunks([bid for bid, _ in work.buildings_update]):
        loaded = {b.id: b for b in db.session.scalars(select(Building).where(Building.id.in_(ids)))}
        for bid, changes in work.buildings_update:
            if bid in loaded:
                for key, (_old, new) in changes.items():
                    setattr(loaded[bid], key, new)
                audit.record("building.update", loaded[bid], actor=actor, changes=changes)
    buildings.update({name: bid for bid, name in db.session.execute(
        select(Building.id, Building.name).where(Building.compound_id == compound.id)
    )})

    new_units = [Unit(building_id=buildings[b], compound_id=compound.id, name=u) for b, u in work.units_create]
    db.session.add_all(new_units)
    db.session.flush()
    units = {(bid, name): uid for uid, bid, name in db.session.execute(
        select(Unit.id, Unit.building_id, Unit.name).where(Unit.compound_id == compound.id)
    )}
    building_names = {bid: name for name, bid in buildings.items()}

    household_ids: dict[tuple[str, str, str], int] = {}
    rows = []
    for spec in work.households_create:
        bid = buildings[spec.building]
        rows.append({
            "compound_id": compound.id, "building_id": bid, "unit_id": units[(bid, spec.unit)],
            "room_no": spec.room, "floor": spec.floor, "area_m2": spec.area,
            "is_sold_public_housing": spec.sold, "note": spec.note, "status": HouseholdStatus.ACTIVE,
        })
    unit_keys = {uid: (building_names[bid], name) for (bid, name), uid in units.items()}
    for chunk in _chunks(rows):
        for hid, unit_id, room in db.session.execute(
            insert(Household).returning(Household.id, Household.unit_id, Household.room_no), chunk
        ):
            household_ids[(*unit_keys[unit_id], room)] = hid

    # Existing households that change: load them once (chunked), set values, audit each.
    changed_ids = sorted({hid for hid, _ in work.households_update}
                         | {oc.household_id for oc in work.owner_changes if oc.household_id})
    loaded: dict[int, Household] = {}
    for ids in _chunks(changed_ids):
        loaded.update({h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))})
    for hid, changes in work.households_update:
        household = loaded[hid]
        for key, (_old, new) in changes.items():
            setattr(household, key, Decimal(new) if key == "area_m2" else new)
        audit.record("household.update", household, actor=actor, changes=changes)
    db.session.flush()

    # Owners: end the replaced ownerships (登记更正), start the new ones.
    person_ids = _person_ids([oc.owners for oc in work.owner_changes])
    ended = [
        {"id": o.ownership_id, "ended_on": oc.on, "end_reason": OwnershipEnd.CORRECTION}
        for oc in work.owner_changes for o in oc.end
    ]
    for chunk in _chunks(ended):
        db.session.execute(update(Ownership), chunk)
    starts = []
    for oc, pids in zip(work.owner_changes, person_ids):
        hid = oc.household_id or household_ids[oc.key]
        for pid in dict.fromkeys(pids):
            starts.append({"household_id": hid, "person_id": pid, "started_on": oc.on})
        if oc.household_id:
            action = "ownership.correct" if oc.end else "ownership.start"
            audit.record(action, loaded[hid], actor=actor, changes={
                "from": [o.person_id for o in oc.end], "to": list(dict.fromkeys(pids)), "on": oc.on,
                "end_reason": OwnershipEnd.CORRECTION if oc.end else None,
            })
    for chunk in _chunks(starts):
        db.session.execute(insert(Ownership), chunk)
    db.session.flush()
    logger.info("import into %r: %r", compound, work.counts)
    return dict(work.counts)


# == the job ======================================================================================
def file_extension(filename: str | None) -> str:
    """'xlsx' or 'csv' from an upload's name, else DomainError (field 'file')."""
    name = (filename or "").strip().lower()
    if name.endswith(".xls"):
        raise DomainError(E_XLS, field="file")
    for ext in ("xlsx", "csv"):
        if name.endswith("." + ext):
            return ext
    raise DomainError(E_NOT_SUPPORTED, field="file")


def create_job(compound_id: int, upload: Any, *, actor: User, scope: Scope, upload_dir: str) -> ImportJob:
    """Store an uploaded file for a compound in the user's scope and queue its import."""
    require(actor, "registry.import")
    compound = scope.get(Compound, compound_id)
    ext = file_extension(getattr(upload, "filename", None))
    folder = os.path.join(upload_dir, "imports")
    stored = os.path.join(folder, f"{uuid.uuid4().hex}.{ext}")  # never the user's file name on disk
    try:
        os.makedirs(folder, exist_ok=True)
        upload.save(stored)
    except OSError:
        logger.exception("cannot store upload in %s", folder)
        raise DomainError(N_("服务器无法保存上传的文件，请稍后重试"), field="file") from None
    shown_name = os.path.basename(upload.filename.replace("\\", "/").strip())[-200:] or "upload"
    job = ImportJob(
        compound_id=compound.id, user_id=actor.id, filename=shown_name, stored_path=stored,
        status=ImportStatus.PENDING, total_rows=0, processed_rows=0,
    )
    db.session.add(job)
    db.session.flush()
    logger.info("import job %r queued by %r for %r", job.id, actor, compound)
    return job


def _finish(job: ImportJob, status: ImportStatus, *, errors: list | None = None, counts: dict | None = None,
            message: str | None = None) -> None:
    job.status = status
    job.errors = errors
    job.counts = counts
    job.message = message
    job.finished_at = utcnow()
    if status == ImportStatus.DONE:
        job.processed_rows = job.total_rows


def _reject(job: ImportJob, errors: list[dict]) -> None:
    _finish(job, ImportStatus.REJECTED, errors=errors[:MAX_STORED_ERRORS], counts={"error_count": len(errors)},
            message=M_REJECTED)


def run_import(job: ImportJob, *, checkpoint: Callable[[], None], max_rows: int, today: date | None = None) -> None:
    """Validate the job's file, then write it (one transaction) or reject it; progress via checkpoint().

    checkpoint() is called after job progress changes and before any registry data is written; the
    caller commits there. When this returns the job is DONE or REJECTED and the caller commits once more.
    """
    today = today or local_today()
    actor = job.user
    if not actor.is_active:
        raise Forbidden(N_("上传人的账号已停用，导入未执行"))
    scope = scope_for(actor)
    require(actor, "registry.import")
    compound = scope.get(Compound, job.compound_id)
    job.status = ImportStatus.VALIDATING
    checkpoint()
    if not job.stored_path or not os.path.exists(job.stored_path):
        _finish(job, ImportStatus.FAILED, message=M_FILE_MISSING)
        return
    try:
        tables = read_file(job.stored_path, max_rows=max_rows)
    except ImportRejected as exc:
        _reject(job, exc.errors)
        return
    job.total_rows = sum(len(t.rows) for t in tables.values())
    checkpoint()

    def progress(done: int) -> None:
        job.processed_rows = done
        checkpoint()

    parsed, errors = parse(tables, today=today, progress=progress)
    _plan, more = plan(parsed, load_snapshot(compound, scope), today=today)
    if errors or more:
        _reject(job, _sorted(errors + more))
        return
    job.status = ImportStatus.WRITING
    checkpoint()
    # From here on one transaction: re-plan on fresh data (someone may have edited meanwhile), then write.
    result, errors = plan(parsed, load_snapshot(compound, scope), today=today)
    if errors:
        _reject(job, _sorted(errors))
        return
    counts = apply_plan(result, compound, actor=actor)
    audit.record("registry.import", compound, actor=actor,
                 changes={"import_job_id": job.id, "filename": job.filename, **counts})
    _finish(job, ImportStatus.DONE, counts=counts)


def mark_failed(job: ImportJob, exc: Exception) -> None:
    """Record why a job failed after its transaction was rolled back (nothing was written)."""
    message = exc.message if isinstance(exc, DomainError) else M_FAILED
    _finish(job, ImportStatus.FAILED, message=message[:400])


def error_count(job: ImportJob) -> int:
    """How many errors a rejected job found (more than are stored when there were very many)."""
    if job.status != ImportStatus.REJECTED:
        return 0
    return int((job.counts or {}).get("error_count", len(job.errors or [])))


def is_stalled(job: ImportJob, now: datetime | None = None) -> bool:
    """An unfinished job this old was interrupted (its transaction was never committed)."""
    return not job.is_finished and (now or utcnow()) - job.created_at > STALL_AFTER


def job_status(job: ImportJob, now: datetime | None = None) -> dict[str, Any]:
    """The progress of a job as the browser polls it."""
    return {
        "id": job.id,
        "status": job.status.value,
        "percent": job.percent,
        "processed_rows": job.processed_rows,
        "total_rows": job.total_rows,
        "counts": job.counts if job.status == ImportStatus.DONE else None,
        "error_count": error_count(job),
        "finished": job.is_finished,
        "stalled": is_stalled(job, now),
    }


def recent_jobs(scope: Scope, *, page: int, per_page: int = 20) -> tuple[list[ImportJob], int]:
    """Import jobs in scope, newest first, with their compound and user loaded; and the page count."""
    total = db.session.scalar(select(func.count()).select_from(scope.select(ImportJob).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    jobs = db.session.scalars(
        scope.select(ImportJob)
        .options(joinedload(ImportJob.compound), joinedload(ImportJob.user))
        .order_by(ImportJob.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(jobs), pages


def importable_compounds(scope: Scope) -> list[Compound]:
    """Compounds the user may import into (their scope), with the community for a readable label."""
    return list(db.session.scalars(
        scope.select(Compound).options(joinedload(Compound.community)).order_by(Compound.name, Compound.id)
    ))


# == template and export ==========================================================================
HELP_LINES = [
    "小区台账导入说明",
    "",
    "1. “房屋”工作表必填，每行一户：楼栋、单元、房号、楼层、建筑面积(㎡) 必须填写。",
    "2. 建筑面积按产权登记的面积填写，单位平方米，最多两位小数，例如 65.32。",
    "3. 楼层为整数，地下室填负数；不能高于“楼栋”表中该楼的层数。",
    "4. 房改房（售后公房）填“是”或“否”，不填视为“否”。",
    "5. 共有业主：在“业主姓名”中用顿号“、”或逗号分隔多个姓名，“业主电话”按同样顺序填写同样个数的电话，"
    "某人没有电话时留空位（例如 13900000001、），或整格不填。",
    "6. 产权登记日期写成 2010-01-01；业主与系统中现有业主不同时，现有产权按此日期以“登记更正”结束，"
    "新业主从此日期起登记；不填则按导入当天。",
    "7. “楼栋”工作表可选：层数、电梯（有/无）。未列出的楼栋会按“房屋”表自动建立。",
    "8. 同一楼栋、单元、房号视为同一户：再次导入只更新有变化的楼层、面积、房改房、备注和业主，不会删除任何房屋。",
    "9. 任何一行有错误时整份文件都不会导入，页面会列出每处错误所在的工作表、行号、列和原因。",
    "10. 也可以上传只含“房屋”表的 CSV 文件（UTF-8 或 GBK 编码）。",
]
TEXT_FORMAT = "@"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet(book: Workbook, title: str, columns: list[tuple[str, str]], rows: list[list], widths: dict[str, int],
           text_keys: set[str]) -> None:
    ws = book.create_sheet(title)
    ws.append([header for _key, header in columns])
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for values in rows:
        ws.append(values)
    ws.freeze_panes = "A2"
    last = max(ws.max_row, 2) + 1000
    for index, (key, _header) in enumerate(columns, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = widths.get(key, 12)
        number_format = TEXT_FORMAT if key in text_keys else "0.00" if key == "area" else None
        if number_format:
            # Room numbers and phones stay text (Excel would drop a leading 0 or show 1.39E+10);
            # the column style covers rows typed in later, the cells written here get it too.
            ws.column_dimensions[letter].number_format = number_format
            for row in ws.iter_rows(min_row=2, max_row=ws.max_row, min_col=index, max_col=index):
                row[0].number_format = number_format
        if key in ("sold", "elevator"):
            choices = f'"{YES},{NO}"' if key == "sold" else f'"{HAS},{HAS_NOT}"'
            dv = DataValidation(type="list", formula1=choices, allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")


def build_workbook(building_rows: list[list], household_rows: list[list]) -> bytes:
    """The registry layout as xlsx bytes: 房屋, 楼栋 and 说明 sheets."""
    book = Workbook()
    book.remove(book.active)
    _sheet(book, SHEET_HOUSEHOLDS, HOUSEHOLD_COLUMNS, household_rows,
           {"area": 14, "owners": 20, "phones": 28, "registered_on": 14, "note": 24, "sold": 14},
           {"building", "unit", "room", "owners", "phones", "note"})
    _sheet(book, SHEET_BUILDINGS, BUILDING_COLUMNS, building_rows, {"elevator": 14}, {"building"})
    help_sheet = book.create_sheet(SHEET_HELP)
    for line in HELP_LINES:
        help_sheet.append([line])
    help_sheet["A1"].font = Font(bold=True, size=14)
    help_sheet.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """The empty template with one example row in each sheet."""
    return build_workbook(
        [["1号楼", 6, HAS_NOT]],
        [["1号楼", "1单元", "101", 1, Decimal("65.32"), NO, "张三、李四", "13900000001、13900000002",
          "2010-05-01", ""]],
    )


def _natural(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def export_workbook(compound_id: int, *, actor: User, scope: Scope) -> tuple[Compound, bytes]:
    """A compound's registry in the import layout (importing it back changes nothing)."""
    require(actor, "registry.view")
    compound = scope.get(Compound, compound_id)
    snap = load_snapshot(compound, scope)
    building_names = {rec.id: name for name, rec in snap.buildings.items()}
    unit_names = {uid: name for (_bid, name), uid in snap.units.items()}
    building_rows = [
        [name, rec.floors, HAS if rec.has_elevator else HAS_NOT]
        for name, rec in sorted(snap.buildings.items(), key=lambda item: _natural(item[0]))
    ]
    households = [h for h in snap.households.values() if h.status == HouseholdStatus.ACTIVE]
    households.sort(key=lambda h: (_natural(building_names[h.building_id]), _natural(unit_names[h.unit_id]),
                                   _natural(h.room_no)))
    household_rows = []
    for h in households:
        owners = snap.owners.get(h.id, [])
        phones = [o.phone or "" for o in owners]
        household_rows.append([
            building_names[h.building_id], unit_names[h.unit_id], h.room_no, h.floor, h.area_m2,
            YES if h.is_sold_public_housing else NO,
            "、".join(o.name for o in owners),
            "、".join(phones) if any(phones) else "",
            max(o.started_on for o in owners).isoformat() if owners else "",
            h.note or "",
        ])
    return compound, build_workbook(building_rows, household_rows)
