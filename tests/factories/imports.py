"""台账导入 factories: rows, workbooks and CSV files in the import template's layout."""
from __future__ import annotations

import io
import zipfile

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


# -- hand-made workbooks (what openpyxl would never write: lying sizes, bombs) -----------------------------
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def raw_xlsx(sheet_data: bytes, *, dimension: str | None = None, shared_strings: bytes | None = None,
             sheet="房屋") -> bytes:
    """A minimal valid .xlsx whose one sheet holds `sheet_data` (the <row> elements) as given, with an optional
    <dimension ref> and shared-string items (<si> elements), deflated at the highest level."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
           'officedocument.spreadsheetml.sharedStrings+xml"/>' if shared_strings is not None else "")
        + "</Types>"
    )
    rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                 f'Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                 + (f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                    if shared_strings is not None else "")
                 + "</Relationships>")
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet_xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{dim}<sheetData>'.encode()
                 + sheet_data + b"</sheetData></worksheet>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">'
                             .encode() + shared_strings + b"</sst>")
    return buffer.getvalue()


def header_row_xml() -> bytes:
    """Row 1 of a hand-made 房屋 sheet: the template's headers as inline strings."""
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS))
    return f'<row r="1">{cells}</row>'.encode()


def styled_empty_rows(count: int) -> bytes:
    """`count` rows of two styled empty cells each (what formatting a whole block in Excel leaves behind),
    numbered by position as the format allows, so that they compress to almost nothing."""
    return b'<row><c s="1"/><c s="1"/></row>' * count
