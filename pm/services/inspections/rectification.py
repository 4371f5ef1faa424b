"""整改单: rectification orders — opened by a finding or a patrol problem, reported done, re-checked, closed."""
# 闭合管理: every order names the responsible body, the measure and a deadline; the body reports it done with
# evidence; the inspector re-checks and closes it or sends it back. Overdue is computed at read time
# (RectificationOrder.is_overdue); the daily job only tells the level above.
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    CheckinStatus,
    EventKind,
    OrderSource,
    OrderStatus,
    PatrolCheckin,
    RectificationDeadline,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    ResponsibleKind,
    Role,
    Station,
    StreetOffice,
    TargetKind,
    User,
)
from pm.services import audit, recipients, storage
from pm.services.inspections.deadlines import overdue_ids_during, record_deadline, responsible_id
from pm.services.inspections.rules import (
    OWED,
    audit_place,
    due,
    is_inspector,
    place_of,
    responsible,
    text,
)
from pm.services.messages import Message, counted
from pm.services.messages import stored as stored_message
from pm.services.notifications import TO_RECHECK, mark_done, notify, rectification_subject
from pm.services.text import N_
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

E_NOT_FOUND = N_("整改单不存在或不在您的权限范围内")
ORDER_OPTIONS = (joinedload(RectificationOrder.issued_by),)
DETAIL_OPTIONS = ORDER_OPTIONS + (
    selectinload(RectificationOrder.events).joinedload(RectificationEvent.actor),
    selectinload(RectificationOrder.events).selectinload(RectificationEvent.photos),
    joinedload(RectificationOrder.finding),
    selectinload(RectificationOrder.deadlines).joinedload(RectificationDeadline.changed_by),
)


def _link(order: RectificationOrder) -> str:
    return f"/inspections/rectifications/{order.id}"


def _event(order: RectificationOrder, kind: EventKind, actor: User | None, note: str | None, now: datetime,
           photos: list | None = None, message: Message | None = None) -> RectificationEvent:
    """A step of the order's timeline: `note` as the actor typed it, `message` what the system says."""
    event = RectificationEvent(order_id=order.id, kind=kind, actor_id=actor.id if actor else None, note=note,
                               message=stored_message(message), at=now)
    event.photos = [RectificationPhoto(path=s.path, content_type=s.content_type, created_at=now) for s in photos or []]
    order.events.append(event)
    return event


# -- who is told ------------------------------------------------------------------------------------------
def responsible_users(orders: Iterable[RectificationOrder]) -> dict[int, list[int]]:
    """order id → the accounts who answer for it: the station's managers, else the community's workers or the
    street's officers (at most three queries for any number of orders)."""
    orders = list(orders)
    ids = {kind: {getattr(o, f"{kind.value}_id") for o in orders if o.responsible_kind == kind}
           for kind in ResponsibleKind}
    found = {
        ResponsibleKind.STATION: recipients.station_staff(ids[ResponsibleKind.STATION], roles=(Role.STATION_MANAGER,)),
        ResponsibleKind.COMMUNITY: recipients.community_officials(ids[ResponsibleKind.COMMUNITY]),
        ResponsibleKind.STREET: recipients.street_officials(ids[ResponsibleKind.STREET]),
    }
    return {o.id: found[o.responsible_kind].get(getattr(o, f"{o.responsible_kind.value}_id"), []) for o in orders}


def supervisors(orders: Iterable[RectificationOrder]) -> dict[int, list[int]]:
    """order id → the level above its responsible body (told when it is overdue): a station's community, a
    community's street office, a street office's county (a fixed number of queries for any number of orders)."""
    orders = list(orders)
    station_ids = {o.station_id for o in orders if o.responsible_kind == ResponsibleKind.STATION}
    street_ids = {o.street_id for o in orders if o.responsible_kind == ResponsibleKind.STREET}
    community_of = dict(db.session.execute(select(Station.id, Station.community_id)
                                           .where(Station.id.in_(station_ids))).all()) if station_ids else {}
    county_of = dict(db.session.execute(select(StreetOffice.id, StreetOffice.county_id)
                                        .where(StreetOffice.id.in_(street_ids))).all()) if street_ids else {}
    communities = recipients.community_officials(community_of.values())
    streets = recipients.street_officials(
        {o.street_id for o in orders if o.responsible_kind == ResponsibleKind.COMMUNITY})
    counties = recipients.county_officials(county_of.values())
    out = {}
    for o in orders:
        if o.responsible_kind == ResponsibleKind.STATION:
            out[o.id] = communities.get(community_of.get(o.station_id), [])
        elif o.responsible_kind == ResponsibleKind.COMMUNITY:
            out[o.id] = streets.get(o.street_id, [])
        else:
            out[o.id] = counties.get(county_of.get(o.street_id), [])
    return out


