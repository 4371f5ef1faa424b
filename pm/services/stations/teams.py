"""四支队伍: a station's four teams (保洁, 保安, 运维, 治安) and their members; which station a page is about."""
from __future__ import annotations

import logging

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from pm.access import Scope, require
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import Role, Station, Team, TeamKind, User, WorkLog
from pm.services import audit
from pm.services.labels import label

logger = logging.getLogger(__name__)

STATION_ROLES = (Role.STATION_MANAGER, Role.STATION_STAFF)


def require_station_user(user: User, station_id: int, *, manager: bool = False) -> None:
    """Only the station's own staff (or only its manager) act on its teams, logs and patrols."""
    roles = (Role.STATION_MANAGER,) if manager else STATION_ROLES
    if user.role not in roles or user.station_id != station_id:
        raise Forbidden("只有本服务站的站长可以进行此操作" if manager else "只有本服务站的人员可以进行此操作")


def audit_place(station: Station):
    """Audit rows of station work are placed under the station's community."""
    return station.community


def station_for(user: User, scope: Scope, station_id: int) -> Station:
    """The station a page or API call is about: a station user's own; for officials, `station_id` if it is in
    their area (capability stations.view)."""
    require(user, "stations.view")
    if user.role in STATION_ROLES:
        return scope.get(Station, user.station_id)
    station = db.session.scalar(scope.select(Station).where(Station.id == station_id,
                                                            Station.id.in_(scope.within_stations)))
    if station is None:
        raise NotFound("服务站不存在或不在您的权限范围内", field="station_id")
    return station


def station_without_log(day: date):
    """SQL condition: no team of the station has written a work log for `day`."""
    return ~exists().where(WorkLog.station_id == Station.id, WorkLog.log_on == day)


def team_without_log(day: date):
    """SQL condition: the team has written no work log for `day`."""
    return ~exists().where(WorkLog.team_id == Team.id, WorkLog.log_on == day)


def stations_in_area_stmt(scope: Scope, *, without_log_on: date | None = None):
    """SELECT of the stations an official oversees (optionally those without any work log on a day), by name."""
    stmt = scope.select(Station).where(Station.id.in_(scope.within_stations))
    if without_log_on is not None:
        stmt = stmt.where(station_without_log(without_log_on))
    return stmt.order_by(Station.name, Station.id)


def stations_in_area(scope: Scope, *, without_log_on: date | None = None) -> list[Station]:
    """The stations an official oversees, by name."""
    return list(db.session.scalars(stations_in_area_stmt(scope, without_log_on=without_log_on)))


def teams_stmt(station: Station, scope: Scope, *, without_log_on: date | None = None):
    """SELECT of the station's teams (optionally those without a work log on a day)."""
    stmt = scope.select(Team).where(Team.station_id == station.id)
    if without_log_on is not None:
        stmt = stmt.where(team_without_log(without_log_on))
    return stmt.order_by(Team.id)


def teams_of(station: Station, scope: Scope, *, without_log_on: date | None = None) -> list[Team]:
    """The station's teams with their members."""
    return list(db.session.scalars(
        teams_stmt(station, scope, without_log_on=without_log_on).options(selectinload(Team.members))))


def assignable_staff(station: Station, scope: Scope) -> list[User]:
    """The station's enabled staff accounts (who may join a team), by name."""
    return list(db.session.scalars(
        scope.select(User).where(User.station_id == station.id, User.is_enabled.is_(True),
                                 User.role.in_(STATION_ROLES)).order_by(User.display_name)))


def ensure_teams(station: Station, *, actor: User, scope: Scope) -> list[Team]:
    """Create whichever of the four teams the station does not have yet; returns all four."""
    require_station_user(actor, station.id, manager=True)
    scope.get(Station, station.id)
    existing = {t.kind: t for t in db.session.scalars(select(Team).where(Team.station_id == station.id))}
    for kind in TeamKind:
        if kind not in existing:
            team = Team(station_id=station.id, kind=kind, name=None)  # named by its kind, in the reader's language
            db.session.add(team)
            db.session.flush()
            audit.record("team.create", team, actor=actor, changes={"kind": [None, kind]},
                         place=audit_place(station))
            existing[kind] = team
            logger.info("team %r created by %r", team, actor)
    return [existing[k] for k in TeamKind]


def team_name(team: Team | None) -> str:
    """A team's name: the one a manager gave it, else its kind's (保洁队 …) in the reader's language."""
    if team is None:
        return ""
    return team.name or label(team.kind)


def add_member(team: Team, user: User, *, actor: User, scope: Scope) -> Team:
    """Add a staff account of the team's station to the team."""
    require_station_user(actor, team.station_id, manager=True)
    scope.get(Team, team.id)
    if user.role not in STATION_ROLES or user.station_id != team.station_id:
        raise DomainError("只能添加本服务站的工作人员账号", field="user_id")
    if not user.is_enabled:
        raise DomainError("该账号已停用", field="user_id")
    if user in team.members:
        raise Conflict("该人员已在本队伍中", field="user_id")
    team.members.append(user)
    db.session.flush()
    audit.record("team.member_add", team, actor=actor, changes={"member": [None, user.id]},
                 place=audit_place(team.station))
    return team


def remove_member(team: Team, user: User, *, actor: User, scope: Scope) -> Team:
    """Remove a member from the team."""
    require_station_user(actor, team.station_id, manager=True)
    scope.get(Team, team.id)
    if user not in team.members:
        raise DomainError("该人员不在本队伍中", field="user_id")
    team.members.remove(user)
    db.session.flush()
    audit.record("team.member_remove", team, actor=actor, changes={"member": [user.id, None]},
                 place=audit_place(team.station))
    return team
