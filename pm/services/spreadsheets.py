"""电子表格: the one reader of uploaded tables (.xlsx, .csv) and the one xlsx writer of exports (导出)."""
from __future__ import annotations

import csv
import io
import itertools
import logging
import os
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pm.errors import DomainError
from pm.services.money import fen_to_decimal
from pm.services.text import N_
from pm.services.xlsx_guard import E_TOO_MANY_SHEET_ROWS as E_SHEET_ROWS
from pm.services.xlsx_guard import ArchiveRefused, Limits, check_archive

logger = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls)
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # refuse zip bombs before openpyxl expands them (50,000 rows need ~25 MB)
MAX_COLUMNS = 100  # cells further right are ignored (a stray value in column XFD must not cost 16,384 cells a row)
MAX_DECLARED_COLUMNS = 256  # a sheet declaring more columns is refused before it is read
MAX_CELL_CHARS = 1000  # longer text is cut to this + 1 characters (the callers' length checks then refuse it)
CELLS_PER_ROW = 30  # cell elements (styled empty ones too) a sheet may hold per allowed row
STRINGS_PER_ROW = 10  # distinct texts (the shared-string table) a workbook may hold per allowed row
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without BOM, else what Excel on Chinese Windows writes

E_TOO_BIG = N_("上传的文件太大：最大 %(size)s，请分批导入")
E_NOT_SUPPORTED = N_("只能导入 .xlsx 或 .csv 文件")
E_XLS = N_("不支持 Excel 97-2003（.xls）格式，请在 Excel 中另存为 .xlsx 后再上传")
E_CORRUPT = N_("文件已损坏，或不是有效的 Excel（.xlsx）文件")
E_UNZIPPED_TOO_BIG = N_("文件解压后过大，请分批导入")
E_ENCODING = N_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")
E_CSV = N_("CSV 文件格式错误")
E_TOO_MANY_ROWS = N_("数据超过 %(max)s 行，请分批导入")
E_MISSING_SHEET = N_("缺少工作表“%(sheet)s”")
E_TOO_MANY_SHEET_ROWS = E_SHEET_ROWS  # the guard and the row loop refuse in the same words
E_LINE_TOO_LONG = N_("CSV 文件中有过长的行，请检查文件")


class SpreadsheetError(DomainError):
    """An upload that cannot be read as a table. `msgid` and `params` keep the untranslated message for callers
    that store it (the registry import shows it later, in the reader's language)."""

    def __init__(self, msgid: str, *, field: str = "file", **params: Any):
        super().__init__(gettext(msgid, **params) if params else msgid, field=field)
        self.msgid, self.params = msgid, params


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _capped(value: Any, max_chars: int) -> Any:
    return value[:max_chars + 1] if isinstance(value, str) and len(value) > max_chars else value


def _trimmed(values: Iterable[Any], max_columns: int, max_chars: int = MAX_CELL_CHARS) -> tuple:
    """A row cut at max_columns, without trailing blank cells (a blank row is ()), text cut at max_chars + 1."""
    row = values[:max_columns] if isinstance(values, tuple) else tuple(itertools.islice(values, max_columns))
    if row.count(None) == len(row):  # the common blank row, at C speed
        return ()
    end = len(row)
    while end and (row[end - 1] is None or _blank(row[end - 1])):
        end -= 1
    row = row[:end]
    if any(isinstance(v, str) and len(v) > max_chars for v in row):
        row = tuple(_capped(v, max_chars) for v in row)
    return row


def sheet_rows_allowed(max_rows: int) -> int:
    """Rows a sheet may hold, blank or styled ones included, for max_rows of data (beyond: refused unread)."""
    return 2 * max_rows + 1000


