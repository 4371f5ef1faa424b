"""巡查督查: inspections at three levels (社区每日巡查, 街道每周督查, 县每月抽查) and their findings with deductions."""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import OFFICIALS_ABOVE_STATION, Scope
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    Community,
    Compound,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionLevel,
    ItemSource,
    OrderSource,
    Station,
    StreetOffice,
    TargetKind,
    UnitKind,
    User,
)
from pm.services import audit, storage
from pm.services.assessments import schemes
from pm.services.assessments.locks import county_of_street, refuse_if_locked
from pm.services.inspections.rectification import open_order
from pm.services.inspections.rules import (
    LEVEL_ROLE,
    LEVEL_TARGETS,
    TARGET_MODELS,
    audit_place,
    due,
    is_inspector,
    levels_for,
    place_of,
    text,
)
from pm.services.labels import LABELS
from pm.services.messages import Message
from pm.services.numbers import NumberError, bounded_decimal
from pm.services.text import N_
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

MAX_DEDUCTION = Decimal("999.99")  # NUMERIC(5, 2) of findings.deduction

LIST_OPTIONS = (
    joinedload(Inspection.created_by),
    selectinload(Inspection.inspectors),
    selectinload(Inspection.findings).selectinload(Finding.photos),
    selectinload(Inspection.findings).joinedload(Finding.order),
    selectinload(Inspection.findings).joinedload(Finding.item),
)
E_NOT_FOUND = N_("检查对象不存在或不在您的管辖范围内")


def parse_deduction(value) -> Decimal:
    """扣分: exact points with at most two decimals, never a float, at most the column's 999.99."""
    if isinstance(value, (bool, float)) or value is None or value == "":
        raise DomainError("请填写扣分（数字，最多两位小数）", field="deduction")
    try:
        return bounded_decimal(value, places=2, maximum=MAX_DEDUCTION)
    except NumberError as err:
        if err.kind == "decimals":
            raise DomainError("扣分最多两位小数", field="deduction") from None
        if err.kind == "positive":
            raise DomainError("扣分必须大于 0", field="deduction") from None
        if err.kind == "too_large":
            raise DomainError("扣分过大", field="deduction") from None
        raise DomainError("扣分必须是数字，例如 0.5", field="deduction") from None


def total_deduction(inspection: Inspection) -> Decimal | int:
    """扣分合计 of an inspection's findings (exact; 0 without findings)."""
    return sum((f.deduction for f in inspection.findings), start=0)


def unit_kind(inspection: Inspection) -> UnitKind:
    """Whose score a finding counts in: the station keeping the place, else the street when a street is inspected,
    else the community (a compound without a station)."""
    if inspection.station_id:
        return UnitKind.STATION
    return UnitKind.STREET if inspection.target_kind == TargetKind.STREET else UnitKind.COMMUNITY


def finding_items(inspection: Inspection) -> list:
    """The items of the scheme in force on the inspection's date that findings may name."""
    scheme = schemes.in_force(county_of_street(inspection.street_id), unit_kind(inspection), inspection.inspected_on)
    return [i for c in scheme.categories for i in c.items if i.source == ItemSource.FINDING]


def county_finding_items(scope: Scope, kind: UnitKind, day: date) -> list:
    """The findings items of the user's county's scheme for a kind of unit in force on a day (none outside a county)."""
    county_id = db.session.scalar(scope.county_ids.limit(1)) if not scope.is_system else None
    scheme = schemes.in_force(county_id, kind, day, create=False) if county_id is not None else None
    if scheme is None:  # a read never creates the county's version 1
        return []
    return [i for c in scheme.categories for i in c.items if i.source == ItemSource.FINDING]


def check_bounds(item, points: Decimal) -> None:
    """A deduction within the item's bounds per defect (its scheme's min and max)."""
    low, high = item.params.get("min"), item.params.get("max")
    if (low is not None and points < Decimal(str(low))) or (high is not None and points > Decimal(str(high))):
        raise DomainError("“%(item)s”每处扣分应在 %(low)s 到 %(high)s 分之间", field="deduction", item=item.name,
                          low=low if low is not None else 0, high=high if high is not None else item.max_points)


