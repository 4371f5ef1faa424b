"""巡查打卡: patrol routes with ordered points, check-ins, the day's run, and problems found on patrol."""
# A check-in that found a problem may at once open a rectification order (pm.services.inspections) or file a
# repair request (pm.services.repairs): record_checkin does all of it for the page and the API alike.
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pm.access import Scope
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import (
    CheckinStatus,
    Compound,
    PatrolCheckin,
    PatrolPoint,
    PatrolRoute,
    RectificationOrder,
    RepairRequest,
    Station,
    User,
    station_compounds,
)
from pm.services import audit, storage
from pm.services.inspections import rectification
from pm.services.repairs import filing
from pm.services.stations.teams import audit_place, require_station_user
from pm.services.text import N_, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

MAX_NOTE = 4000
MAX_POINTS = 50
MAX_NAME = 80


# -- routes -----------------------------------------------------------------------------------------------
def _point_names(points: list[str]) -> list[str]:
    names = [p.strip() for p in points if p and p.strip()]
    if not names:
        raise DomainError("请至少填写一个巡查点位", field="points")
    if len(names) > MAX_POINTS:
        raise DomainError("一条路线最多 50 个点位", field="points")
    if any(len(n) > MAX_NAME for n in names):
        raise DomainError("点位名称不能超过 80 字", field="points")
    if len(set(names)) != len(names):
        raise DomainError("点位名称有重复", field="points")
    return names


def create_route(station: Station, *, name: str, points: list[str], actor: User, scope: Scope) -> PatrolRoute:
    """A patrol route with its check points in the order given."""
    require_station_user(actor, station.id, manager=True)
    scope.get(Station, station.id)
    name = check_text(name, field="name", label=N_("路线名称"), max_len=MAX_NAME)
    names = _point_names(points)
    if db.session.scalar(select(PatrolRoute.id).where(PatrolRoute.station_id == station.id, PatrolRoute.name == name)):
        raise Conflict("本站已有同名的巡查路线", field="name")
    route = PatrolRoute(station_id=station.id, name=name, created_at=utcnow())
    route.points = [PatrolPoint(position=i + 1, name=n) for i, n in enumerate(names)]
    db.session.add(route)
    db.session.flush()
    audit.record("patrol_route.create", route, actor=actor, changes={"name": [None, name], "points": [None, names]},
                 place=audit_place(station))
    logger.info("patrol route %r created by %r", route, actor)
    return route


def routes_stmt(station: Station, scope: Scope):
    """The station's routes in scope with their ordered points, by name."""
    return (scope.select(PatrolRoute).options(selectinload(PatrolRoute.points))
            .where(PatrolRoute.station_id == station.id).order_by(PatrolRoute.name, PatrolRoute.id))


def routes_of(station: Station, scope: Scope) -> list[PatrolRoute]:
    """The station's routes with their points, by name."""
    return list(db.session.scalars(routes_stmt(station, scope)))