# -- opening ----------------------------------------------------------------------------------------------
def open_order(source: OrderSource, place: dict, *, actor: User, problem: str, measure: str, due_on: date,
               now: datetime, title_prefix: Message, finding_id: int | None = None,
               checkin_id: int | None = None) -> RectificationOrder:
    """Open an order with the body responsible for `place` and tell its accounts."""
    kind, name = responsible(place)
    order = RectificationOrder(source=source, finding_id=finding_id, checkin_id=checkin_id, responsible_kind=kind,
                               responsible_name=name, problem=problem, measure=measure, due_on=due_on,
                               status=OrderStatus.OPEN, issued_by_id=actor.id, created_at=now, return_count=0,
                               **place)
    db.session.add(order)
    db.session.flush()
    record_deadline(order, due_on, actor=actor, reason=None, now=now)
    _event(order, EventKind.OPENED, actor, measure, now)
    audit.record("rectification.open", order, actor=actor,
                 changes={"responsible": [None, f"{kind}:{name}"], "measure": [None, measure],
                          "due_on": [None, due_on]},
                 place=audit_place(order))
    for user_id in responsible_users([order])[order.id]:
        if user_id != actor.id:
            notify(user_id, "rectification.new", Message(N_("新整改单：%(what)s"), {"what": title_prefix}),
                   body=Message(N_("%(problem)s\n整改要求：%(measure)s\n期限：%(due)s"),
                                {"problem": problem, "measure": measure, "due": due_on}), link=_link(order),
                   key=f"rectification.new:{order.id}:{user_id}", compound_id=order.compound_id)
    logger.info("rectification order %r opened by %r", order, actor)
    return order


def order_from_checkin(checkin: PatrolCheckin, actor: User, *, scope: Scope, measure: str, due_on: date | None,
                       now: datetime | None = None) -> RectificationOrder:
    """A patrol check-in that found a problem opens a rectification order for the station (once)."""
    if actor.role not in (Role.STATION_MANAGER, Role.STATION_STAFF) or actor.station_id != checkin.station_id:
        raise Forbidden("只有本服务站的人员可以进行此操作")
    if not scope.contains(PatrolCheckin, checkin.id):
        raise NotFound("打卡记录不存在或不在您的权限范围内", field="checkin_id")
    if checkin.status != CheckinStatus.PROBLEM:
        raise DomainError("只有发现问题的打卡才能生成整改单", field="checkin_id")
    if db.session.scalar(select(RectificationOrder.id).where(RectificationOrder.checkin_id == checkin.id)):
        raise Conflict("这次打卡已经生成过整改单", field="checkin_id")
    measure = text(measure, "measure", N_("整改要求"))
    due_on = due(due_on, now)
    place = place_of(TargetKind.STATION, db.session.get(Station, checkin.station_id))
    point = checkin.point
    return open_order(OrderSource.PATROL, place, actor=actor, problem=f"{point.name}：{checkin.note or ''}",
                      measure=measure, due_on=due_on, now=now or utcnow(), checkin_id=checkin.id,
                      title_prefix=Message(N_("巡查发现问题：%(point)s"), {"point": point.name}))


# -- the order's life -------------------------------------------------------------------------------------
def can_report(order: RectificationOrder, user: User) -> bool:
    """The responsible body's own accounts report an order done."""
    if order.responsible_kind == ResponsibleKind.STATION:
        return user.role in (Role.STATION_MANAGER, Role.STATION_STAFF) and user.station_id == order.station_id
    if order.responsible_kind == ResponsibleKind.COMMUNITY:
        return user.role == Role.COMMUNITY_WORKER and user.community_id == order.community_id
    return user.role == Role.STREET_OFFICER and user.street_id == order.street_id


def can_recheck(order: RectificationOrder, user: User) -> bool:
    """The inspector who found it (or a fellow inspector) re-checks; for a patrol order, the station manager."""
    if user.id == order.issued_by_id:
        return True
    if order.finding_id is not None:
        return is_inspector(order.finding.inspection, user)
    return user.role == Role.STATION_MANAGER and user.station_id == order.station_id


def allowed_actions(order: RectificationOrder, user: User, scope: Scope) -> frozenset[str]:
    """What `user` may do with the order now: "report" (the responsible body, while owed) and "recheck" (an
    inspector, once reported). The services check the same."""
    if not scope.contains(RectificationOrder, order.id):
        return frozenset()
    actions = set()
    if order.status in OWED and can_report(order, user):
        actions.add("report")
    if order.status == OrderStatus.REPORTED and can_recheck(order, user):
        actions.add("recheck")
    return frozenset(actions)


