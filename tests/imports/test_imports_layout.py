"""台账模板与导出 layout: what a user sees in the workbook stays as it was when the shared writer took over."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pm.services.imports.layout import registry_workbook, template_workbook

HOUSEHOLD_HEADERS = ["楼栋", "单元", "房号", "楼层", "建筑面积(㎡)", "房改房(是/否)", "业主姓名", "业主电话", "产权登记日期", "备注"]


@pytest.fixture
def book():
    return load_workbook(io.BytesIO(template_workbook()))


def test_sheets_and_banner_headers(book):
    """房屋, 楼栋 and 说明; the headers bold on a light-blue fill, centred, the header row frozen."""
    assert book.sheetnames == ["房屋", "楼栋", "说明"]
    households, buildings = book["房屋"], book["楼栋"]
    assert [c.value for c in households[1]] == HOUSEHOLD_HEADERS + ["示例"]
    assert [c.value for c in buildings[1]] == ["楼栋", "层数", "电梯(有/无)", "示例"]
    for cell in [*households[1], *buildings[1]]:
        assert cell.font.b and cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == "00DDEBF7"
        assert cell.alignment.horizontal == "center"
    assert households.freeze_panes == buildings.freeze_panes == "A2"


def test_example_row_cells(book):
    """The example row: names and numbers as text cells (format @), the area an exact number with two decimals;
    marked 示例 in the last column, grey and italic."""
    row = {c.column_letter: c for c in book["房屋"][2]}
    assert [row[x].value for x in "ABCDEFGHI"] == [
        "1号楼", "1单元", "101", 1, 65.32, "否", "张三、李四", "13900000001、13900000002", "2010-05-01"]
    assert {x: row[x].number_format for x in "ABCEGHJ"} == {
        "A": "@", "B": "@", "C": "@", "E": "0.00", "G": "@", "H": "@", "J": "@"}
    assert row["C"].data_type == "s" and row["E"].data_type == "n"
    assert [c.value for c in book["楼栋"][2]] == ["1号楼", 6, "无", "示例（不会导入）"]
    assert row["K"].value == "示例（不会导入）"
    assert all(c.font.i and c.font.color.rgb == "00808080" for c in book["房屋"][2])
    assert not any(c.font.i for c in book["房屋"][1])


def test_column_widths_formats_and_drop_downs(book):
    """Column widths and formats (for rows typed later too), 是/否 and 有/无 drop-downs for 1,000 more rows."""
    households, buildings, help_sheet = book["房屋"], book["楼栋"], book["说明"]
    assert {k: (d.width, d.number_format) for k, d in households.column_dimensions.items()} == {
        "A": (12, "@"), "B": (12, "@"), "C": (12, "@"), "D": (12, "General"), "E": (14, "0.00"),
        "F": (14, "General"), "G": (20, "@"), "H": (28, "@"), "I": (14, "General"), "J": (24, "@"),
        "K": (18, "General")}
    assert {k: (d.width, d.number_format) for k, d in buildings.column_dimensions.items()} == {
        "A": (12, "@"), "B": (12, "General"), "C": (14, "General"), "D": (18, "General")}
    assert [(str(v.sqref), v.formula1) for v in households.data_validations.dataValidation] == [
        ("F2:F1002", '"是,否"')]
    assert [(str(v.sqref), v.formula1) for v in buildings.data_validations.dataValidation] == [
        ("C2:C1002", '"有,无"')]
    assert help_sheet["A1"].value == "小区台账导入说明" and help_sheet["A1"].font.b and help_sheet["A1"].font.sz == 14
    assert help_sheet.column_dimensions["A"].width == 120 and help_sheet.max_row == 14


def test_export_rows_keep_types():
    """Export rows: an empty note stays an empty cell, a missing 层数 stays blank, areas stay exact numbers."""
    data = registry_workbook([["2号楼", None, "有"]],
                             [["2号楼", "1单元", "0301", 3, Decimal("90.10"), "是", "", "", "", ""]])
    book = load_workbook(io.BytesIO(data))
    assert [c.value for c in book["房屋"][2]] == ["2号楼", "1单元", "0301", 3, 90.1, "是", None, None, None, None]
    assert [c.value for c in book["楼栋"][2]] == ["2号楼", None, "有"]
    assert book["房屋"]["C2"].number_format == "@"
