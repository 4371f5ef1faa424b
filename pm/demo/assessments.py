"""Demo assessments: three months of inspections, work logs and repairs for the demo street's stations, bonus and
veto events, the months computed, the two oldest reviewed, appealed and published."""
# Through the services with the SYSTEM scope, at past moments inside each month (so the published month's
# records are in place before it is locked). Work logs are bulk rows with gaps that differ from station to
# station, so the ranking varies.
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, select

from pm.access import SYSTEM
from pm.demo import assessment_repairs
from pm.extensions import db
from pm.models import (
    AssessmentLine,
    AssessmentScore,
    Community,
    Role,
    Shift,
    Station,
    Team,
    TeamKind,
    UnitKind,
    WorkLog,
)
from pm.services.assessments import compute, events, periods, schemes
from pm.services.inspections import inspections
from pm.services.labels import label
from pm.services.periods import Month
from pm.timeutil import LOCAL_TZ

logger = logging.getLogger(__name__)

CODES = ("environment", "order", "facilities", "greening", "parking", "records")
NOTES = {"environment": "楼道堆放杂物", "order": "门岗值守人员脱岗", "facilities": "单元门禁损坏未及时维修",
         "greening": "绿地枯枝未清理", "parking": "消防通道停放车辆", "records": "巡查台账记录不全"}
MAX_STATIONS = 6


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def _logs(station_ids: list[int], month: Month, author_id: int, rng, gaps: dict[int, float], now: datetime) -> int:
    """Four teams per station (made when missing) and a log per team and day, but for each station's gaps."""
    have = {(sid, kind) for sid, kind in db.session.execute(select(Team.station_id, Team.kind).where(
        Team.station_id.in_(station_ids)))}
    missing = [{"station_id": sid, "kind": kind, "name": label(kind)}
               for sid in station_ids for kind in TeamKind if (sid, kind) not in have]
    if missing:
        db.session.execute(insert(Team), missing)
    teams = db.session.execute(select(Team.id, Team.station_id).where(Team.station_id.in_(station_ids))).all()
    taken = {(t, d) for t, d in db.session.execute(select(WorkLog.team_id, WorkLog.log_on).where(
        WorkLog.station_id.in_(station_ids), WorkLog.log_on >= month.first_day, WorkLog.log_on <= month.last_day))}
    rows = [{"station_id": sid, "team_id": tid, "log_on": day, "shift": Shift.FULL_DAY, "content": "日常巡查保洁维护",
             "author_id": author_id, "created_at": _at(day, 18)}
            for tid, sid in teams for day in month.days() if _at(day, 18) <= now and (tid, day) not in taken
            and rng.random() >= gaps[sid]]
    if rows:
        db.session.execute(insert(WorkLog), rows)
    return len(rows)


def _inspect(station_id: int, month: Month, officer, rng) -> int:
    """A street weekly inspection in the month with zero to three findings (each opens an order)."""
    day = month.first_day + timedelta(days=rng.randint(3, 20))
    at = _at(day)
    inspection = inspections.create_inspection(officer, scope=SYSTEM, level="street_weekly", target_kind="station",
                                               target_id=station_id, inspected_on=day, now=at,
                                               summary="月度督查")
    count = rng.randint(0, 3)
    for code in rng.sample(CODES, count):
        inspections.add_finding(inspection, officer, scope=SYSTEM, item_code=code,
                                deduction=str(rng.choice(["0.5", "1", "1.5", "2", "3"])), note=NOTES[code],
                                measure="限期整改", due_on=day + timedelta(days=3), now=at)
    return count


def populate(county, station, users, rng, now: datetime) -> dict[str, int]:
    """Three past months for the demo street's stations: computed, the two oldest published after an upheld appeal
    (one station vetoed in both: 通报批评, then 黄牌警告)."""
    officer, admin, manager = users[Role.STREET_OFFICER], users[Role.COUNTY_ADMIN], users[Role.STATION_MANAGER]
    schemes.ensure_defaults(county.id)
    street_id = db.session.scalar(select(Community.street_id).where(Community.id == station.community_id))
    station_ids = list(db.session.scalars(select(Station.id).join(Community, Community.id == Station.community_id)
                                          .where(Community.street_id == street_id).order_by(Station.id)
                                          .limit(MAX_STATIONS)))
    if station.id not in station_ids:
        station_ids[-1:] = [station.id]
    gaps = {sid: rng.choice([0.0, 0.02, 0.05, 0.1, 0.2]) for sid in station_ids}
    habits = dict(zip(station_ids, rng.sample(assessment_repairs.LATENESS * 2, len(station_ids))))  # varied lateness
    who = assessment_repairs.workers(station_ids, station, users)
    months = [m for m in (Month.of(now).shift(-3), Month.of(now).shift(-2), Month.of(now).prev())
              if compute.cutoff_of(m) <= now]
    counts = {"assessment_findings": 0, "work_logs": 0, "assessment_periods": 0, "assessed_repairs": 0}
    for n, month in enumerate(months):
        for sid in station_ids:
            counts["assessment_findings"] += _inspect(sid, month, officer, rng)
        counts["work_logs"] += _logs(station_ids, month, manager.id, rng, gaps, now)
        counts["assessed_repairs"] += assessment_repairs.populate_month(station_ids, month, officer=officer, who=who,
                                                                        habits=habits, rng=rng, now=now)
        if len(station_ids) > 1:
            events.record_event(officer, scope=SYSTEM, unit_kind="station", unit_id=station_ids[n % len(station_ids)],
                                item_code="bonus", happened_on=month.first_day + timedelta(days=12),
                                note="居民赠送锦旗", points="2", now=_at(month.first_day + timedelta(days=12)))
        if n in (0, 1) and len(station_ids) > 2:  # the same station last two months running: 黄牌 (ladder)
            events.record_event(officer, scope=SYSTEM, unit_kind="station", unit_id=station_ids[-1], item_code="veto",
                                happened_on=month.first_day + timedelta(days=8), note="发生群体上访事件",
                                now=_at(month.first_day + timedelta(days=8)))
        period = compute.period_for(county.id, month)
        compute.compute_month(period, now=now, actor=None)
        counts["assessment_periods"] += 1
        if n in (0, 1):
            _publish(period, station, admin, manager)
    return counts


def _publish(period, station, admin, manager) -> None:
    """Review from the day after the cut-off, an appeal of the demo station upheld, then published."""
    start = period.cutoff_at + timedelta(days=1)
    periods.start_review(period, admin, now=start)
    line = db.session.scalar(
        select(AssessmentLine).join(AssessmentScore, AssessmentScore.id == AssessmentLine.score_id)
        .where(AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == UnitKind.STATION,
               AssessmentScore.unit_id == station.id, AssessmentLine.points < 0).order_by(AssessmentLine.position))
    if line is not None:
        appeal = periods.file_appeal(line, manager, scope=SYSTEM, reason="问题已于检查当日整改完毕，附整改照片。",
                                     now=start)
        periods.decide_appeal(appeal, admin, upheld=True, decision="经核实当日已整改，减半扣分。",
                              new_points=str((line.points / 2).quantize(Decimal("0.01"))), now=start + timedelta(days=2))
    periods.close_review(period, admin, now=start + timedelta(days=10))
    periods.publish(period, admin, now=start + timedelta(days=10))