# -- what an inspector may pick ---------------------------------------------------------------------------
def targets_for(user: User, scope: Scope) -> list[tuple[TargetKind, int, str]]:
    """(kind, id, name) of the places the user's inspection level may inspect, in their area."""
    kinds = {k for level in levels_for(user) for k in LEVEL_TARGETS[level]}
    out: list[tuple[TargetKind, int, str]] = []
    if TargetKind.STREET in kinds:
        out += [(TargetKind.STREET, s.id, s.name) for s in db.session.scalars(
            select(StreetOffice).where(StreetOffice.id.in_(scope.within_streets)).order_by(StreetOffice.name))]
    if TargetKind.COMMUNITY in kinds:
        out += [(TargetKind.COMMUNITY, c.id, c.name) for c in db.session.scalars(
            scope.select(Community).where(Community.id.in_(scope.within_communities)).order_by(Community.name))]
    if TargetKind.STATION in kinds:
        out += [(TargetKind.STATION, s.id, s.name) for s in db.session.scalars(
            scope.select(Station).where(Station.id.in_(scope.within_stations)).order_by(Station.name))]
    if TargetKind.COMPOUND in kinds:
        out += [(TargetKind.COMPOUND, c.id, c.name) for c in db.session.scalars(
            scope.select(Compound).order_by(Compound.name))]
    return out


def colleagues(user: User, scope: Scope, *, limit: int = 200) -> list[User]:
    """Official accounts in the user's area who may join an inspection (同行检查人员)."""
    return list(db.session.scalars(
        scope.select(User).where(User.role.in_(OFFICIALS_ABOVE_STATION), User.is_enabled.is_(True),
                                 User.id != user.id).order_by(User.display_name).limit(limit)))


# -- recording --------------------------------------------------------------------------------------------
def _in_area(scope: Scope, kind: TargetKind, target_id: int) -> bool:
    """A target in the inspector's area. A community worker's scope also reaches their street and county (to read
    names): for a street, the level above limits."""
    if not scope.contains(TARGET_MODELS[kind], target_id):
        return False
    if kind != TargetKind.STREET or scope.is_system:
        return True
    return db.session.scalar(select(StreetOffice.id).where(StreetOffice.id == target_id,
                                                           StreetOffice.id.in_(scope.within_streets))) is not None


def create_inspection(actor: User, *, scope: Scope, level: InspectionLevel | str, target_kind: TargetKind | str,
                      target_id: int, inspected_on: date, inspector_ids: list[int] | None = None,
                      summary: str | None = None, now: datetime | None = None) -> Inspection:
    """Record an inspection of a target the actor's level may inspect, in the actor's area, not in the future."""
    try:
        level = InspectionLevel(level)
    except ValueError:
        raise DomainError("检查类型无效", field="level") from None
    if LEVEL_ROLE[level] != actor.role:
        raise Forbidden("您的角色不能进行%(level)s", field="level", level=LABELS[level])
    try:
        target_kind = TargetKind(target_kind)
    except ValueError:
        raise DomainError("检查对象类型无效", field="target_kind") from None
    if target_kind not in LEVEL_TARGETS[level]:
        raise DomainError("%(level)s不能检查这类对象", field="target_kind", level=LABELS[level])
    if not _in_area(scope, target_kind, target_id):
        raise NotFound(E_NOT_FOUND, field="target_id")
    if inspected_on is None:
        raise DomainError("请填写检查日期", field="inspected_on")
    if inspected_on > local_today(now):
        raise DomainError("检查日期不能是未来日期", field="inspected_on")
    target = db.session.get(TARGET_MODELS[target_kind], target_id)
    place = place_of(target_kind, target)
    refuse_if_locked(county_of_street(place["street_id"]), inspected_on, field="inspected_on")
    summary = text(summary, "summary", N_("检查概况"), required=False)
    inspectors = {actor.id: actor}
    for uid in inspector_ids or []:
        user = db.session.get(User, uid) if isinstance(uid, int) else None
        if user is None or not scope.contains(User, uid) or user.role not in OFFICIALS_ABOVE_STATION \
                or not user.is_enabled:
            raise DomainError("检查人员 %(id)s 不存在或不在您的管辖范围内", field="inspector_ids", id=uid)
        inspectors[user.id] = user
    inspection = Inspection(level=level, target_kind=target_kind, target_name=target.name, inspected_on=inspected_on,
                            summary=summary, created_by_id=actor.id, created_at=now or utcnow(), **place)
    inspection.inspectors = list(inspectors.values())
    db.session.add(inspection)
    db.session.flush()
    audit.record("inspection.create", inspection, actor=actor,
                 changes={"level": [None, level], "target": [None, f"{target_kind}:{target_id}"],
                          "inspected_on": [None, inspected_on], "inspectors": [None, sorted(inspectors)]},
                 place=audit_place(inspection))
    logger.info("inspection %r recorded by %r", inspection, actor)
    return inspection


