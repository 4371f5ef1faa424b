"""The one xlsx writer reproduces every existing export's layout: same sheets, cells, styles, widths, drop-downs."""
# Each test builds an export with pm.services.spreadsheets (the recipe its caller switches to) and compares the
# content with the legacy writer's; the tests are skipped once the legacy writer is gone.
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pm.services.spreadsheets import BANNER, PLAIN, Money, Sheet, write_xlsx

try:
    from pm.services import imports as legacy_imports
    from pm.services.imports import build_workbook as legacy_registry
except ImportError:  # pragma: no cover
    legacy_registry = legacy_imports = None


def content(data: bytes) -> list[dict]:
    """Everything a user sees in a workbook: sheets, cell values and types, styles, widths, formats, drop-downs."""
    book = load_workbook(io.BytesIO(data))
    out = []
    for ws in book.worksheets:
        cells = [[(c.value, c.data_type, c.number_format, bool(c.font.b), c.font.sz,
                   c.fill.fgColor.rgb if c.fill.fill_type else None, c.alignment.horizontal) for c in row]
                 for row in ws.iter_rows()]
        out.append({
            "title": ws.title, "cells": cells, "freeze": ws.freeze_panes,
            "dims": {k: (d.width, d.number_format) for k, d in ws.column_dimensions.items()
                     if d.customWidth or d.number_format != "General"},
            "validations": [(str(v.sqref), v.type, v.formula1, v.allow_blank)
                            for v in ws.data_validations.dataValidation],
        })
    return out


# -- 台账 (registry template and export) -----------------------------------------------------------------------
def registry_layout(building_rows: list[list], household_rows: list[list]) -> bytes:
    """The registry template/export as the shared writer builds it."""
    m = legacy_imports
    keys = [key for key, _header in m.HOUSEHOLD_COLUMNS]
    widths = {"area": 14, "owners": 20, "phones": 28, "registered_on": 14, "note": 24, "sold": 14}
    text = {"building", "unit", "room", "owners", "phones", "note"}
    households = Sheet(
        m.SHEET_HOUSEHOLDS, header=[h for _k, h in m.HOUSEHOLD_COLUMNS], rows=household_rows, header_style=BANNER,
        widths={i: widths.get(k, 12) for i, k in enumerate(keys)},
        formats={i: "@" if k in text else "0.00" for i, k in enumerate(keys) if k in text or k == "area"},
        choices={keys.index("sold"): [m.YES, m.NO]}, freeze_header=True)
    buildings = Sheet(
        m.SHEET_BUILDINGS, header=[h for _k, h in m.BUILDING_COLUMNS], rows=building_rows, header_style=BANNER,
        widths={0: 12, 1: 12, 2: 14}, formats={0: "@"}, choices={2: [m.HAS, m.HAS_NOT]}, freeze_header=True)
    help_sheet = Sheet(m.SHEET_HELP, title_line=m.HELP_LINES[0], title_size=14,
                       rows=[[line] for line in m.HELP_LINES[1:]], widths={0: 120})
    return write_xlsx(households, buildings, help_sheet)


@pytest.mark.skipif(legacy_registry is None, reason="the registry export uses pm.services.spreadsheets now")
@pytest.mark.parametrize("buildings, households", [
    ([["1号楼", 6, "无"]], [["1号楼", "1单元", "101", 1, Decimal("65.32"), "否", "张三、李四", "13900000001、13900000002",
                             "2010-05-01", ""]]),
    ([], []),
    ([["1号楼", 6, "有"], ["2号楼", None, "无"]], [["1号楼", "1单元", f"{r}", r // 100, Decimal("80.10"), "是", "", "", "", "备注"]
                                                  for r in (101, 102, 201)]),
])
def test_registry_template_and_export(buildings, households):
    """台账 template and export: 房屋, 楼栋 and 说明 sheets, banner headers, text columns, drop-downs, frozen header."""
    assert content(registry_layout(buildings, households)) == content(legacy_registry(buildings, households))


def test_content_comparison_sees_differences():
    """The comparison is not blind: a changed cell, style or width makes the contents differ."""
    base = Sheet("s", header=["a"], rows=[[Money(100)]], widths={0: 10})
    same = Sheet("s", header=["a"], rows=[[Money(100)]], widths={0: 10})
    assert content(write_xlsx(base)) == content(write_xlsx(same))
    for other in (Sheet("s", header=["a"], rows=[["1.00"]], widths={0: 10}),
                  Sheet("s", header=["a"], header_style=PLAIN, rows=[[Money(100)]], widths={0: 10}),
                  Sheet("s", header=["a"], rows=[[Money(100)]], widths={0: 11})):
        assert content(write_xlsx(other)) != content(write_xlsx(base))
