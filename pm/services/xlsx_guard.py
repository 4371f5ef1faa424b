"""xlsx 预检: what an uploaded workbook declares and holds, checked in bounded memory before openpyxl opens it.

openpyxl loads the whole shared-string table into memory, scans a worksheet that declares no size to the end
just to size it, and fills the gap up to any row number a sheet names; a small zip can expand to hundreds of
megabytes of XML. So before it sees the file, every part is streamed once through the decompressor (1 MB at a
time, never held whole) and refused when the archive holds too many parts or bytes, a sheet declares (in its
<dimension>) or holds more rows, columns or cells than the caller allows, or the text table holds more strings.
Counting is by element start tags, with or without a namespace prefix (a count may include a few other
elements with the same start, which only makes it stricter); the declared size is checked as soon as
it is seen, so an absurd sheet is refused before its rows are read.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string

from pm.services.text import N_

CHUNK = 1024 * 1024
MAX_MEMBERS = 1000
ROW_LIMIT_EXCEL = 1_048_576
COLUMN_LIMIT_EXCEL = 16_384

E_TOO_MANY_PARTS = N_("文件结构异常（包含的部件过多），请在 Excel 中另存后重新上传")
E_DECLARED_TOO_LARGE = N_("工作表声明的范围过大（%(rows)s 行 × %(columns)s 列），最多 %(max_rows)s 行、%(max_columns)s 列；"
                          "请删除多余的空行和空列后重新上传")
E_TOO_MANY_SHEET_ROWS = N_("工作表的行数（含空行）超过 %(max)s 行，请删除多余的空行或分批导入")
E_TOO_MANY_CELLS = N_("工作表的单元格（含带格式的空单元格）超过 %(max)s 个，请删除多余的空行和空列后重新上传")
E_TOO_MANY_STRINGS = N_("文件中的文字条目超过 %(max)s 个，请分批导入")

_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(row|c|si)(?=[\s/>])")  # <x:row …>: rare, but openpyxl reads it
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?ref\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})"
                        rb"(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?")


@dataclass(frozen=True)
class Limits:
    """What one workbook may hold: bytes once unzipped, and per worksheet part rows (blank ones too), declared
    columns and cell elements, and strings in the shared-string table."""

    max_unzipped: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_strings: int


class ArchiveRefused(Exception):
    """Why the workbook is refused: a msgid and its parameters."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid)
        self.msgid, self.params = msgid, params


def _declared(match: re.Match) -> tuple[int, int]:
    """(last row, last column) of a <dimension ref="A1:J20"> (a single cell "A1" is its own end)."""
    col, row = match.group(3) or match.group(1), match.group(4) or match.group(2)
    try:
        return int(row), column_index_from_string(col.decode().upper())
    except ValueError:
        return ROW_LIMIT_EXCEL + 1, COLUMN_LIMIT_EXCEL + 1  # a column past XFD: absurd by definition


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> None:
    counts = {b"row": 0, b"c": 0, b"si": 0}
    carry = b""
    with archive.open(info) as part:
        while True:
            chunk = part.read(CHUNK)
            buffer = carry + chunk
            if chunk:
                cut = buffer.rfind(b"<")
                cut = len(buffer) if cut < 0 or len(buffer) - cut > 4096 else cut
                buffer, carry = buffer[:cut], buffer[cut:]
            for tag in counts:  # "<c" also counts the few <col>, <color> …: the limits are generous, never loose
                counts[tag] += buffer.count(b"<" + tag)
            for tag in _PREFIXED.findall(buffer):
                counts[tag] += 1
            for dim in _DIMENSION.finditer(buffer) if b"dimension" in buffer else ():
                rows, columns = _declared(dim)
                if rows > limits.max_rows or columns > limits.max_columns:
                    raise ArchiveRefused(E_DECLARED_TOO_LARGE, rows=rows, columns=columns,
                                         max_rows=limits.max_rows, max_columns=limits.max_columns)
            if counts[b"row"] > limits.max_rows:
                raise ArchiveRefused(E_TOO_MANY_SHEET_ROWS, max=limits.max_rows)
            if counts[b"c"] > limits.max_cells:
                raise ArchiveRefused(E_TOO_MANY_CELLS, max=limits.max_cells)
            if counts[b"si"] > limits.max_strings:
                raise ArchiveRefused(E_TOO_MANY_STRINGS, max=limits.max_strings)
            if not chunk:
                return


def check_archive(archive: zipfile.ZipFile, limits: Limits, too_big_msgid: str) -> None:
    """Refuse (ArchiveRefused) a workbook over the limits; reads each part once, in chunks, and stops early."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(E_TOO_MANY_PARTS)
    # The sizes the archive declares bound what zipfile will ever inflate (it stops there, then fails the CRC).
    if sum(info.file_size for info in members) > limits.max_unzipped:
        raise ArchiveRefused(too_big_msgid)
    for info in members:
        if not info.is_dir():
            _scan_part(archive, info, limits)
