"""报事报修 pages: filing (also from a public QR-code page), the station queue, a request's timeline and actions."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pm.models import RepairCategory, RepairStatus, Urgency

bp = Blueprint("repairs", __name__, url_prefix="/repairs")

LABELS = {
    RepairCategory.WATER_SUPPLY: _l("供水"), RepairCategory.DRAINAGE: _l("排水"), RepairCategory.POWER: _l("供电"),
    RepairCategory.LIGHTING: _l("照明"), RepairCategory.ROAD: _l("道路"), RepairCategory.ELEVATOR: _l("电梯"),
    RepairCategory.DOOR_ACCESS: _l("门禁"), RepairCategory.LEAK: _l("墙面屋面渗漏"), RepairCategory.GREENING: _l("绿化"),
    RepairCategory.GARBAGE: _l("垃圾"), RepairCategory.ILLEGAL_BUILDING: _l("违章搭建"),
    RepairCategory.PARKING: _l("停车"), RepairCategory.OTHER: _l("其他（含燃气、消防设施）"),
    Urgency.NORMAL: _l("一般"), Urgency.URGENT: _l("紧急"), Urgency.EMERGENCY: _l("特急（爆管、停电、燃气、电梯困人、消防）"),
    RepairStatus.SUBMITTED: _l("已提交"), RepairStatus.ACCEPTED: _l("已受理"), RepairStatus.DISPATCHED: _l("已派单"),
    RepairStatus.IN_PROGRESS: _l("处理中"), RepairStatus.COMPLETED: _l("已完工，待确认"),
    RepairStatus.CONFIRMED: _l("已确认"), RepairStatus.CLOSED: _l("已关闭"), RepairStatus.REJECTED: _l("不予受理"),
}
EVENT_LABELS = {
    "submitted": _l("提交报修"), "accepted": _l("受理"), "dispatched": _l("派单"), "transferred": _l("转派"),
    "started": _l("到场处理"), "completed": _l("完工"), "confirmed": _l("确认并评价"), "closed": _l("关闭"),
    "auto_closed": _l("自动关闭"), "rejected": _l("不予受理"), "reopened": _l("返工"), "followup": _l("回访"),
    "agreed": _l("约定完成时间"), "fund": _l("申请维修资金"), "escalated": _l("超时督办"),
}


def rlabel(value) -> str:
    """The display label of a repair enum value or event kind."""
    if value is None:
        return ""
    return str(LABELS.get(value) or EVENT_LABELS.get(value) or getattr(value, "value", value))


def rchoices(enum_cls) -> list[tuple[str, str]]:
    return [(m.value, rlabel(m)) for m in enum_cls]


def elabel(kind: str) -> str:
    """The display label of a timeline event kind."""
    return str(EVENT_LABELS.get(kind, kind))


@bp.context_processor
def _helpers():
    return {"rlabel": rlabel, "elabel": elabel}


from pm.blueprints.repairs import views  # noqa: E402,F401