def may_extend(order: RectificationOrder, user: User) -> bool:
    """An inspector of the order may change its deadline while it is owed (extend_deadline checks the same)."""
    return order.status in OWED and can_recheck(order, user)


def _require_in_scope(order: RectificationOrder, scope: Scope) -> None:
    if not scope.contains(RectificationOrder, order.id):
        raise NotFound(E_NOT_FOUND)


def report_done(order: RectificationOrder, actor: User, *, scope: Scope, note: str,
                photos: list | None = None, now: datetime | None = None) -> RectificationOrder:
    """The responsible body reports the fix with evidence (a note and up to six photos)."""
    if not can_report(order, actor):
        raise Forbidden("只有责任单位可以报告整改完成")
    _require_in_scope(order, scope)
    if order.status not in OWED:
        raise Conflict("该整改单当前状态不能报告整改完成", field="status")
    note = text(note, "note", N_("整改情况说明"))
    now = now or utcnow()
    stored = storage.save_many(photos, f"rectifications/{order.id}")
    old = order.status
    order.status = OrderStatus.REPORTED
    order.reported_at = now
    _event(order, EventKind.REPORTED, actor, note, now, stored)
    db.session.flush()
    audit.record("rectification.report", order, actor=actor, changes={"status": [old, order.status]},
                 place=audit_place(order))
    for user_id in recipients.enabled([order.issued_by_id]):
        if user_id != actor.id:
            notify(user_id, "rectification.reported",
                   Message(N_("整改单待复查：%(name)s"), {"name": order.responsible_name}), body=note,
                   link=_link(order), key=f"rectification.reported:{order.id}:{order.return_count}",
                   compound_id=order.compound_id, subject=rectification_subject(order.id))
    return order


def recheck(order: RectificationOrder, actor: User, *, scope: Scope, passed: bool, reason: str | None = None,
            due_on: date | None = None, now: datetime | None = None) -> RectificationOrder:
    """复查: close the order, or send it back with a reason (and, optionally, a new deadline not in the past)."""
    if not can_recheck(order, actor):
        raise Forbidden("只有检查人员可以复查该整改单")
    _require_in_scope(order, scope)
    if order.status != OrderStatus.REPORTED:
        raise Conflict("只有已报告整改完成的整改单才能复查", field="status")
    now = now or utcnow()
    old = order.status
    if passed:
        reason = text(reason, "reason", N_("复查意见"), required=False)
        order.status = OrderStatus.CLOSED
        order.closed_at = now
        _event(order, EventKind.CLOSED, actor, reason, now)
        changes = {"status": [old, order.status]}
    else:
        if reason is None or not str(reason).strip():
            raise DomainError("退回时请填写原因", field="reason")
        reason = text(reason, "reason", N_("复查意见"))
        changes = {"status": [old, OrderStatus.RETURNED]}
        if due_on is not None:
            due_on = due(due_on, now)
            changes["due_on"] = [order.due_on, due_on]
            record_deadline(order, due_on, actor=actor, reason=reason, now=now)
        order.status = OrderStatus.RETURNED
        order.return_count = (order.return_count or 0) + 1
        _event(order, EventKind.RETURNED, actor, reason, now)
    db.session.flush()
    audit.record("rectification.close" if passed else "rectification.return", order, actor=actor, changes=changes,
                 place=audit_place(order))
    mark_done([TO_RECHECK], [rectification_subject(order.id)], now=now)
    if not passed:
        for user_id in responsible_users([order])[order.id]:
            notify(user_id, "rectification.returned", Message(N_("整改单被退回：%(name)s"),
                                                               {"name": order.responsible_name}),
                   body=Message(N_("原因：%(reason)s\n期限：%(due)s"), {"reason": reason, "due": order.due_on}),
                   link=_link(order),
                   key=f"rectification.returned:{order.id}:{order.return_count}:{user_id}",
                   compound_id=order.compound_id)
    return order


def extend_deadline(order: RectificationOrder, actor: User, *, scope: Scope, due_on: date, reason: str,
                    now: datetime | None = None) -> RectificationOrder:
    """延期: an inspector of the order gives a new deadline (not in the past) with a reason, while it is owed; the
    change is kept in the order's deadline history (pm.services.inspections.deadlines)."""
    if not can_recheck(order, actor):
        raise Forbidden("只有检查人员可以调整整改期限")
    _require_in_scope(order, scope)
    if order.status not in OWED:
        raise Conflict("该整改单当前状态不能调整整改期限", field="status")
    reason = text(reason, "reason", N_("调整原因"))
    now = now or utcnow()
    due_on = due(due_on, now)
    old = order.due_on
    record_deadline(order, due_on, actor=actor, reason=reason, now=now)
    audit.record("rectification.deadline", order, actor=actor, changes={"due_on": [old, due_on]},
                 place=audit_place(order))
    return order


