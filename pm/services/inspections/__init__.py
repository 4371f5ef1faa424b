"""巡查督查与整改: inspections at three levels, findings with deductions, and rectification orders (整改单).

闭合管理: every finding opens an order with the responsible body, the measure and a deadline; the body
reports it done with evidence; the inspector re-checks and closes it or sends it back. Overdue is computed
at read time (RectificationOrder.is_overdue); the daily job only notifies the level above.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, func, select
from werkzeug.datastructures import FileStorage

from pm.access import OFFICIALS_ABOVE_STATION, scope_for
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    CheckinStatus,
    Community,
    Compound,
    EventKind,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionLevel,
    OrderSource,
    OrderStatus,
    PatrolCheckin,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    ResponsibleKind,
    Role,
    Station,
    StreetOffice,
    TargetKind,
    User,
    station_compounds,
)
from pm.models.inspections import ITEMS_BY_CODE
from pm.services import audit
from pm.services.notifications import notify
from pm.services.stations import save_photos
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

# Which role inspects at which level, and what it may inspect (domain.md, inspection cadence).
LEVEL_ROLE: dict[InspectionLevel, Role] = {
    InspectionLevel.COMMUNITY_DAILY: Role.COMMUNITY_WORKER,
    InspectionLevel.STREET_WEEKLY: Role.STREET_OFFICER,
    InspectionLevel.COUNTY_MONTHLY: Role.COUNTY_ADMIN,
}
LEVEL_TARGETS: dict[InspectionLevel, tuple[TargetKind, ...]] = {
    InspectionLevel.COMMUNITY_DAILY: (TargetKind.COMPOUND, TargetKind.STATION),
    InspectionLevel.STREET_WEEKLY: (TargetKind.COMPOUND, TargetKind.STATION, TargetKind.COMMUNITY),
    InspectionLevel.COUNTY_MONTHLY: (TargetKind.STREET, TargetKind.COMPOUND),
}
LEVEL_NAMES = {
    InspectionLevel.COMMUNITY_DAILY: "社区每日巡查",
    InspectionLevel.STREET_WEEKLY: "街道每周督查",
    InspectionLevel.COUNTY_MONTHLY: "县每月抽查",
}
TARGET_MODELS = {
    TargetKind.COMPOUND: Compound,
    TargetKind.STATION: Station,
    TargetKind.COMMUNITY: Community,
    TargetKind.STREET: StreetOffice,
}
OWED = (OrderStatus.OPEN, OrderStatus.RETURNED)
MAX_TEXT = 4000


def levels_for(user: User) -> list[InspectionLevel]:
    """The inspection levels a user's role carries out."""
    return [level for level, role in LEVEL_ROLE.items() if role == user.role]


