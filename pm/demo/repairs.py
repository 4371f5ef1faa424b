"""Demo repair requests in every state around the demo station's compound."""
from __future__ import annotations

import logging
from datetime import timedelta

from pm.access import SYSTEM, scope_for
from pm.demo.names import ago
from pm.extensions import db
from pm.models import (
    Household,
    Role,
    TeamKind,
)
from pm.services.repairs import filing, workflow
from pm.services.stations import teams as station_teams

logger = logging.getLogger(__name__)


def populate(station, compound, users, now) -> dict[str, int]:
    """Four teams (the staff member in maintenance) and repair requests in every state in the anchor compound."""

    manager, staff, owner_user, resident = (users[r] for r in (
        Role.STATION_MANAGER, Role.STATION_STAFF, Role.OWNER, Role.RESIDENT))
    teams = {t.kind: t for t in station_teams.ensure_teams(station, actor=manager, scope=SYSTEM)}
    station_teams.add_member(teams[TeamKind.MAINTENANCE], staff, actor=manager, scope=SYSTEM)
    station_teams.add_member(teams[TeamKind.CLEANING], staff, actor=manager, scope=SYSTEM)
    maintenance = teams[TeamKind.MAINTENANCE]
    homes = {u.id: min(db.session.scalars(scope_for(u).household_ids)) for u in (owner_user, resident)}
    building_id = db.session.get(Household, homes[owner_user.id]).building_id

    def file(user, days, hours, category, urgency, description, *, common=False):
        return filing.file_request(
            compound, actor=user, scope=SYSTEM, category=category, urgency=urgency, description=description,
            household_id=None if common else homes[user.id], building_id=building_id if common else None,
            location_note="楼道" if common else None, now=ago(now, days, hours))

    def handle(req, days, hours, *, until):
        """Dispatch to the staff member, then start, complete (and confirm) as far as `until`."""
        at = ago(now, days, hours)
        workflow.dispatch(req, actor=manager, scope=SYSTEM, team_id=maintenance.id, assignee_id=staff.id,
                          now=at + timedelta(minutes=25))
        if until == "dispatched":
            return
        workflow.start(req, actor=staff, scope=SYSTEM, now=at + timedelta(hours=2))
        workflow.complete(req, actor=staff, scope=SYSTEM, note="已更换损坏部件，试用正常，现场已清理。",
                          now=at + timedelta(hours=5))

    made = []
    made.append(file(resident, 0, 3, "leak", "normal", "卫生间顶棚渗水，楼上可能漏水，请上门查看。"))
    req = file(owner_user, 1, 2, "lighting", "normal", "单元楼道三楼到五楼声控灯不亮，晚上上下楼不方便。", common=True)
    handle(req, 1, 2, until="dispatched")
    made.append(req)
    req = file(resident, 3, 4, "water_supply", "urgent", "厨房水龙头下方进水管接头漏水，已关总阀。")
    handle(req, 3, 4, until="completed")
    made.append(req)
    for user, days, category, description, rating, comment in (
        (owner_user, 20, "door_access", "单元门禁刷卡没反应，老人进不了门。", 5, "修得很快，师傅很耐心。"),
        (resident, 12, "drainage", "楼前下水道堵塞，污水外溢有异味。", 4, "处理及时，希望定期疏通。"),
    ):
        req = file(user, days, 6, category, "normal", description, common=True)
        handle(req, days, 6, until="completed")
        workflow.confirm(req, actor=user, scope=SYSTEM, rating=rating, comment=comment, now=ago(now, days - 1))
        made.append(req)
    # Overdue: filed two days ago as urgent and not yet answered (the escalation job picks it up).
    made.append(file(owner_user, 2, 1, "power", "urgent", "楼道总电闸跳闸后合不上，整个单元公共照明停电。",
                     common=True))
    return {"teams": len(teams), "repair_requests": len(made)}