def add_finding(inspection: Inspection, actor: User, *, scope: Scope, item_code: str, deduction, note: str,
                measure: str, due_on: date | None, photos: list | None = None,
                now: datetime | None = None) -> Finding:
    """Record a finding (item, deduction ≤ the item's points in this inspection, note, photos) and open its order."""
    if not is_inspector(inspection, actor):
        raise Forbidden("只有本次检查的检查人员可以登记问题")
    if not scope.contains(Inspection, inspection.id):
        raise NotFound("检查记录不存在或不在您的权限范围内")
    refuse_if_locked(county_of_street(inspection.street_id), inspection.inspected_on, field="inspected_on")
    item = next((i for i in finding_items(inspection) if i.code == (item_code or "")), None)
    if item is None:
        raise DomainError("请选择考核项目", field="item_code")
    points = parse_deduction(deduction)
    check_bounds(item, points)
    # Summed in Python: SQLite's SUM over NUMERIC is a float.
    already = sum(db.session.scalars(select(Finding.deduction).where(
        Finding.inspection_id == inspection.id, Finding.item_code == item.code)), start=Decimal("0.00"))
    if already + points > item.max_points:
        raise DomainError("“%(item)s”满分 %(max)s 分，本次检查已扣 %(already)s 分，最多还能扣 %(left)s 分",
                          field="deduction", item=item.name, max=item.max_points, already=already,
                          left=item.max_points - already)
    note = text(note, "note", N_("问题描述"))
    measure = text(measure, "measure", N_("整改要求"))
    due_on = due(due_on, now)
    now = now or utcnow()
    stored = storage.save_many(photos, f"inspections/{inspection.id}")
    finding = Finding(inspection_id=inspection.id, item_code=item.code, scheme_item_id=item.id, deduction=points,
                      note=note, created_at=now)
    finding.photos = [FindingPhoto(path=s.path, content_type=s.content_type, created_at=now) for s in stored]
    db.session.add(finding)
    db.session.flush()
    audit.record("inspection.finding", finding, actor=actor,
                 changes={"item": [None, item.code], "deduction": [None, points], "photos": [None, len(stored)]},
                 place=audit_place(inspection))
    place = {k: getattr(inspection, k) for k in ("street_id", "community_id", "compound_id", "station_id")}
    title = Message(N_("%(level)s：%(target)s"), {"level": inspection.level, "target": inspection.target_name})
    open_order(OrderSource.INSPECTION, place, actor=actor, problem=note, measure=measure, due_on=due_on, now=now,
               finding_id=finding.id, title_prefix=title)
    return finding


# -- reading ----------------------------------------------------------------------------------------------
def inspections_stmt(scope: Scope, *, level: InspectionLevel | str | None = None, date_from: date | None = None,
                     date_to: date | None = None):
    """Inspections in scope, newest first, with their inspectors and findings (a fixed number of queries)."""
    stmt = scope.select(Inspection).options(*LIST_OPTIONS)
    if level:
        stmt = stmt.where(Inspection.level == level)
    if date_from:
        stmt = stmt.where(Inspection.inspected_on >= date_from)
    if date_to:
        stmt = stmt.where(Inspection.inspected_on <= date_to)
    return stmt.order_by(Inspection.inspected_on.desc(), Inspection.id.desc())


def load_inspection(scope: Scope, inspection_id: int) -> Inspection:
    """One inspection in scope with its creator, inspectors and findings (photos, orders), or NotFound."""
    return scope.get(Inspection, inspection_id, options=LIST_OPTIONS)
