"""工作日志: a team's daily work log (one per team, date and shift) and the month calendar of missing days."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Shift, Station, Team, TeamKind, User, WorkLog, WorkLogPhoto
from pm.services import audit, storage
from pm.services.assessments.locks import county_of_station, refuse_if_locked
from pm.services.periods import Month
from pm.services.stations.teams import audit_place, require_station_user
from pm.services.text import N_, check_text
from pm.timeutil import LOCAL_TZ, local_today, utcnow

logger = logging.getLogger(__name__)

MAX_CONTENT = 4000
LIST_OPTIONS = (joinedload(WorkLog.team), joinedload(WorkLog.author), selectinload(WorkLog.photos))


def create_log(team: Team, *, log_on: date | None, shift: Shift | str, content: str, actor: User, scope: Scope,
               photos: list | None = None, now: datetime | None = None) -> WorkLog:
    """Record a team's work log for a date and shift (one per team, date and shift; never in the future)."""
    require_station_user(actor, team.station_id)
    scope.get(Team, team.id)
    errors: dict[str, list[str]] = {}
    try:
        shift = Shift(shift)
    except ValueError:
        errors["shift"] = [gettext("班次无效")]
    if log_on is None:
        errors["log_on"] = [gettext("请填写日期")]
    elif log_on > local_today(now):
        errors["log_on"] = [gettext("不能填写未来日期的工作日志")]
    try:
        content = check_text(content, field="content", label=N_("工作内容"), max_len=MAX_CONTENT)
    except DomainError as err:
        errors["content"] = [err.message]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    refuse_if_locked(county_of_station(team.station_id), log_on, field="log_on")
    duplicate = db.session.scalar(
        select(WorkLog.id).where(WorkLog.team_id == team.id, WorkLog.log_on == log_on, WorkLog.shift == shift)
    )
    if duplicate:
        raise Conflict("该队伍这一天的这个班次已经填写过工作日志", field="shift")
    stored = storage.save_many(photos, f"worklogs/{team.station_id}")
    log = WorkLog(station_id=team.station_id, team_id=team.id, log_on=log_on, shift=shift, content=content,
                  author_id=actor.id, created_at=now or utcnow())
    log.photos = [WorkLogPhoto(path=s.path, content_type=s.content_type) for s in stored]
    db.session.add(log)
    db.session.flush()
    audit.record("worklog.create", log, actor=actor,
                 changes={"team_id": [None, team.id], "log_on": [None, log_on], "shift": [None, shift],
                          "photos": [None, len(stored)]},
                 place=audit_place(team.station))
    logger.info("work log %r by %r", log, actor)
    return log


def logs_stmt(station: Station, scope: Scope, *, team_id: int | None = None, date_from: date | None = None,
              date_to: date | None = None):
    """The station's work logs in scope, newest first, with team, author and photos (a fixed number of queries)."""
    stmt = scope.select(WorkLog).options(*LIST_OPTIONS).where(WorkLog.station_id == station.id)
    if team_id:
        stmt = stmt.where(WorkLog.team_id == team_id)
    if date_from:
        stmt = stmt.where(WorkLog.log_on >= date_from)
    if date_to:
        stmt = stmt.where(WorkLog.log_on <= date_to)
    return stmt.order_by(WorkLog.log_on.desc(), WorkLog.id.desc())


def load_log(scope: Scope, log_id: int) -> WorkLog:
    """One work log in scope with its team, author and photos (or NotFound)."""
    return scope.get(WorkLog, log_id, options=LIST_OPTIONS)


@dataclass
class TeamMonth:
    team: Team
    missing: list[date] = field(default_factory=list)
    logged: int = 0


def month_gaps(station: Station, month: Month, *, today: date, scope: Scope, delay_days: int | None = None,
               cutoff: datetime | None = None) -> list[TeamMonth]:
    """Per team, the days of the month (up to today) without any work log. Two queries whatever the month.
    With `delay_days` (an assessment line's rule): every day of the month, and a log counts only when it was
    entered within `delay_days` days after its date and by the month's `cutoff` — the days the line counted."""
    teams = db.session.scalars(scope.select(Team).where(Team.station_id == station.id).order_by(Team.id)).all()
    rows = db.session.execute(
        select(WorkLog.team_id, WorkLog.log_on, WorkLog.created_at).where(
            WorkLog.station_id == station.id, WorkLog.log_on >= month.first_day, WorkLog.log_on <= month.last_day
        )
    ).all()
    logged: dict[int, set[date]] = {}
    for team_id, day, created_at in rows:
        if delay_days is not None and not (created_at < _local_midnight(day + timedelta(days=delay_days + 1))
                                           and (cutoff is None or created_at <= cutoff)):
            continue  # entered too late: the assessment does not count it
        logged.setdefault(team_id, set()).add(day)
    days = month.days() if delay_days is not None else month.days(until=today)
    order = list(TeamKind)
    out = []
    for team in sorted(teams, key=lambda t: order.index(t.kind)):
        have = logged.get(team.id, set())
        out.append(TeamMonth(team=team, missing=[d for d in days if d not in have], logged=len(have)))
    return out


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)