# -- reading ----------------------------------------------------------------------------------------------
def queue_order():
    """Owed orders first (earliest deadline, so overdue ones lead), then those awaiting re-check, then closed."""
    rank = case((RectificationOrder.status.in_(OWED), 0), (RectificationOrder.status == OrderStatus.REPORTED, 1),
                else_=2)
    return (rank, RectificationOrder.due_on, RectificationOrder.id)


def overdue_filter(today: date):
    """SQL condition: owed and past the deadline as of `today`."""
    return RectificationOrder.status.in_(OWED) & (RectificationOrder.due_on < today)


def orders_stmt(scope: Scope, *, status: OrderStatus | str | None = None, overdue_on: date | None = None,
                issued_by_id: int | None = None, responsible: tuple[str, int] | None = None,
                overdue_during: tuple[date, date, datetime] | None = None):
    """整改单 queue in scope (owed first, overdue leading), optionally by status, overdue as of a day, or issuer;
    by the responsible unit (kind, id), and overdue at some moment of (first day, last day, as recorded up to a
    cut-off) — the orders an assessment line of that unit and month counted (deadlines.overdue_during)."""
    stmt = scope.select(RectificationOrder).options(*ORDER_OPTIONS).order_by(*queue_order())
    if responsible is not None:
        try:
            kind = ResponsibleKind(responsible[0])
        except ValueError:
            raise DomainError("责任主体类型无效", field="responsible_kind") from None
        stmt = stmt.where(RectificationOrder.responsible_kind == kind, responsible_id() == responsible[1])
    if overdue_during is not None:
        first, last, cutoff = overdue_during
        stmt = stmt.where(RectificationOrder.id.in_(overdue_ids_during(first, last, cutoff)))
    if status:
        stmt = stmt.where(RectificationOrder.status == status)
    if overdue_on is not None:
        stmt = stmt.where(overdue_filter(overdue_on))
    if issued_by_id is not None:
        stmt = stmt.where(RectificationOrder.issued_by_id == issued_by_id)
    return stmt


def load_order(scope: Scope, order_id: int) -> RectificationOrder:
    """One order in scope with its issuer, timeline (actors, photos) and finding (or NotFound)."""
    return scope.get(RectificationOrder, order_id, options=DETAIL_OPTIONS)


# -- the daily job ----------------------------------------------------------------------------------------
def escalate_overdue(now: datetime, *, scope: Scope) -> dict[str, int]:
    """Tell the level above (and the responsible body) about every overdue order, once per order, deadline and
    person (dedupe keys)."""
    orders = db.session.scalars(
        scope.select(RectificationOrder).where(overdue_filter(local_today(now))).order_by(RectificationOrder.id)
    ).all()
    above, owing = supervisors(orders), responsible_users(orders)
    notified = 0
    for order in orders:
        sent = 0
        for user_id in above[order.id]:
            note = notify(user_id, "rectification.overdue",
                          Message(N_("整改单逾期：%(name)s"), {"name": order.responsible_name}),
                          body=Message(N_("%(problem)s\n整改期限：%(due)s"), {"problem": order.problem,
                                                                          "due": order.due_on}),
                          link=_link(order),
                          key=f"rectification.overdue:{order.id}:{order.due_on}:{user_id}",
                          compound_id=order.compound_id)
            sent += note is not None
        for user_id in owing[order.id]:  # and the body that owes the fix
            notify(user_id, "rectification.overdue.own",
                   Message(N_("您的整改单已逾期：%(problem)s"), {"problem": order.problem[:60]}),
                   body=Message(N_("整改要求：%(measure)s\n整改期限：%(due)s"), {"measure": order.measure,
                                                                          "due": order.due_on}),
                   link=_link(order),
                   key=f"rectification.overdue.own:{order.id}:{order.due_on}:{user_id}",
                   compound_id=order.compound_id)
        if sent:
            _event(order, EventKind.ESCALATED, None, None, now,
                   message=counted("已逾期，通知上级 %(num)d 人", "已逾期，通知上级 %(num)d 人", sent))
            notified += sent
    db.session.flush()
    return {"overdue_orders": len(orders), "notified": notified}
