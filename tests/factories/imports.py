"""台账导入 factories: rows, workbooks and CSV files in the import template's layout."""
from __future__ import annotations

import io

from openpyxl import Workbook

HEADERS = ["楼栋", "单元", "房号", "楼层", "建筑面积(㎡)", "房改房(是/否)", "业主姓名", "业主电话", "产权登记日期", "备注"]
BUILDING_HEADERS = ["楼栋", "层数", "电梯(有/无)"]


def row(building="1号楼", unit="1单元", room="101", floor=1, area="65.50", sold="否", names="", phones="",
        registered="", note=""):
    """One 房屋 row in template order."""
    return [building, unit, room, floor, area, sold, names, phones, registered, note]


def xlsx(households, buildings=None, *, sheet="房屋", headers=HEADERS) -> bytes:
    """A workbook with a 房屋 sheet (and a 楼栋 sheet when buildings is given)."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(headers)
    for values in households:
        ws.append(values)
    if buildings is not None:
        bs = book.create_sheet("楼栋")
        bs.append(BUILDING_HEADERS)
        for values in buildings:
            bs.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(households, encoding="utf-8", *, bom=False) -> bytes:
    """The 房屋 sheet as CSV text in an encoding."""
    lines = [",".join(HEADERS)] + [",".join(str(v) for v in values) for values in households]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


# Three valid rows: two households of 1号楼 (one sold public housing with two owners) and one without owners.
GOOD = [
    row("1号楼", "1单元", "101", 1, "65.50", "否", "张三", "13900000001", "2010-05-01", ""),
    row("1号楼", "1单元", "102", 1, "70.25", "是", "李四、王五", "13900000002、13900000003", "2011-01-02", "东户"),
    row("2号楼", "1单元", "201", 2, "88", "否", "", "", "", ""),
]
