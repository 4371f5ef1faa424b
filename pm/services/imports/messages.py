"""导入错误: the import's messages (msgids with parameters) and one error as stored on a job."""
# Errors are stored as Chinese msgids with parameters (the job may run in a thread without a request, hence
# without a locale) and translated when shown: ``_(error.message, **error.params)``.
from __future__ import annotations

from typing import Any

from pm.errors import DomainError
from pm.services import spreadsheets
from pm.services.imports.layout import SHEET_BUILDINGS, SHEET_HOUSEHOLDS
from pm.services.registry import areas
from pm.services.text import N_

E_REQUIRED = N_("此项必填")
E_NOT_NUMBER = N_("不是数字")
E_NOT_INTEGER = N_("不是整数")
E_AREA_POSITIVE = areas.E_POSITIVE
E_AREA_DECIMALS = areas.E_DECIMALS
E_AREA_TOO_LARGE = areas.E_TOO_LARGE
E_FLOOR_RANGE = N_("楼层应在 -5 到 120 之间")
E_FLOOR_ABOVE = N_("楼层高于该楼栋的层数（%(floors)s 层）")
E_FLOORS_RANGE = N_("层数应在 1 到 120 之间")
E_FLOORS_BELOW = N_("层数低于该楼栋已登记房屋的楼层（%(floor)s 层）")
E_DUP_ROOM = N_("房屋重复：与第 %(first)s 行是同一楼栋、单元、房号")
E_DUP_BUILDING = N_("楼栋重复：与第 %(first)s 行相同")
E_YES_NO = N_("只能填写“是”或“否”")
E_HAS_NOT = N_("只能填写“有”或“无”")
E_BAD_DATE = N_("日期格式不正确，应为 2010-01-01 这样的日期")
E_FUTURE_DATE = N_("日期不能晚于今天")
E_COUNT_MISMATCH = N_("电话个数（%(phones)s）与业主人数（%(names)s）不一致")
E_BAD_PHONE = N_("电话号码格式不正确：%(phone)s")
E_PHONE_WITHOUT_NAME = N_("填写了电话但没有填写业主姓名")
E_DUP_OWNER = N_("同一房屋的业主重复：%(name)s")
E_TOO_LONG = N_("内容过长（最多 %(max)s 字）")
E_OWNER_DATE_EARLY = N_("产权登记日期早于现业主的产权开始日期（%(date)s）")
E_OWNER_DATE_AFTER_END = N_("产权登记日期早于上一任业主的产权结束日期（%(date)s）")
E_DEMOLISHED = N_("该房屋已灭失，不能修改")
E_MISSING_HEADER = N_("缺少列“%(column)s”")
E_DUP_HEADER = N_("列名重复：“%(column)s”")
E_NO_ROWS = N_("文件中没有房屋数据")
E_ONLY_EXAMPLES = N_("文件中只有模板的示例行（示例行不会导入），没有房屋数据")
# File-level refusals come from the shared reader (pm.services.spreadsheets), with the same wording.
E_TOO_MANY_ROWS = spreadsheets.E_TOO_MANY_ROWS
E_MISSING_SHEET = spreadsheets.E_MISSING_SHEET
E_NOT_SUPPORTED = spreadsheets.E_NOT_SUPPORTED
E_XLS = spreadsheets.E_XLS
E_CORRUPT = spreadsheets.E_CORRUPT
E_UNZIPPED_TOO_BIG = spreadsheets.E_UNZIPPED_TOO_BIG
E_ENCODING = spreadsheets.E_ENCODING
M_REJECTED = N_("发现 %(count)s 处错误，没有导入任何数据。请修改后重新上传。")
M_FAILED = N_("导入时发生内部错误，没有导入任何数据。请稍后重试或联系管理员。")
M_FILE_MISSING = N_("上传的文件已不存在，请重新上传")
M_STALLED = N_("导入已中断（可能是服务重启），没有导入任何数据。请重新上传。")
M_UPLOADER_DISABLED = N_("上传人的账号已停用，导入未执行")
M_CANNOT_STORE = N_("服务器无法保存上传的文件，请稍后重试")
M_NOT_YOURS = N_("只有上传人本人可以确认这次导入")
M_NOT_PLANNED = N_("这次导入不在等待确认的状态，不能确认")
M_PLAN_EXPIRED = N_("导入预览已过期，没有导入任何数据。请重新上传。")
M_REGISTRY_CHANGED = N_("预览之后小区台账已被修改，预览已失效，没有导入任何数据。请重新上传以查看新的预览。")
M_SCOPE_CHANGED = N_("您的账号权限在预览之后发生了变化，预览已失效。请重新上传。")


def error(sheet: str | None, row: int | None, column: str | None, message: str, /, **params: Any) -> dict:
    """One error as stored on the job: where (sheet, Excel row, column header) and why."""
    return {"sheet": sheet, "row": row, "column": column, "message": message, "params": params}


class ImportRejected(DomainError):
    """The file cannot be read at all (not xlsx/csv, corrupt, missing sheet or headers, too many rows)."""

    def __init__(self, errors: list[dict]):
        first = errors[0] if errors else error(None, None, None, E_CORRUPT)
        super().__init__(first["message"], **first["params"])
        self.errors = errors


class CellError(Exception):
    """A bad cell: the message id and its parameters."""

    def __init__(self, message: str, **params: Any):
        super().__init__(message)
        self.message = message
        self.params = params


SHEET_ORDER = {None: 0, SHEET_BUILDINGS: 1, SHEET_HOUSEHOLDS: 2}


def sorted_errors(errors: list[dict]) -> list[dict]:
    """Errors in the order a user reads the file: file-level first, then by sheet and row (stable)."""
    return sorted(errors, key=lambda e: (SHEET_ORDER.get(e["sheet"], 3), e["row"] or 0))
