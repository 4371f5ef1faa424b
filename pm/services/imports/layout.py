"""台账模板: the one layout of the registry workbook that the template, the export and the importer share."""
# - sheet 房屋 (required): 楼栋 | 单元 | 房号 | 楼层 | 建筑面积(㎡) | 房改房(是/否) | 业主姓名 | 业主电话 |
#   产权登记日期 | 备注. Co-owners: several names in 业主姓名 separated by 、 , ， ; ；, and as many phones
#   (an empty slot for an owner without one) or none at all.
# - sheet 楼栋 (optional): 楼栋 | 层数 | 电梯(有/无).
# - sheet 说明: instructions, ignored by the importer.
# - The template's example rows carry 示例 in an extra last column (示例) and are grey and italic; the importer
#   skips every row marked so, and the 房屋 example by its content too (should the column be deleted).
# A CSV file is the 房屋 sheet alone, in UTF-8 (with or without BOM) or GB18030 (Excel on Chinese Windows).
from __future__ import annotations

import re
from decimal import Decimal

from pm.services.spreadsheets import BANNER, Sheet, write_xlsx

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
LIMITS = {"building": 40, "unit": 40, "room": 20, "note": 200, "name": 64}
OWNER_SEPARATORS = re.compile(r"[、,，;；]")
YES, NO = "是", "否"
HAS, HAS_NOT = "有", "无"
EXAMPLE_COLUMN = ("example", "示例")  # optional in a file: a non-blank cell there marks a row as an example
EXAMPLE_MARK = "示例（不会导入）"
EXAMPLE_BUILDING = ["1号楼", 6, HAS_NOT]
EXAMPLE_HOUSEHOLD = ["1号楼", "1单元", "101", 1, Decimal("65.32"), NO, "张三、李四", "13900000001、13900000002",
                     "2010-05-01", ""]
# The 房屋 example is also recognised by these cells (names and phones nobody really has together).
EXAMPLE_KEYS = {"building": "1号楼", "unit": "1单元", "room": "101", "owners": "张三、李四",
                "phones": "13900000001、13900000002"}

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
    "11. 灰色斜体、最后一列标有“示例”的行只是填写示例，导入时一律忽略；可以删除，也可以保留。",
    "12. 上传后先显示将要进行的修改（新建的房屋、面积和楼层的变化、结束和新登记的业主），确认后才会写入。",
]
TEXT = "@"  # room numbers and phones stay text: Excel would drop a leading 0 or show 1.39E+10
HOUSEHOLD_WIDTHS = {"example": 18, "area": 14, "owners": 20, "phones": 28, "registered_on": 14, "note": 24, "sold": 14}
HOUSEHOLD_TEXT = {"building", "unit", "room", "owners", "phones", "note"}


def registry_workbook(building_rows: list[list], household_rows: list[list], *, examples: bool = False) -> bytes:
    """The registry layout as xlsx bytes: 房屋, 楼栋 and 说明 sheets, banner headers, text columns, drop-downs.
    With `examples`, each sheet starts with its example row, marked in an extra 示例 column, grey and italic."""
    keys = [key for key, _header in HOUSEHOLD_COLUMNS]
    mark = [EXAMPLE_COLUMN[1]] if examples else []
    households = Sheet(
        SHEET_HOUSEHOLDS, header=[header for _key, header in HOUSEHOLD_COLUMNS] + mark,
        rows=([EXAMPLE_HOUSEHOLD + [EXAMPLE_MARK]] if examples else []) + household_rows,
        header_style=BANNER, freeze_header=True, muted_rows=1 if examples else 0,
        widths={i: HOUSEHOLD_WIDTHS.get(key, 12) for i, key in enumerate(keys + ["example"] * bool(examples))},
        formats={i: TEXT if key in HOUSEHOLD_TEXT else "0.00" for i, key in enumerate(keys)
                 if key in HOUSEHOLD_TEXT or key == "area"},
        choices={keys.index("sold"): [YES, NO]},
    )
    buildings = Sheet(
        SHEET_BUILDINGS, header=[header for _key, header in BUILDING_COLUMNS] + mark,
        rows=([EXAMPLE_BUILDING + [EXAMPLE_MARK]] if examples else []) + building_rows,
        header_style=BANNER, freeze_header=True, muted_rows=1 if examples else 0,
        widths={0: 12, 1: 12, 2: 14, **({3: 18} if examples else {})}, formats={0: TEXT},
        choices={2: [HAS, HAS_NOT]},
    )
    help_sheet = Sheet(SHEET_HELP, title_line=HELP_LINES[0], title_size=14, rows=[[line] for line in HELP_LINES[1:]],
                       widths={0: 120})
    return write_xlsx(households, buildings, help_sheet)


def template_workbook() -> bytes:
    """The empty template: one example row in each sheet, marked as an example (never imported)."""
    return registry_workbook([], [], examples=True)


def is_example_content(cells: dict[str, str]) -> bool:
    """Whether a 房屋 row (its cells as text, by column key) is the template's example, marked or not."""
    return all(cells.get(key) == value for key, value in EXAMPLE_KEYS.items())
