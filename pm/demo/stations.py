"""Demo station work: the four teams, work logs with gaps, a patrol route with check-ins."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from pm.access import SYSTEM
from pm.demo.names import ago
from pm.models import (
    Role,
    TeamKind,
)
from pm.services.stations import patrols, worklogs
from pm.services.stations import teams as station_teams
from pm.timeutil import LOCAL_TZ, local_today

logger = logging.getLogger(__name__)


WORK_LOG_TEXTS = {
    TeamKind.CLEANING: ("楼道清扫、垃圾清运，{b}门前落叶清理", "清理{b}楼道小广告，垃圾分类亭消毒", "道路冲洗，{b}单元门擦拭"),
    TeamKind.MAINTENANCE: ("巡检{b}楼道灯和水泵房，更换灯泡两只", "检查{b}雨水管和化粪池，疏通一处下水", "维修{b}单元门闭门器"),
    TeamKind.SECURITY: ("门岗值守，登记外来车辆，夜间巡逻两次", "消防通道巡查，劝离占道停车三辆"),
}
PATROL_POINTS = ("小区大门", "1号楼单元门", "水泵房", "配电室", "非机动车棚", "垃圾分类亭")


def populate(station, users, rng, now) -> dict[str, int]:
    """Daily work logs for the last two weeks (some days missing) and a patrol route with check-ins."""

    manager, staff = users[Role.STATION_MANAGER], users[Role.STATION_STAFF]
    teams = {t.kind: t for t in station_teams.ensure_teams(station, actor=manager, scope=SYSTEM)}
    today = local_today(now)
    buildings = ("1号楼", "2号楼", "3号楼")
    logs = 0
    for days in range(14, 0, -1):
        day = today - timedelta(days=days)
        for kind, texts in WORK_LOG_TEXTS.items():
            if rng.random() < 0.2:
                continue  # not written that day: month_gaps shows it
            worklogs.create_log(teams[kind], log_on=day, shift="full_day",
                                content=rng.choice(texts).format(b=rng.choice(buildings)),
                                actor=staff, scope=SYSTEM, now=ago(now, days - 1))
            logs += 1
    route = patrols.create_route(station, name="日常安全巡查", points=list(PATROL_POINTS), actor=manager, scope=SYSTEM)
    checkins = 0
    for days in (3, 2, 1):
        for i, point in enumerate(route.points):
            if days == 2 and i == len(route.points) - 1:
                continue  # one point missed
            problem = days == 1 and point.name == "非机动车棚"
            # Morning rounds at 08:30 local time, ten minutes a point.
            local = datetime.combine(today - timedelta(days=days), time(8, 30), tzinfo=LOCAL_TZ)
            patrols.checkin(point, actor=staff, scope=SYSTEM, status="problem" if problem else "ok",
                            note="车棚内电动车飞线充电两处，已劝离" if problem else None,
                            now=(local + timedelta(minutes=10 * i)).astimezone(UTC))
            checkins += 1
    return {"work_logs": logs, "patrol_checkins": checkins}