def _limited(rows: Iterable[Iterable[Any]], max_rows: int, max_columns: int, field: str,
             max_chars: int = MAX_CELL_CHARS) -> list[tuple]:
    """Rows in order (index i is spreadsheet row i + 1), trailing blank rows dropped; more than max_rows
    non-blank rows after the first one (the header), or more rows in all than sheet_rows_allowed(), is refused."""
    out: list[tuple] = []
    seen = 0
    allowed = sheet_rows_allowed(max_rows)
    for values in rows:
        if len(out) >= allowed:
            raise SpreadsheetError(E_TOO_MANY_SHEET_ROWS, field=field, max=allowed)
        row = _trimmed(values, max_columns, max_chars)
        if row:
            seen += 1
            if seen > max_rows + 1:
                raise SpreadsheetError(E_TOO_MANY_ROWS, field=field, max=max_rows)
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def _load(data_or_path: bytes | str | os.PathLike, max_bytes: int, field: str) -> bytes:
    if isinstance(data_or_path, (bytes, bytearray)):
        data = bytes(data_or_path)
    else:
        if os.path.getsize(data_or_path) > max_bytes:
            raise SpreadsheetError(E_TOO_BIG, field=field, size=_size(max_bytes))
        with open(data_or_path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(E_TOO_BIG, field=field, size=_size(max_bytes))
    return data


def _format(filename: str | None, data: bytes, field: str) -> str:
    """"xlsx" or "csv", by the bytes first (never trusting the name of a zip or an OLE file), then by the name."""
    name = (filename or "").strip().lower()
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise SpreadsheetError(E_XLS, field=field)
    if name.endswith(".xlsx"):
        raise SpreadsheetError(E_CORRUPT, field=field)
    if name.endswith(".csv"):
        return "csv"
    raise SpreadsheetError(E_NOT_SUPPORTED, field=field)


def _csv_lines(text: str, max_chars: int, field: str) -> Iterable[str]:
    """The lines of a CSV text one at a time; a line longer than max_chars is refused before csv splits it."""
    for line in io.StringIO(text, newline=""):
        if len(line) > max_chars:
            raise SpreadsheetError(E_LINE_TOO_LONG, field=field)
        yield line


def _csv_rows(data: bytes, max_columns: int, max_chars: int, field: str) -> Iterable[list[str]]:
    """The rows of a CSV file, lazily (a row is parsed only when the caller asks for it)."""
    if b"\x00" in data:
        raise SpreadsheetError(E_ENCODING, field=field)
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(E_ENCODING, field=field)
    reader = csv.reader(_csv_lines(text, max_columns * (max_chars + 3) + 2, field))
    try:
        yield from reader
    except csv.Error:
        raise SpreadsheetError(E_CSV, field=field) from None


def _xlsx_limits(max_rows: int, max_unzipped: int) -> Limits:
    rows = sheet_rows_allowed(max_rows)
    return Limits(max_unzipped=max_unzipped, max_rows=rows, max_columns=MAX_DECLARED_COLUMNS,
                  max_cells=max_rows * CELLS_PER_ROW + 10_000, max_strings=max_rows * STRINGS_PER_ROW + 10_000)


def read_sheets(filename: str | None, data_or_path: bytes | str | os.PathLike, *, sheets: Sequence[str | None],
                required: Sequence[str | None] = (), max_bytes: int, max_rows: int, max_columns: int = MAX_COLUMNS,
                max_unzipped: int = MAX_UNZIPPED_BYTES, max_chars: int = MAX_CELL_CHARS,
                field: str = "file") -> dict[str | None, list[tuple]]:
    """Several sheets of one .xlsx (None: the first sheet), or the one table of a .csv under sheets[0].

    Sheets absent from the workbook are left out, unless listed in `required` (then a SpreadsheetError).
    Each sheet's rows are as read_table() returns them. Memory and time stay bounded by the limits: an xlsx is
    first checked part by part (pm.services.xlsx_guard: unzipped size, declared and actual rows, columns,
    cells, strings) without being expanded in memory, then streamed row by row (openpyxl read-only);
    a CSV is split line by line; text longer than max_chars is cut to max_chars + 1 characters."""
    data = _load(data_or_path, max_bytes, field)
    if _format(filename, data, field) == "csv":
        rows = _csv_rows(data, max_columns, max_chars, field)
        return {sheets[0]: _limited(rows, max_rows, max_columns, field, max_chars)}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive, _xlsx_limits(max_rows, max_unzipped), E_UNZIPPED_TOO_BIG)
    except ArchiveRefused as refused:
        raise SpreadsheetError(refused.msgid, field=field, **refused.params) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        raise SpreadsheetError(E_CORRUPT, field=field) from None
    out: dict[str | None, list[tuple]] = {}
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions other tools write; they do not matter here.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                names = {name.strip(): name for name in book.sheetnames}
                for sheet in sheets:
                    if sheet is None:
                        ws = book.worksheets[0]
                    elif sheet.strip() in names:
                        ws = book[names[sheet.strip()]]
                    elif sheet in required:
                        raise SpreadsheetError(E_MISSING_SHEET, field=field, sheet=sheet)
                    else:
                        continue
                    # Read every row the sheet holds (the guard counted them), not only up to its declared end.
                    ws.reset_dimensions()
                    out[sheet] = _limited(ws.iter_rows(max_col=max_columns, values_only=True), max_rows,
                                          max_columns, field, max_chars)
            finally:
                book.close()
    except SpreadsheetError:
        raise
    except Exception:  # noqa: BLE001 - any failure to parse the archive means a corrupt file
        logger.warning("cannot read workbook %r", filename, exc_info=True)
        raise SpreadsheetError(E_CORRUPT, field=field) from None
    return out


def read_table(filename: str | None, data_or_path: bytes | str | os.PathLike, *, max_bytes: int, max_rows: int,
               max_columns: int = MAX_COLUMNS, sheet: str | None = None, max_unzipped: int = MAX_UNZIPPED_BYTES,
               field: str = "file") -> list[tuple]:
    """The rows of an uploaded .xlsx (its first sheet, or `sheet`) or .csv, header included.

    Row i of the list is spreadsheet row i + 1; blank rows are (), trailing blank cells and rows are dropped;
    xlsx cells keep their types (str, int, float, datetime …), csv cells are str. Refused with a
    SpreadsheetError (a DomainError on `field`): too large, .xls, neither xlsx nor csv, corrupt, a zip bomb,
    an unknown CSV encoding, a missing sheet, more than max_rows non-blank rows below the first one."""
    tables = read_sheets(filename, data_or_path, sheets=[sheet], required=[sheet], max_bytes=max_bytes,
                         max_rows=max_rows, max_columns=max_columns, max_unzipped=max_unzipped, field=field)
    return tables[sheet]


