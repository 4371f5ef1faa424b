"""Demo repairs for the assessed months: every demo-street station gets repair requests in each month, handled on
time or late according to the station's habits, so that the repair indicators (response and completion on time)
differ from station to station for real reasons — the scores are computed from these records, never written."""
# Through the repair services with the SYSTEM scope at past moments inside the month. Stations other than the anchor
# have no demo login: each gets a station manager account (random password, never shown) who takes the requests on
# and works them; the street officer files them for common areas (a call to the street's hotline).
from __future__ import annotations

import logging
import secrets
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from pm.access import SYSTEM
from pm.extensions import db
from pm.models import Building, Compound, Role, Station, TeamKind, User
from pm.models.stations import station_compounds
from pm.services.accounts.users import create_user
from pm.services.periods import Month
from pm.services.repairs import filing, workflow
from pm.services.stations import teams as station_teams
from pm.timeutil import LOCAL_TZ

logger = logging.getLogger(__name__)

PROBLEMS = (("lighting", "楼道声控灯不亮"), ("water_supply", "公共水管接头滴水"), ("door_access", "单元门禁刷卡无反应"),
            ("drainage", "楼前雨水井堵塞"), ("road", "小区道路地砖松动"), ("elevator", "电梯按键失灵"),
            ("greening", "绿化带树枝遮挡路灯"), ("garbage", "垃圾房门锁损坏"))
LATENESS = (0.0, 0.1, 0.25, 0.4, 0.6)  # a station's share of requests answered and finished late


def workers(station_ids: list[int], anchor: Station, users: dict) -> dict[int, tuple[User, User, int]]:
    """station id → (its manager, who works its requests, their maintenance team id): at the anchor the demo
    manager and the demo staff member; elsewhere a manager account made for the demo, who works them alone."""
    out = {}
    for sid in station_ids:
        if sid == anchor.id:
            manager, worker = users[Role.STATION_MANAGER], users[Role.STATION_STAFF]
        else:
            username = f"demo-station-{sid}"
            manager = db.session.scalar(select(User).where(User.username == username)) or create_user(
                scope=SYSTEM, actor=None, username=username, display_name=f"{db.session.get(Station, sid).name} 站长",
                password=secrets.token_urlsafe(18), role=Role.STATION_MANAGER, binding_id=sid)
            worker = manager
        station = db.session.get(Station, sid)
        teams = {t.kind: t for t in station_teams.ensure_teams(station, actor=manager, scope=SYSTEM)}
        team = teams[TeamKind.MAINTENANCE]
        if worker not in team.members:
            station_teams.add_member(team, worker, actor=manager, scope=SYSTEM)
        out[sid] = (manager, worker, team.id)
    return out


def _places(station_ids: list[int]) -> dict[int, list[tuple[Compound, int]]]:
    """station id → (compound, a building of it) of the compounds it keeps (one query)."""
    rows = db.session.execute(
        select(station_compounds.c.station_id, Compound, select(Building.id).where(Building.compound_id == Compound.id)
               .order_by(Building.id).limit(1).scalar_subquery())
        .join(Compound, Compound.id == station_compounds.c.compound_id)
        .where(station_compounds.c.station_id.in_(station_ids)).order_by(Compound.id)).all()
    out: dict[int, list] = {}
    for sid, compound, building_id in rows:
        if building_id is not None:
            out.setdefault(sid, []).append((compound, building_id))
    return out


def populate_month(station_ids: list[int], month: Month, *, officer: User, who: dict[int, tuple], habits: dict,
                   rng, now: datetime) -> int:
    """Three to six common-area requests per station in the month, each answered and finished on time or late."""
    places = _places(station_ids)
    made = 0
    for sid in station_ids:
        if not places.get(sid):
            continue
        manager, worker, team_id = who[sid]
        for _n in range(rng.randint(3, 6)):
            compound, building_id = rng.choice(places[sid])
            category, text = rng.choice(PROBLEMS)
            day = month.first_day + timedelta(days=rng.randint(0, len(month.days()) - 6))
            filed = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)),
                                     tzinfo=LOCAL_TZ).astimezone(timezone.utc)
            if filed > now:
                continue
            req = filing.file_request(compound, actor=officer, scope=SYSTEM, category=category, urgency="normal",
                                      description=f"{text}，请尽快处理。", building_id=building_id,
                                      location_note="公共区域", now=filed)
            late = rng.random() < habits[sid]
            answered = (req.response_due_at + timedelta(hours=rng.randint(1, 6)) if late and req.response_due_at
                        else filed + timedelta(minutes=rng.randint(10, 40)))
            workflow.dispatch(req, actor=manager, scope=SYSTEM, team_id=team_id, assignee_id=worker.id, now=answered)
            workflow.start(req, actor=worker, scope=SYSTEM, now=answered + timedelta(hours=1))
            due = req.completion_due_at or answered + timedelta(days=2)
            done = due + timedelta(hours=rng.randint(4, 30)) if late else max(answered + timedelta(hours=2),
                                                                                  due - timedelta(hours=6))
            if done <= now:
                workflow.complete(req, actor=worker, scope=SYSTEM, note="已维修完毕，现场已清理。", now=done)
            made += 1
    return made
