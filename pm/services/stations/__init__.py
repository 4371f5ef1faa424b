"""服务站日常: the four teams (四支队伍) and their members, daily work logs (工作日志) and patrols (巡查打卡)."""
from __future__ import annotations

import calendar
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    CheckinStatus,
    PatrolCheckin,
    PatrolPoint,
    PatrolRoute,
    Role,
    Shift,
    Station,
    Team,
    TeamKind,
    User,
    WorkLog,
    WorkLogPhoto,
)
from pm.models.types import MAX_PHOTOS
from pm.services import audit, uploads
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

TEAM_NAMES = {
    TeamKind.CLEANING: "保洁队",
    TeamKind.SECURITY: "保安队",
    TeamKind.MAINTENANCE: "运维队",
    TeamKind.ORDER: "治安队",
}
STATION_ROLES = (Role.STATION_MANAGER, Role.STATION_STAFF)
MAX_CONTENT = 4000


def _station_of(obj) -> Station:
    return obj if isinstance(obj, Station) else db.session.get(Station, obj.station_id)


def _place(station: Station):
    """Audit rows of station work are placed under the station's community."""
    return station.community


def _require_station_user(user: User, station_id: int, *, manager: bool = False) -> None:
    roles = (Role.STATION_MANAGER,) if manager else STATION_ROLES
    if user.role not in roles or user.station_id != station_id:
        raise Forbidden("只有本服务站的站长可以进行此操作" if manager else "只有本服务站的人员可以进行此操作")


def save_photos(files: list[FileStorage] | None, subdir: str, *, field: str = "photos") -> list[uploads.StoredFile]:
    """Check and store up to MAX_PHOTOS photos (empty file inputs are ignored)."""
    files = [f for f in (files or []) if f is not None and f.filename]
    if len(files) > MAX_PHOTOS:
        raise DomainError(f"最多上传 {MAX_PHOTOS} 张照片", field=field)
    return [uploads.save(f, subdir, field=field) for f in files]


def discard_files(paths: list[str | None]) -> None:
    """Remove stored files whose database rows were rolled back (so no orphan photos stay on disk)."""
    for path in paths:
        if path:
            try:
                os.remove(uploads.absolute(path))
            except (FileNotFoundError, NotFound):
                pass


# -- teams --------------------------------------------------------------------------------------------
def ensure_teams(station: Station, *, actor: User) -> list[Team]:
    """Create whichever of the four teams the station does not have yet; returns all four."""
    _require_station_user(actor, station.id, manager=True)
    existing = {t.kind: t for t in db.session.scalars(select(Team).where(Team.station_id == station.id))}
    for kind in TeamKind:
        if kind not in existing:
            team = Team(station_id=station.id, kind=kind, name=TEAM_NAMES[kind])
            db.session.add(team)
            db.session.flush()
            audit.record("team.create", team, actor=actor, changes={"kind": [None, kind], "name": [None, team.name]},
                         place=_place(station))
            existing[kind] = team
    return [existing[k] for k in TeamKind]


def add_member(team: Team, user: User, *, actor: User) -> Team:
    """Add a staff account of the team's station to the team."""
    _require_station_user(actor, team.station_id, manager=True)
    if user.role not in STATION_ROLES or user.station_id != team.station_id:
        raise DomainError("只能添加本服务站的工作人员账号", field="user_id")
    if not user.is_enabled:
        raise DomainError("该账号已停用", field="user_id")
    if user in team.members:
        raise Conflict("该人员已在本队伍中", field="user_id")
    team.members.append(user)
    db.session.flush()
    audit.record("team.member_add", team, actor=actor, changes={"member": [None, user.id]}, place=_place(team.station))
    return team


def remove_member(team: Team, user: User, *, actor: User) -> Team:
    """Remove a member from the team."""
    _require_station_user(actor, team.station_id, manager=True)
    if user not in team.members:
        raise DomainError("该人员不在本队伍中", field="user_id")
    team.members.remove(user)
    db.session.flush()
    audit.record("team.member_remove", team, actor=actor, changes={"member": [user.id, None]},
                 place=_place(team.station))
    return team