# -- check-ins --------------------------------------------------------------------------------------------
def checkin(point: PatrolPoint, *, actor: User, scope: Scope, status: CheckinStatus | str, note: str | None = None,
            photo=None, now: datetime | None = None) -> PatrolCheckin:
    """A staff member checks in at a point now (status ok or problem; a problem needs a note)."""
    route = point.route
    require_station_user(actor, route.station_id)
    scope.get(PatrolPoint, point.id)
    try:
        status = CheckinStatus(status)
    except ValueError:
        raise DomainError("状态无效", field="status") from None
    note = check_text(note, field="note", label=N_("说明"), max_len=MAX_NOTE, required=False)
    if status == CheckinStatus.PROBLEM and not note:
        raise DomainError("发现问题时请填写问题说明", field="note")
    stored = storage.save(photo, f"patrols/{route.station_id}", field="photo") if photo and photo.filename else None
    now = now or utcnow()
    row = PatrolCheckin(
        station_id=route.station_id, route_id=route.id, point_id=point.id, user_id=actor.id,
        checked_on=local_today(now), checked_at=now, status=status, note=note,
        photo_path=stored.path if stored else None, photo_type=stored.content_type if stored else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("patrol.checkin", row, actor=actor,
                 changes={"point_id": [None, point.id], "status": [None, status]}, place=audit_place(route.station))
    logger.info("patrol check-in %r by %r", row, actor)
    return row


def repair_from_checkin(checkin_row: PatrolCheckin, *, actor: User, scope: Scope, compound_id: int | None,
                        category: str, urgency: str | None = None, now: datetime | None = None) -> RepairRequest:
    """A problem found on patrol files a repair request (报修) in one of the station's compounds (once)."""
    require_station_user(actor, checkin_row.station_id)
    scope.get(PatrolCheckin, checkin_row.id)
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
    # The route, the point and what the patrol wrote: names and text as typed, no words of the platform's own.
    description = f"{point.route.name} · {point.name} · {(checkin_row.note or '')[:1900]}"
    request = filing.file_request(
        db.session.get(Compound, compound_id), actor=actor, scope=scope, category=category, urgency=urgency,
        description=description, location_note=point.name[:200], now=now,
    )
    checkin_row.repair_request_id = request.id
    db.session.flush()
    audit.record("patrol.repair", checkin_row, actor=actor, changes={"repair_request_id": [None, request.id]},
                 place=audit_place(point.route.station))
    return request


@dataclass(frozen=True)
class OrderAsked:
    """A rectification order to open for a problem check-in (整改要求, 整改期限)."""

    measure: str | None
    due_on: date | None


@dataclass(frozen=True)
class RepairAsked:
    """A repair request to file for a problem check-in (the compound may be left out when the station keeps one)."""

    compound_id: int | None
    category: str | None
    urgency: str | None = None


@dataclass
class Checkin:
    """A check-in as a page or the API shows it: the row, with the order and repair request it opened."""

    row: PatrolCheckin
    rectification_id: int | None = None

    def __getattr__(self, name):
        return getattr(self.row, name)


def record_checkin(point: PatrolPoint, *, actor: User, scope: Scope, status: CheckinStatus | str,
                   note: str | None = None, photo=None, order: OrderAsked | None = None,
                   repair: RepairAsked | None = None, now: datetime | None = None) -> Checkin:
    """打卡, and for a problem at once an order and/or a repair request. If either is refused the DomainError
    propagates with `part` set to "rectification" or "repair" (so a caller can name the input), and the photo
    already stored is removed (the check-in row goes with the rolled-back transaction)."""
    row = checkin(point, actor=actor, scope=scope, status=status, note=note, photo=photo, now=now)
    part, opened = None, None
    try:
        if order is not None:
            part = "rectification"
            opened = rectification.order_from_checkin(row, actor, scope=scope, measure=order.measure,
                                                      due_on=order.due_on, now=now)
        if repair is not None:
            part = "repair"
            repair_from_checkin(row, actor=actor, scope=scope, compound_id=repair.compound_id,
                                category=repair.category, urgency=repair.urgency, now=now)
    except DomainError as err:
        storage.discard([row.photo_path])
        err.part = part
        raise
    return Checkin(row, opened.id if opened else None)


# -- the day's run ----------------------------------------------------------------------------------------
@dataclass
class PointRun:
    point: PatrolPoint
    checkins: list[Checkin] = field(default_factory=list)

    @property
    def missed(self) -> bool:
        return not self.checkins

    @property
    def has_problem(self) -> bool:
        return any(c.status == CheckinStatus.PROBLEM for c in self.checkins)


def patrol_run(route: PatrolRoute, day: date, *, scope: Scope) -> list[PointRun]:
    """巡查情况: each point of the route with that day's check-ins (and the orders they opened); a point without
    one is missed."""
    checkins = db.session.scalars(
        scope.select(PatrolCheckin).options(selectinload(PatrolCheckin.user))
        .where(PatrolCheckin.route_id == route.id, PatrolCheckin.checked_on == day)
        .order_by(PatrolCheckin.checked_at)
    ).all()
    ids = [c.id for c in checkins]
    orders = dict(db.session.execute(scope.filter(
        select(RectificationOrder.checkin_id, RectificationOrder.id).where(RectificationOrder.checkin_id.in_(ids)),
        RectificationOrder)).all()) if ids else {}
    by_point: dict[int, list[Checkin]] = {}
    for c in checkins:
        by_point.setdefault(c.point_id, []).append(Checkin(c, orders.get(c.id)))
    return [PointRun(point=p, checkins=by_point.get(p.id, [])) for p in route.points]
