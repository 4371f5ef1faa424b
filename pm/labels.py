"""显示名称: translatable labels for enum values, shown in the UI and in exports."""
from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l

from pm.models import HouseholdStatus, ImportStatus, ManagementMode, OwnershipEnd, Relation, RenovationClass, Role

LABELS: dict[Enum, object] = {
    Role.COUNTY_ADMIN: _l("县级管理员"),
    Role.STREET_OFFICER: _l("街道物业办"),
    Role.COMMUNITY_WORKER: _l("社区工作人员"),
    Role.STATION_MANAGER: _l("服务站站长"),
    Role.STATION_STAFF: _l("服务站工作人员"),
    Role.COMMITTEE_MEMBER: _l("业委会委员"),
    Role.OWNER: _l("业主"),
    Role.RESIDENT: _l("住户"),
    ManagementMode.PROFESSIONAL: _l("专业物业"),
    ManagementMode.QUASI: _l("准物业"),
    ManagementMode.COMMITTEE: _l("居委会托管"),
    ManagementMode.SELF: _l("业主自治"),
    ManagementMode.UNIT: _l("单位自管"),
    RenovationClass.BASIC: _l("基础类"),
    RenovationClass.IMPROVE: _l("完善类"),
    RenovationClass.UPGRADE: _l("提升类"),
    HouseholdStatus.ACTIVE: _l("正常"),
    HouseholdStatus.DEMOLISHED: _l("已灭失"),
    OwnershipEnd.SALE: _l("转让"),
    OwnershipEnd.DEMOLITION: _l("灭失"),
    OwnershipEnd.CORRECTION: _l("登记更正"),
    Relation.FAMILY: _l("家庭成员"),
    Relation.TENANT: _l("租户"),
    Relation.OTHER: _l("其他"),
    ImportStatus.PENDING: _l("排队中"),
    ImportStatus.VALIDATING: _l("校验中"),
    ImportStatus.WRITING: _l("写入中"),
    ImportStatus.DONE: _l("已完成"),
    ImportStatus.REJECTED: _l("有错误，未导入"),
    ImportStatus.FAILED: _l("失败，未导入"),
}


def label(value) -> str:
    """The display label of an enum value (its raw value if none is defined)."""
    if value is None:
        return ""
    return str(LABELS.get(value, getattr(value, "value", value)))


def choices(enum_cls) -> list[tuple[str, str]]:
    return [(m.value, label(m)) for m in enum_cls]