# -- work logs --------------------------------------------------------------------------------------------
def create_log(team: Team, *, log_on: date, shift: Shift | str, content: str, actor: User,
               photos: list[FileStorage] | None = None, now: datetime | None = None) -> WorkLog:
    """Record a team's work log for a date and shift (one per team, date and shift; never in the future)."""
    _require_station_user(actor, team.station_id)
    errors: dict[str, list[str]] = {}
    try:
        shift = Shift(shift)
    except ValueError:
        errors["shift"] = ["班次无效"]
    if log_on is None:
        errors["log_on"] = ["请填写日期"]
    elif log_on > local_today(now):
        errors["log_on"] = ["不能填写未来日期的工作日志"]
    content = (content or "").strip()
    if not content:
        errors["content"] = ["请填写工作内容"]
    elif len(content) > MAX_CONTENT:
        errors["content"] = [f"工作内容不能超过 {MAX_CONTENT} 字"]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    duplicate = db.session.scalar(
        select(WorkLog.id).where(WorkLog.team_id == team.id, WorkLog.log_on == log_on, WorkLog.shift == shift)
    )
    if duplicate:
        raise Conflict("该队伍这一天的这个班次已经填写过工作日志", field="shift")
    stored = save_photos(photos, f"worklogs/{team.station_id}")
    log = WorkLog(station_id=team.station_id, team_id=team.id, log_on=log_on, shift=shift, content=content,
                  author_id=actor.id, created_at=now or utcnow())
    log.photos = [WorkLogPhoto(path=s.path, content_type=s.content_type) for s in stored]
    db.session.add(log)
    db.session.flush()
    audit.record("worklog.create", log, actor=actor,
                 changes={"team_id": [None, team.id], "log_on": [None, log_on], "shift": [None, shift],
                          "photos": [None, len(stored)]},
                 place=_place(team.station))
    logger.info("work log %r by %r", log, actor)
    return log


@dataclass
class TeamMonth:
    team: Team
    missing: list[date] = field(default_factory=list)
    logged: int = 0


