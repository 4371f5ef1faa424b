"""服务站日常 access: scope rules, capabilities and served photos of teams, work logs and patrols."""
# By station. Owners, residents and committee members see none of these (their `within_*` are empty).
# Work-log and check-in photos are served by the one download endpoint under the same rules.
from __future__ import annotations

from sqlalchemy import select

from pm.access import (
    OFFICIALS_ABOVE_STATION,
    Scope,
    register_capabilities,
    register_rules,
    rule_of,
)
from pm.models import (
    PatrolCheckin,
    PatrolPoint,
    PatrolRoute,
    Role,
    Station,
    Team,
    WorkLog,
    WorkLogPhoto,
)
from pm.services import storage


def _visible_stations(s: Scope):
    return select(Station.id).where(rule_of(Station)(s))


register_rules({
    Team: lambda s: Team.station_id.in_(_visible_stations(s)),
    WorkLog: lambda s: WorkLog.station_id.in_(s.within_stations),
    WorkLogPhoto: lambda s: WorkLogPhoto.log_id.in_(select(WorkLog.id).where(WorkLog.station_id.in_(s.within_stations))),
    PatrolRoute: lambda s: PatrolRoute.station_id.in_(s.within_stations),
    PatrolPoint: lambda s: PatrolPoint.route_id.in_(
        select(PatrolRoute.id).where(PatrolRoute.station_id.in_(s.within_stations))),
    PatrolCheckin: lambda s: PatrolCheckin.station_id.in_(s.within_stations),
})

register_capabilities({
    "stations.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF},
    "stations.log": {Role.STATION_MANAGER, Role.STATION_STAFF},  # 工作日志, 巡查打卡
    "stations.manage": {Role.STATION_MANAGER},  # 队伍成员, 巡查路线
})

storage.register_kind("worklog_photo", WorkLogPhoto, path_attr="path", type_attr="content_type",
                      capability="stations.view")
storage.register_kind("checkin_photo", PatrolCheckin, path_attr="photo_path", type_attr="photo_type",
                      capability="stations.view")
