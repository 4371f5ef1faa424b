"""Reading an upload through the shared reader: its guards become file-level errors of the job, in our terms."""
from __future__ import annotations


import pytest
from flask import session
from openpyxl import Workbook

from pm.services import spreadsheets
from pm.services.imports import messages as m
from pm.services.imports.reading import HEADER_SCAN_ROWS, read_file

HEADERS = ["楼栋", "单元", "房号", "楼层", "建筑面积(㎡)", "房改房(是/否)", "业主姓名", "业主电话", "产权登记日期", "备注"]


def _xlsx(rows: int, tmp_path) -> str:
    book = Workbook()
    ws = book.active
    ws.title = "房屋"
    ws.append(HEADERS)
    for i in range(rows):
        ws.append(["1号楼", "1单元", str(100 + i), 1, "65.50"])
    path = tmp_path / "upload.xlsx"
    book.save(path)
    return str(path)


def test_file_over_the_size_limit(app, tmp_path):
    """A stored file over max_bytes is refused before it is opened, with the shared reader's message."""
    path = _xlsx(3, tmp_path)
    with pytest.raises(m.ImportRejected) as err:
        read_file(path, max_rows=100, max_bytes=1024)
    assert [(e["sheet"], e["row"], e["message"]) for e in err.value.errors] == [(None, None, spreadsheets.E_TOO_BIG)]
    assert err.value.errors[0]["params"] == {"size": "1 KB"}


def test_far_too_many_rows_name_our_limit(app, tmp_path):
    """Rows far beyond the limit stop the reader itself; the error still names IMPORT_MAX_ROWS, not its margin."""
    path = _xlsx(3 + HEADER_SCAN_ROWS + 2, tmp_path)
    with pytest.raises(m.ImportRejected) as err:
        read_file(path, max_rows=3, max_bytes=10 * 1024 * 1024)
    assert [(e["message"], e["params"]) for e in err.value.errors] == [(m.E_TOO_MANY_ROWS, {"max": 3})]


def test_rows_just_over_the_limit_name_the_row(app, tmp_path):
    """A few rows over the limit are reported on the first row past it (sheet and row)."""
    path = _xlsx(4, tmp_path)
    with pytest.raises(m.ImportRejected) as err:
        read_file(path, max_rows=3, max_bytes=10 * 1024 * 1024)
    assert [(e["sheet"], e["row"], e["params"]) for e in err.value.errors] == [("房屋", 5, {"max": 3})]


def test_rejection_message_is_translated(app):
    """The exception's own message is the msgid with its parameters, in the request's language."""
    with app.test_request_context("/"):
        session["lang"] = "en"
        err = m.ImportRejected([m.error("房屋", 5, None, m.E_TOO_MANY_ROWS, max=3)])
    assert "3" in err.message and "数据" not in err.message


def test_reads_rows_as_typed(app, tmp_path):
    """Rows keep their cells' types and their Excel row numbers."""
    tables = read_file(_xlsx(2, tmp_path), max_rows=10, max_bytes=10 * 1024 * 1024)
    table = tables["房屋"]
    assert [number for number, _values in table.rows] == [2, 3]
    assert table.value(table.rows[0][1], "floor") == 1 and table.value(table.rows[0][1], "note") is None
    assert table.header("area") == "建筑面积(㎡)"