def cell_text(value: Any) -> str:
    """A read cell as trimmed text: whole floats lose Excel's ".0" (room 501, phones), other floats keep their
    shortest exact text (12.3, never 12.300000000000001), a midnight datetime is its date; blank is ""."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# == writing ===================================================================================
@dataclass(frozen=True)
class Money:
    """A cell of money: integer fen written as exact yuan (a Decimal number cell, 123450 → 1234.50)."""

    fen: int | None


@dataclass(frozen=True)
class HeaderStyle:
    bold: bool = False
    fill: str | None = None  # RGB hex, e.g. "DDEBF7"
    centre: bool = False


PLAIN = HeaderStyle()
BOLD = HeaderStyle(bold=True)
BANNER = HeaderStyle(bold=True, fill="DDEBF7", centre=True)  # the registry template's header


@dataclass
class Sheet:
    """One worksheet: an optional bold title line, an optional header row, the rows, and the column settings
    (keyed by 0-based column index): widths, number formats (also set on the column, for rows typed later)
    and drop-down choices (rows below the header and 1,000 more); muted_rows example rows in grey italics."""

    title: str
    rows: Iterable[Sequence[Any]] = ()
    header: Sequence[Any] | None = None
    header_style: HeaderStyle = BOLD
    title_line: str | None = None
    title_size: int | None = None
    widths: Mapping[int, float] = field(default_factory=dict)
    formats: Mapping[int, str] = field(default_factory=dict)
    choices: Mapping[int, Sequence[str]] = field(default_factory=dict)
    freeze_header: bool = False
    muted_rows: int = 0  # the first rows below the header are grey and italic (a template's examples)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice or a CSV import may run as a formula


def _cell(value: Any) -> Any:
    return fen_to_decimal(value.fen) if isinstance(value, Money) else value


def _safe(ws: Any, value: Any) -> Any:
    """Text that a spreadsheet would take for a formula ("=HYPERLINK(…)", "+1", "@SUM", "-2+3") becomes a text
    cell with Excel's leading-apostrophe mark (quotePrefix): shown and re-read exactly as typed, never run."""
    value = _cell(value)
    if not (isinstance(value, str) and value.startswith(FORMULA_STARTS)):
        return value
    cell = Cell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _append(ws: Any, values: Iterable[Any]) -> None:
    """Append one row; every writer's row goes through here, so no exported text is ever a formula."""
    ws.append([_safe(ws, v) for v in values])


def _write_sheet(book: Workbook, spec: Sheet) -> None:
    ws = book.create_sheet(spec.title)
    if spec.title_line is not None:
        _append(ws, [spec.title_line])
        ws["A1"].font = Font(bold=True, size=spec.title_size) if spec.title_size else Font(bold=True)
    header_row = None
    if spec.header is not None:
        _append(ws, spec.header)
        header_row = ws.max_row
        for cell in ws[header_row]:
            if spec.header_style.bold:
                cell.font = Font(bold=True)
            if spec.header_style.fill:
                cell.fill = PatternFill("solid", fgColor=spec.header_style.fill)
            if spec.header_style.centre:
                cell.alignment = Alignment(horizontal="center")
    for number, values in enumerate(spec.rows):
        _append(ws, values)
        if number < spec.muted_rows:
            for cell in ws[ws.max_row]:
                cell.font = Font(italic=True, color="808080")
    first_data = (header_row or (1 if spec.title_line is not None else 0)) + 1
    if spec.freeze_header and header_row is not None:
        ws.freeze_panes = f"A{first_data}"
    for index, width in spec.widths.items():
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    for index, number_format in spec.formats.items():
        ws.column_dimensions[get_column_letter(index + 1)].number_format = number_format
        for row in ws.iter_rows(min_row=first_data, max_row=ws.max_row, min_col=index + 1, max_col=index + 1):
            row[0].number_format = number_format
    last = max(ws.max_row, first_data) + 1000
    for index, options in spec.choices.items():
        letter = get_column_letter(index + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        ws.add_data_validation(validation)
        validation.add(f"{letter}{first_data}:{letter}{last}")


def workbook(*sheets: Sheet) -> Workbook:
    """An openpyxl Workbook with the given sheets, in order."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        _write_sheet(book, spec)
    return book


def write_xlsx(*sheets: Sheet) -> bytes:
    """The xlsx bytes of a workbook with the given sheets."""
    buffer = io.BytesIO()
    workbook(*sheets).save(buffer)
    return buffer.getvalue()
