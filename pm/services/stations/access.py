"""Scope rules and capabilities of station work: teams, work logs and patrols, by station.

Owners, residents and committee members see none of these (all their `within_*` are empty)."""
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
