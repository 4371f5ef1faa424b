"""显示名称 of the joint meetings, notices, volunteers and common-part income enums (merged into labels.py)."""
from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l

from pm.models import BodyKind, IncomeCategory, IncomeDirection, ItemStatus, NoticeKind, VolunteerActivity

COMMUNITY_LABELS: dict[type[Enum], dict[Enum, object]] = {
    BodyKind: {BodyKind.PARTY_BRANCH: _l("社区党组织"), BodyKind.RESIDENTS_COMMITTEE: _l("居民委员会"),
               BodyKind.OWNERS_COMMITTEE: _l("业主委员会"), BodyKind.STATION: _l("物业服务站")},
    ItemStatus: {ItemStatus.OPEN: _l("待办"), ItemStatus.REPORTED: _l("待确认"), ItemStatus.CONFIRMED: _l("已办结")},
    NoticeKind: {NoticeKind.NOTICE: _l("公告"), NoticeKind.PUBLICITY: _l("公示")},
    VolunteerActivity: {VolunteerActivity.PATROL: _l("治安巡逻"), VolunteerActivity.GARBAGE_SORTING: _l("垃圾分类"),
                        VolunteerActivity.PARKING_GUIDANCE: _l("停车引导"),
                        VolunteerActivity.ELDERLY_HELP: _l("助老服务"), VolunteerActivity.OTHER: _l("其他服务")},
    IncomeDirection: {IncomeDirection.INCOME: _l("收入"), IncomeDirection.USE: _l("使用")},
    IncomeCategory: {IncomeCategory.PARKING: _l("停车收入"), IncomeCategory.ADVERTISING: _l("广告收入"),
                     IncomeCategory.LEASED_ROOM: _l("用房出租收入"), IncomeCategory.OTHER_INCOME: _l("其他收入"),
                     IncomeCategory.FUND_CREDIT: _l("转入维修资金"), IncomeCategory.MAINTENANCE: _l("共用部位维修养护"),
                     IncomeCategory.SERVICE_FEE: _l("补贴物业服务费"), IncomeCategory.OTHER_USE: _l("其他使用")},
}
