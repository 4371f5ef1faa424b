"""报事报修 access: scope rules, capabilities and served photos of repair requests."""
# Residents see their own requests (or their household's); the station and officials see them by compound.
# A request's photos are served by the one download endpoint (/files/repair_photo/<id>) under the same rule.
from __future__ import annotations

from sqlalchemy import false, select

from pm.access import (
    OFFICIALS_ABOVE_STATION,
    Scope,
    register_capabilities,
    register_rules,
)
from pm.models import (
    DeadlineRule,
    RepairEvent,
    RepairImport,
    RepairPhoto,
    RepairPortal,
    RepairRequest,
    Role,
    WorkCalendarDay,
)
from pm.services import storage


def _request_rule(s: Scope):
    if s.user is None:
        return false()
    if s.household_ids is not None:
        # A UNION of two indexed lookups (the requests I filed, those of my homes): as an OR of the two, neither
        # SQLite nor PostgreSQL could use the indexes and read every request of the city.
        return RepairRequest.id.in_(
            select(RepairRequest.id).where(RepairRequest.filer_user_id == s.user.id)
            .union(select(RepairRequest.id).where(RepairRequest.household_id.in_(s.household_ids))))
    return RepairRequest.compound_id.in_(s.compound_ids)


def _visible_requests(s: Scope):
    return select(RepairRequest.id).where(_request_rule(s))


register_rules({
    RepairRequest: _request_rule,
    RepairEvent: lambda s: RepairEvent.request_id.in_(_visible_requests(s)),
    RepairPhoto: lambda s: RepairPhoto.request_id.in_(_visible_requests(s)),
    RepairImport: lambda s: RepairImport.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
    RepairPortal: lambda s: RepairPortal.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
    DeadlineRule: lambda s: DeadlineRule.county_id.in_(s.county_ids),
    WorkCalendarDay: lambda s: WorkCalendarDay.county_id.in_(s.county_ids),
})

register_capabilities({
    "repair.handle": {Role.STATION_MANAGER, Role.STATION_STAFF},  # 受理、派单、处理、回访
    "repair.rules": {Role.COUNTY_ADMIN},  # 处理时限、工作日历
    "repair.portal": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF},  # 打印报修二维码
    "repair.metrics": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    "repair.migrate": {Role.COUNTY_ADMIN},  # 迁入历史工单 with their original time (API)
    "repair.import": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},  # 历史工单导入 (a file, with their states)
})

storage.register_kind("repair_photo", RepairPhoto, path_attr="path", type_attr="content_type")