def month_gaps(station: Station, year: int, month: int, *, today: date) -> list[TeamMonth]:
    """Per team, the days of the month (up to today) without any work log. Two queries whatever the month."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise DomainError("月份无效", field="month")
    teams = db.session.scalars(
        select(Team).where(Team.station_id == station.id).order_by(Team.id)
    ).all()
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    rows = db.session.execute(
        select(WorkLog.team_id, WorkLog.log_on).where(
            WorkLog.station_id == station.id, WorkLog.log_on >= first, WorkLog.log_on <= last
        ).distinct()
    ).all()
    logged: dict[int, set[date]] = {}
    for team_id, day in rows:
        logged.setdefault(team_id, set()).add(day)
    days = [date(year, month, d) for d in range(1, last.day + 1) if date(year, month, d) <= today]
    order = list(TeamKind)
    out = []
    for team in sorted(teams, key=lambda t: order.index(t.kind)):
        have = logged.get(team.id, set())
        out.append(TeamMonth(team=team, missing=[d for d in days if d not in have], logged=len(have)))
    return out


# -- patrols ----------------------------------------------------------------------------------------------------
def _point_names(points: list[str]) -> list[str]:
    names = [p.strip() for p in points if p and p.strip()]
    if not names:
        raise DomainError("请至少填写一个巡查点位", field="points")
    if len(names) > 50:
        raise DomainError("一条路线最多 50 个点位", field="points")
    if any(len(n) > 80 for n in names):
        raise DomainError("点位名称不能超过 80 字", field="points")
    if len(set(names)) != len(names):
        raise DomainError("点位名称有重复", field="points")
    return names


def create_route(station: Station, *, name: str, points: list[str], actor: User) -> PatrolRoute:
    """A patrol route with its check points in the order given."""
    _require_station_user(actor, station.id, manager=True)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError("请填写路线名称（不超过 80 字）", field="name")
    names = _point_names(points)
    if db.session.scalar(select(PatrolRoute.id).where(PatrolRoute.station_id == station.id, PatrolRoute.name == name)):
        raise Conflict("本站已有同名的巡查路线", field="name")
    route = PatrolRoute(station_id=station.id, name=name, created_at=utcnow())
    route.points = [PatrolPoint(position=i + 1, name=n) for i, n in enumerate(names)]
    db.session.add(route)
    db.session.flush()
    audit.record("patrol_route.create", route, actor=actor, changes={"name": [None, name], "points": [None, names]},
                 place=_place(station))
    return route


def checkin(point: PatrolPoint, *, actor: User, status: CheckinStatus | str, note: str | None = None,
            photo: FileStorage | None = None, now: datetime | None = None) -> PatrolCheckin:
    """A staff member checks in at a point now (status ok or problem; a problem needs a note)."""
    route = point.route
    _require_station_user(actor, route.station_id)
    try:
        status = CheckinStatus(status)
    except ValueError:
        raise DomainError("状态无效", field="status") from None
    note = (note or "").strip() or None
    if note and len(note) > MAX_CONTENT:
        raise DomainError(f"说明不能超过 {MAX_CONTENT} 字", field="note")
    if status == CheckinStatus.PROBLEM and not note:
        raise DomainError("发现问题时请填写问题说明", field="note")
    stored = uploads.save(photo, f"patrols/{route.station_id}", field="photo") if photo and photo.filename else None
    now = now or utcnow()
    row = PatrolCheckin(
        station_id=route.station_id, route_id=route.id, point_id=point.id, user_id=actor.id,
        checked_on=local_today(now), checked_at=now, status=status, note=note,
        photo_path=stored.path if stored else None, photo_type=stored.content_type if stored else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("patrol.checkin", row, actor=actor,
                 changes={"point_id": [None, point.id], "status": [None, status]}, place=_place(route.station))
    return row


@dataclass
class PointRun:
    point: PatrolPoint
    checkins: list[PatrolCheckin]

    @property
    def missed(self) -> bool:
        return not self.checkins

    @property
    def has_problem(self) -> bool:
        return any(c.status == CheckinStatus.PROBLEM for c in self.checkins)


def patrol_run(route: PatrolRoute, day: date) -> list[PointRun]:
    """巡查情况: each point of the route with that day's check-ins; a point without one is missed."""
    checkins = db.session.scalars(
        select(PatrolCheckin)
        .options(selectinload(PatrolCheckin.user))
        .where(PatrolCheckin.route_id == route.id, PatrolCheckin.checked_on == day)
        .order_by(PatrolCheckin.checked_at)
    ).all()
    by_point: dict[int, list[PatrolCheckin]] = {}
    for c in checkins:
        by_point.setdefault(c.point_id, []).append(c)
    return [PointRun(point=p, checkins=by_point.get(p.id, [])) for p in route.points]


def repair_from_checkin(checkin_row: PatrolCheckin, *, actor: User, compound_id: int | None, category: str,
                        urgency: str | None = None, now: datetime | None = None):
    """A problem found on patrol files a repair request (报修) in one of the station's compounds (once)."""
    from pm.access import scope_for
    from pm.models import Compound, station_compounds
    from pm.services import repairs

    _require_station_user(actor, checkin_row.station_id)
    if checkin_row.status != CheckinStatus.PROBLEM:
        raise DomainError("只有发现问题的打卡才能生成报修单", field="checkin_id")
    if checkin_row.repair_request_id is not None:
        raise Conflict("这次打卡已经生成过报修单", field="checkin_id")
    served = list(db.session.scalars(
        select(station_compounds.c.compound_id).where(station_compounds.c.station_id == checkin_row.station_id)))
    if compound_id is None and len(served) == 1:
        compound_id = served[0]
    if compound_id not in served:
        raise DomainError("请选择本服务站负责的小区", field="compound_id")
    point = checkin_row.point
    description = f"巡查发现问题（{point.route.name} · {point.name}）：{(checkin_row.note or '')[:1900]}"
    request = repairs.file_request(
        db.session.get(Compound, compound_id), actor=actor, scope=scope_for(actor), category=category,
        urgency=urgency, description=description, location_note=point.name[:200], now=now,
    )
    checkin_row.repair_request_id = request.id
    db.session.flush()
    audit.record("patrol.repair", checkin_row, actor=actor, changes={"repair_request_id": [None, request.id]},
                 place=_place(point.route.station))
    return request
