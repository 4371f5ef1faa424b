"""Hostile uploads: small files that declare or expand to absurd sizes are refused quickly and in bounded memory."""
from __future__ import annotations

import time
import tracemalloc

import pytest

from pm.services import spreadsheets, xlsx_guard
from pm.services.imports import messages as m
from pm.services.imports.reading import HEADER_SCAN_ROWS, read_file
from tests.factories.imports import header_row_xml, raw_xlsx, styled_empty_rows

MB = 1024 * 1024
MAX_ROWS = 50_000  # the production default (IMPORT_MAX_ROWS)


def _refused(tmp_path, data: bytes, *, max_rows=MAX_ROWS, seconds=3.0, peak_mb=40) -> dict:
    """Read `data` as a stored upload: it must be refused within `seconds` and `peak_mb` of Python allocations."""
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(data)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(m.ImportRejected) as err:
            read_file(str(path), max_rows=max_rows, max_bytes=16 * MB)
    finally:
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < peak_mb * MB, f"peak {peak / MB:.0f} MB"
    [error] = err.value.errors
    return error


def test_a_valid_hand_made_workbook_is_read(tmp_path):
    """The hand-made workbooks below are readable ones: a header and a data row come through."""
    row = (b'<row r="2"><c r="A2" t="inlineStr"><is><t>1\xe5\x8f\xb7\xe6\xa5\xbc</t></is></c>'
           b'<c r="B2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>101</t></is></c><c r="D2"><v>1</v></c>'
           b'<c r="E2"><v>65.5</v></c></row>')
    path = tmp_path / "ok.xlsx"
    path.write_bytes(raw_xlsx(header_row_xml() + row, dimension="A1:J2", shared_strings=b"<si><t>1\xe5\x8d\x95"
                                                                                          b"\xe5\x85\x83</t></si>"))
    table = read_file(str(path), max_rows=10, max_bytes=MB)["房屋"]
    assert table.rows == [(2, ("1号楼", "1单元", "101", 1, 65.5))]


def test_absurd_declared_dimension_is_refused_before_reading(tmp_path):
    """A sheet declaring a million rows (A1:XFD1048576) is refused from its <dimension>, whatever follows."""
    data = raw_xlsx(header_row_xml() + styled_empty_rows(20_000), dimension="A1:XFD1048576")
    assert len(data) < 200 * 1024
    error = _refused(tmp_path, data)
    assert error["message"] == xlsx_guard.E_DECLARED_TOO_LARGE
    assert error["params"]["rows"] == 1_048_576 and error["params"]["columns"] == 16_384


def test_many_styled_empty_rows_without_a_dimension(tmp_path):
    """A small file holding 400,000 styled empty rows and no declared size: counted while streaming, refused."""
    data = raw_xlsx(header_row_xml() + styled_empty_rows(400_000))
    assert len(data) < 100 * 1024
    error = _refused(tmp_path, data)
    assert error["message"] == xlsx_guard.E_TOO_MANY_SHEET_ROWS
    assert error["params"] == {"max": spreadsheets.sheet_rows_allowed(MAX_ROWS + HEADER_SCAN_ROWS)}


def test_shared_strings_bomb(tmp_path):
    """Millions of shared strings (openpyxl would hold them all in memory) are refused unread."""
    data = raw_xlsx(header_row_xml(), dimension="A1:J1", shared_strings=b"<si><t>x</t></si>" * 3_000_000)
    assert len(data) < 200 * 1024
    error = _refused(tmp_path, data)
    assert error["message"] == xlsx_guard.E_TOO_MANY_STRINGS


def test_too_many_cells_in_few_rows(tmp_path):
    """A few rows with tens of thousands of styled cells each: refused by the cell count."""
    wide = b"".join(b'<row r="%d">' % n + b'<c s="1"/>' * 100_000 + b"</row>" for n in range(2, 22))
    error = _refused(tmp_path, raw_xlsx(header_row_xml() + wide))
    assert error["message"] == xlsx_guard.E_TOO_MANY_CELLS


def test_a_row_number_far_below_is_refused_while_reading(tmp_path):
    """Two rows, the second numbered 1,000,000 and no dimension: openpyxl would fill the gap with empty rows;
    the reader stops at the sheet's row allowance."""
    far = b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    error = _refused(tmp_path, raw_xlsx(header_row_xml() + far), max_rows=1000)
    assert error["message"] == spreadsheets.E_TOO_MANY_SHEET_ROWS


def test_declared_size_smaller_than_the_data_reads_every_row(tmp_path):
    """A dimension that understates the sheet no longer hides rows (openpyxl stops at the declared end)."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>1</t></is></c><c r="B%d" t="inlineStr"><is><t>1'
                    b'</t></is></c><c r="C%d"><v>%d</v></c><c r="D%d"><v>1</v></c><c r="E%d"><v>50</v></c></row>'
                    % (n, n, n, n, n, n, n) for n in range(2, 12))
    path = tmp_path / "short.xlsx"
    path.write_bytes(raw_xlsx(header_row_xml() + rows, dimension="A1:J2"))
    assert len(read_file(str(path), max_rows=100, max_bytes=MB)["房屋"].rows) == 10


def test_declared_size_of_a_zip_bomb(tmp_path):
    """Parts that unzip past the limit are refused from the sizes the archive declares (zipfile never inflates
    more than it declares)."""
    data = raw_xlsx(header_row_xml() + b"<row/>" * 12_000_000)
    error = _refused(tmp_path, data)
    assert error["message"] == spreadsheets.E_UNZIPPED_TOO_BIG


def test_long_cell_is_cut_and_reported(tmp_path):
    """A 100,000-character cell is cut at the reader's cap; the column's own limit then reports it."""
    note = "长" * 100_000
    rows = spreadsheets.read_table("a.csv", ("楼栋\n" + note + "\n").encode(), max_bytes=MB, max_rows=10)
    assert len(rows[1][0]) == spreadsheets.MAX_CELL_CHARS + 1


def test_csv_with_a_huge_line_or_millions_of_blank_lines(tmp_path):
    """CSV is split lazily: one enormous line, or millions of empty lines, is refused without a list of them."""
    with pytest.raises(spreadsheets.SpreadsheetError) as err:
        spreadsheets.read_table("a.csv", b"a" + b"," * 5_000_000, max_bytes=16 * MB, max_rows=100)
    assert err.value.msgid == spreadsheets.E_LINE_TOO_LONG
    started = time.perf_counter()
    with pytest.raises(spreadsheets.SpreadsheetError) as err:
        spreadsheets.read_table("a.csv", b"a\r\n" + b"\r\n" * 5_000_000, max_bytes=16 * MB, max_rows=100)
    assert err.value.msgid == spreadsheets.E_TOO_MANY_SHEET_ROWS and time.perf_counter() - started < 2