def _text(value: str | None, field: str, message: str, *, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError(message, field=field)
        return None
    if len(value) > MAX_TEXT:
        raise DomainError(f"内容不能超过 {MAX_TEXT} 字", field=field)
    return value


def _due(due_on: date | None, now: datetime | None, field: str = "due_on") -> date:
    if due_on is None:
        raise DomainError("请填写整改期限", field=field)
    if due_on < local_today(now):
        raise DomainError("整改期限不能早于今天", field=field)
    return due_on


def parse_deduction(value) -> Decimal:
    """扣分: exact points with at most two decimals, never a float."""
    if isinstance(value, (bool, float)) or value is None or value == "":
        raise DomainError("请填写扣分（数字，最多两位小数）", field="deduction")
    try:
        points = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError("扣分必须是数字，例如 0.5", field="deduction") from None
    if not points.is_finite() or points != points.quantize(Decimal("0.01")) or points.as_tuple().exponent < -2:
        raise DomainError("扣分最多两位小数", field="deduction")
    if points <= 0:
        raise DomainError("扣分必须大于 0", field="deduction")
    return points.quantize(Decimal("0.01"))


# -- places -----------------------------------------------------------------------------------------------
def _serving_station_id(compound_id: int) -> int | None:
    return db.session.scalar(
        select(func.min(station_compounds.c.station_id)).where(station_compounds.c.compound_id == compound_id)
    )


def _place_of(kind: TargetKind, target) -> dict:
    if kind == TargetKind.COMPOUND:
        community = db.session.get(Community, target.community_id)
        return {"street_id": community.street_id, "community_id": community.id, "compound_id": target.id,
                "station_id": _serving_station_id(target.id)}
    if kind == TargetKind.STATION:
        community = db.session.get(Community, target.community_id)
        return {"street_id": community.street_id, "community_id": community.id, "compound_id": None,
                "station_id": target.id}
    if kind == TargetKind.COMMUNITY:
        return {"street_id": target.street_id, "community_id": target.id, "compound_id": None, "station_id": None}
    return {"street_id": target.id, "community_id": None, "compound_id": None, "station_id": None}


def _responsible(place: dict) -> tuple[ResponsibleKind, str]:
    if place["station_id"]:
        return ResponsibleKind.STATION, db.session.get(Station, place["station_id"]).name
    if place["community_id"]:
        return ResponsibleKind.COMMUNITY, db.session.get(Community, place["community_id"]).name
    return ResponsibleKind.STREET, db.session.get(StreetOffice, place["street_id"]).name


def _audit_place(obj):
    """The tree node an inspection or order is audited under."""
    if obj.compound_id:
        return db.session.get(Compound, obj.compound_id)
    if obj.community_id:
        return db.session.get(Community, obj.community_id)
    return db.session.get(StreetOffice, obj.street_id)


def responsible_users(order: RectificationOrder) -> list[User]:
    """The accounts who answer for an order: the station's manager, else the community's or street's officials."""
    if order.responsible_kind == ResponsibleKind.STATION:
        cond = (User.role == Role.STATION_MANAGER) & (User.station_id == order.station_id)
    elif order.responsible_kind == ResponsibleKind.COMMUNITY:
        cond = (User.role == Role.COMMUNITY_WORKER) & (User.community_id == order.community_id)
    else:
        cond = (User.role == Role.STREET_OFFICER) & (User.street_id == order.street_id)
    return list(db.session.scalars(select(User).where(cond, User.is_enabled.is_(True)).order_by(User.id)))


def supervisors(order: RectificationOrder) -> list[User]:
    """The level above the responsible body, told when the order is overdue."""
    if order.responsible_kind == ResponsibleKind.STATION:
        community_id = db.session.scalar(select(Station.community_id).where(Station.id == order.station_id))
        cond = (User.role == Role.COMMUNITY_WORKER) & (User.community_id == community_id)
    elif order.responsible_kind == ResponsibleKind.COMMUNITY:
        cond = (User.role == Role.STREET_OFFICER) & (User.street_id == order.street_id)
    else:
        county_id = db.session.scalar(select(StreetOffice.county_id).where(StreetOffice.id == order.street_id))
        cond = (User.role == Role.COUNTY_ADMIN) & (User.county_id == county_id)
    return list(db.session.scalars(select(User).where(cond, User.is_enabled.is_(True)).order_by(User.id)))


def _link(order: RectificationOrder) -> str:
    return f"/inspections/rectifications/{order.id}"


def _event(order: RectificationOrder, kind: EventKind, actor: User | None, note: str | None, now: datetime,
           photos: list | None = None) -> RectificationEvent:
    event = RectificationEvent(order_id=order.id, kind=kind, actor_id=actor.id if actor else None, note=note, at=now)
    event.photos = [RectificationPhoto(path=s.path, content_type=s.content_type, created_at=now) for s in photos or []]
    order.events.append(event)
    return event


# -- inspections ------------------------------------------------------------------------------------------
def create_inspection(actor: User, *, level: InspectionLevel | str, target_kind: TargetKind | str, target_id: int,
                      inspected_on: date, inspector_ids: list[int] | None = None, summary: str | None = None,
                      now: datetime | None = None) -> Inspection:
    """Record an inspection of a target the actor's level may inspect, in the actor's area, not in the future."""
    try:
        level = InspectionLevel(level)
    except ValueError:
        raise DomainError("检查类型无效", field="level") from None
    if LEVEL_ROLE[level] != actor.role:
        raise Forbidden(f"您的角色不能进行{LEVEL_NAMES[level]}", field="level")
    try:
        target_kind = TargetKind(target_kind)
    except ValueError:
        raise DomainError("检查对象类型无效", field="target_kind") from None
    if target_kind not in LEVEL_TARGETS[level]:
        raise DomainError(f"{LEVEL_NAMES[level]}不能检查这类对象", field="target_kind")
    scope = scope_for(actor)
    model = TARGET_MODELS[target_kind]
    # A community worker's scope also reaches their street and county (to read names): the level above limits.
    if not scope.contains(model, target_id) or (
        target_kind == TargetKind.STREET and not db.session.scalar(
            select(StreetOffice.id).where(StreetOffice.id == target_id, StreetOffice.id.in_(scope.within_streets)))
    ):
        raise NotFound("检查对象不存在或不在您的管辖范围内", field="target_id")
    if inspected_on is None:
        raise DomainError("请填写检查日期", field="inspected_on")
    if inspected_on > local_today(now):
        raise DomainError("检查日期不能是未来日期", field="inspected_on")
    summary = _text(summary, "summary", "", required=False)
    inspectors = {actor.id: actor}
    for uid in inspector_ids or []:
        user = db.session.get(User, uid) if isinstance(uid, int) else None
        if user is None or not scope.contains(User, uid) or user.role not in OFFICIALS_ABOVE_STATION \
                or not user.is_enabled:
            raise DomainError(f"检查人员 {uid} 不存在或不在您的管辖范围内", field="inspector_ids")
        inspectors[user.id] = user
    target = db.session.get(model, target_id)
    place = _place_of(target_kind, target)
    inspection = Inspection(level=level, target_kind=target_kind, target_name=target.name, inspected_on=inspected_on,
                            summary=summary, created_by_id=actor.id, created_at=now or utcnow(), **place)
    inspection.inspectors = list(inspectors.values())
    db.session.add(inspection)
    db.session.flush()
    audit.record("inspection.create", inspection, actor=actor,
                 changes={"level": [None, level], "target": [None, f"{target_kind}:{target_id}"],
                          "inspected_on": [None, inspected_on], "inspectors": [None, sorted(inspectors)]},
                 place=_audit_place(inspection))
    return inspection


def is_inspector(inspection: Inspection, user: User) -> bool:
    """Whether the user created or took part in the inspection."""
    return user.id == inspection.created_by_id or any(u.id == user.id for u in inspection.inspectors)


def add_finding(inspection: Inspection, actor: User, *, item_code: str, deduction, note: str, measure: str,
                due_on: date | None, photos: list[FileStorage] | None = None, now: datetime | None = None) -> Finding:
    """Record a finding (item, deduction ≤ the item's points in this inspection, note, photos) and open its order."""
    if not is_inspector(inspection, actor):
        raise Forbidden("只有本次检查的检查人员可以登记问题")
    item = ITEMS_BY_CODE.get(item_code or "")
    if item is None:
        raise DomainError("请选择考核项目", field="item_code")
    points = parse_deduction(deduction)
    # Summed in Python: SQLite's SUM over NUMERIC is a float.
    already = sum(db.session.scalars(select(Finding.deduction).where(
        Finding.inspection_id == inspection.id, Finding.item_code == item.code)), start=Decimal("0.00"))
    if already + points > item.max_points:
        left = item.max_points - already
        raise DomainError(f"“{item.name}”满分 {item.max_points} 分，本次检查已扣 {already} 分，最多还能扣 {left} 分",
                          field="deduction")
    note = _text(note, "note", "请填写问题描述")
    measure = _text(measure, "measure", "请填写整改要求")
    due_on = _due(due_on, now)
    now = now or utcnow()
    stored = save_photos(photos, f"inspections/{inspection.id}")
    finding = Finding(inspection_id=inspection.id, item_code=item.code, deduction=points, note=note, created_at=now)
    finding.photos = [FindingPhoto(path=s.path, content_type=s.content_type, created_at=now) for s in stored]
    db.session.add(finding)
    db.session.flush()
    audit.record("inspection.finding", finding, actor=actor,
                 changes={"item": [None, item.code], "deduction": [None, points], "photos": [None, len(stored)]},
                 place=_audit_place(inspection))
    place = {k: getattr(inspection, k) for k in ("street_id", "community_id", "compound_id", "station_id")}
    _open_order(OrderSource.INSPECTION, place, actor=actor, problem=note, measure=measure, due_on=due_on, now=now,
                finding_id=finding.id, title_prefix=f"{LEVEL_NAMES[inspection.level]}：{inspection.target_name}")
    return finding


def _open_order(source: OrderSource, place: dict, *, actor: User, problem: str, measure: str, due_on: date,
                now: datetime, title_prefix: str, finding_id: int | None = None,
                checkin_id: int | None = None) -> RectificationOrder:
    kind, name = _responsible(place)
    order = RectificationOrder(source=source, finding_id=finding_id, checkin_id=checkin_id, responsible_kind=kind,
                               responsible_name=name, problem=problem, measure=measure, due_on=due_on,
                               status=OrderStatus.OPEN, issued_by_id=actor.id, created_at=now, return_count=0,
                               **place)
    db.session.add(order)
    db.session.flush()
    _event(order, EventKind.OPENED, actor, measure, now)
    audit.record("rectification.open", order, actor=actor,
                 changes={"responsible": [None, f"{kind}:{name}"], "measure": [None, measure], "due_on": [None, due_on]},
                 place=_audit_place(order))
    for user in responsible_users(order):
        if user.id != actor.id:
            notify(user, "rectification.new", f"新整改单：{title_prefix}", body=f"{problem}\n整改要求：{measure}\n期限：{due_on}",
                   link=_link(order), key=f"rectification.new:{order.id}:{user.id}", compound_id=order.compound_id)
    logger.info("rectification order %r opened by %r", order, actor)
    return order


def order_from_checkin(checkin: PatrolCheckin, actor: User, *, measure: str, due_on: date | None,
                       now: datetime | None = None) -> RectificationOrder:
    """A patrol check-in that found a problem opens a rectification order for the station (once)."""
    if actor.role not in (Role.STATION_MANAGER, Role.STATION_STAFF) or actor.station_id != checkin.station_id:
        raise Forbidden("只有本服务站的人员可以进行此操作")
    if checkin.status != CheckinStatus.PROBLEM:
        raise DomainError("只有发现问题的打卡才能生成整改单", field="checkin_id")
    if db.session.scalar(select(RectificationOrder.id).where(RectificationOrder.checkin_id == checkin.id)):
        raise Conflict("这次打卡已经生成过整改单", field="checkin_id")
    measure = _text(measure, "measure", "请填写整改要求")
    due_on = _due(due_on, now)
    station = db.session.get(Station, checkin.station_id)
    place = _place_of(TargetKind.STATION, station)
    point = checkin.point
    return _open_order(OrderSource.PATROL, place, actor=actor, problem=f"{point.name}：{checkin.note or ''}",
                       measure=measure, due_on=due_on, now=now or utcnow(), checkin_id=checkin.id,
                       title_prefix=f"巡查发现问题：{point.name}")


# -- the order's life -----------------------------------------------------------------------------------------
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


def report_done(order: RectificationOrder, actor: User, *, note: str, photos: list[FileStorage] | None = None,
                now: datetime | None = None) -> RectificationOrder:
    """The responsible body reports the fix with evidence (a note and up to six photos)."""
    if not can_report(order, actor):
        raise Forbidden("只有责任单位可以报告整改完成")
    if order.status not in OWED:
        raise Conflict("该整改单当前状态不能报告整改完成", field="status")
    note = _text(note, "note", "请填写整改情况说明")
    now = now or utcnow()
    stored = save_photos(photos, f"rectifications/{order.id}")
    old = order.status
    order.status = OrderStatus.REPORTED
    order.reported_at = now
    _event(order, EventKind.REPORTED, actor, note, now, stored)
    db.session.flush()
    audit.record("rectification.report", order, actor=actor, changes={"status": [old, order.status]},
                 place=_audit_place(order))
    if order.issued_by_id != actor.id:
        notify(order.issued_by_id, "rectification.reported", f"整改单待复查：{order.responsible_name}", body=note,
               link=_link(order), key=f"rectification.reported:{order.id}:{order.return_count}",
               compound_id=order.compound_id)
    return order


def recheck(order: RectificationOrder, actor: User, *, passed: bool, reason: str | None = None,
            due_on: date | None = None, now: datetime | None = None) -> RectificationOrder:
    """复查: close the order, or send it back with a reason (and, optionally, a new deadline not in the past)."""
    if not can_recheck(order, actor):
        raise Forbidden("只有检查人员可以复查该整改单")
    if order.status != OrderStatus.REPORTED:
        raise Conflict("只有已报告整改完成的整改单才能复查", field="status")
    now = now or utcnow()
    old = order.status
    if passed:
        reason = _text(reason, "reason", "", required=False)
        order.status = OrderStatus.CLOSED
        order.closed_at = now
        _event(order, EventKind.CLOSED, actor, reason, now)
        changes = {"status": [old, order.status]}
    else:
        reason = _text(reason, "reason", "退回时请填写原因")
        changes = {"status": [old, OrderStatus.RETURNED]}
        if due_on is not None:
            due_on = _due(due_on, now)
            changes["due_on"] = [order.due_on, due_on]
            order.due_on = due_on
        order.status = OrderStatus.RETURNED
        order.return_count = (order.return_count or 0) + 1
        _event(order, EventKind.RETURNED, actor, reason, now)
    db.session.flush()
    audit.record("rectification.close" if passed else "rectification.return", order, actor=actor, changes=changes,
                 place=_audit_place(order))
    if not passed:
        for user in responsible_users(order):
            notify(user, "rectification.returned", f"整改单被退回：{order.responsible_name}",
                   body=f"原因：{reason}\n期限：{order.due_on}", link=_link(order),
                   key=f"rectification.returned:{order.id}:{order.return_count}:{user.id}",
                   compound_id=order.compound_id)
    return order


def queue_order():
    """Owed orders first (earliest deadline, so overdue ones lead), then those awaiting re-check, then closed."""
    rank = case((RectificationOrder.status.in_(OWED), 0), (RectificationOrder.status == OrderStatus.REPORTED, 1),
                else_=2)
    return (rank, RectificationOrder.due_on, RectificationOrder.id)


def overdue_filter(today: date):
    """SQL condition: owed and past the deadline as of `today`."""
    return RectificationOrder.status.in_(OWED) & (RectificationOrder.due_on < today)


@dataclass
class EscalationCounts:
    orders: int = 0
    notified: int = 0


def escalate_overdue(now: datetime) -> dict[str, int]:
    """Tell the level above (and the responsible body) about every overdue order, once per order, deadline and
    person (dedupe keys)."""
    today = local_today(now)
    counts = EscalationCounts()
    orders = db.session.scalars(
        select(RectificationOrder).where(overdue_filter(today)).order_by(RectificationOrder.id)
    ).all()
    for order in orders:
        counts.orders += 1
        sent = 0
        for user in supervisors(order):
            note = notify(user, "rectification.overdue", f"整改单逾期：{order.responsible_name}",
                          body=f"{order.problem}\n整改期限：{order.due_on}", link=_link(order),
                          key=f"rectification.overdue:{order.id}:{order.due_on}:{user.id}",
                          compound_id=order.compound_id)
            sent += note is not None
        for user in responsible_users(order):  # and the body that owes the fix
            notify(user, "rectification.overdue.own", f"您的整改单已逾期：{order.problem[:60]}",
                   body=f"整改要求：{order.measure}\n整改期限：{order.due_on}", link=_link(order),
                   key=f"rectification.overdue.own:{order.id}:{order.due_on}:{user.id}",
                   compound_id=order.compound_id)
        if sent:
            _event(order, EventKind.ESCALATED, None, f"已逾期，通知上级 {sent} 人", now)
            counts.notified += sent
    db.session.flush()
    return {"overdue_orders": counts.orders, "notified": counts.notified}

