"""报修: filing a repair request — by a logged-in user in their scope, or on a compound's public (QR) page."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.errors import Conflict, DomainError, NotFound
from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    Household,
    PhotoStage,
    RepairCategory,
    RepairRequest,
    RepairStatus,
    Unit,
    Urgency,
    User,
    station_compounds,
)
from pm.models.repairs import OPEN_STATUSES
from pm.services import audit, locks, recipients, tallies
from pm.services.labels import label
from pm.services.messages import Message
from pm.services.notifications import notify
from pm.services.registry.tree import county_id_of
from pm.services.repairs.deadlines import compute_deadlines
from pm.services.repairs.photos import attach_photos
from pm.services.repairs.portal import compound_for_token
from pm.services.repairs.settings import setting
from pm.services.repairs.workflow import record_event
from pm.services.text import N_, check_phone, check_text, normalise_phone
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)

# Categories in which an emergency (特急) can be reported: burst pipe, drains, power cut, people trapped in an
# elevator; gas and fire-system failures are filed as "other" (domain.md "Repair requests").
EMERGENCY_CATEGORIES = frozenset({
    RepairCategory.WATER_SUPPLY, RepairCategory.DRAINAGE, RepairCategory.POWER, RepairCategory.ELEVATOR,
    RepairCategory.OTHER,
})
MAX_BUILDINGS, MAX_UNITS = 200, 500  # location choices offered on a page
E_DUPLICATE = N_("您家已有未办结的“%(category)s”报修（%(ids)s）。如果是另一处问题，请勾选“仍要提交”后再提交")


def enum_value(cls, value, field: str, message: str):
    """`value` as a member of the enum `cls`, or a DomainError on `field`."""
    try:
        return cls(value)
    except ValueError:
        raise DomainError(message, field=field) from None


def station_of(compound_id: int) -> int | None:
    """The station that keeps a compound (the first by id when several share it)."""
    return db.session.scalar(
        select(func.min(station_compounds.c.station_id)).where(station_compounds.c.compound_id == compound_id)
    )


# -- where: the location choices of a filing page ---------------------------------------------------------
def compounds_for(scope: Scope, *, limit: int = 300) -> list[Compound]:
    """The compounds a user may file in, by name."""
    return list(db.session.scalars(scope.select(Compound).order_by(Compound.name).limit(limit)))


def _common_areas(compound: Compound, buildings, units) -> list[tuple[str, str]]:
    out = [("c", gettext("公共区域：%(name)s 小区内", name=compound.name))]
    out += [(f"b:{b.id}", gettext("公共区域：%(name)s", name=b.name)) for b in db.session.scalars(buildings)]
    out += [(f"u:{u.id}", gettext("公共区域：%(b)s%(u)s 楼道", b=u.building.name, u=u.name))
            for u in db.session.scalars(units).unique()]
    return out


def _building_and_unit_stmts(compound: Compound):
    buildings = select(Building).where(Building.compound_id == compound.id).order_by(Building.name).limit(MAX_BUILDINGS)
    units = (select(Unit).options(joinedload(Unit.building)).where(Unit.compound_id == compound.id)
             .order_by(Unit.id).limit(MAX_UNITS))
    return buildings, units


def location_options(compound: Compound, scope: Scope) -> list[tuple[str, str]]:
    """(value, label) of the places a user may file for: their own homes in the compound, then its common areas
    (the compound, buildings, units) in their scope. Values: h:<household>, c, b:<building>, u:<unit>."""
    out: list[tuple[str, str]] = []
    if scope.is_household_bound:
        homes = db.session.scalars(
            scope.select(Household).options(joinedload(Household.building), joinedload(Household.unit))
            .where(Household.compound_id == compound.id).order_by(Household.id)
        ).all()
        out += [(f"h:{h.id}", gettext("我家：%(label)s", label=h.label)) for h in homes]
    buildings, units = _building_and_unit_stmts(compound)
    return out + _common_areas(compound, scope.filter(buildings, Building), scope.filter(units, Unit))


def public_location_options(compound: Compound) -> list[tuple[str, str]]:
    """The common areas of a compound, as its public (QR) page offers them to anyone."""
    return _common_areas(compound, *_building_and_unit_stmts(compound))


def parse_location(value: str | None) -> dict[str, int]:
    """A location choice (h:12, b:3, u:7 or c) as the household_id / building_id / unit_id to file with."""
    kind, _sep, ident = (value or "").partition(":")
    key = {"h": "household_id", "b": "building_id", "u": "unit_id"}.get(kind)
    if kind == "c" or key is None or not ident.isdigit():
        return {}
    return {key: int(ident)}


def _place(compound: Compound, household_id: int | None, building_id: int | None,
           unit_id: int | None) -> tuple[int | None, int | None, int | None]:
    """Validate the place: a household, a unit or a building of the compound, or the compound itself."""
    if household_id is not None:
        household = db.session.get(Household, household_id)
        if household is None or household.compound_id != compound.id:
            raise DomainError("所选房屋不属于该小区", field="household_id")
        return household.id, household.building_id, household.unit_id
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.compound_id != compound.id:
            raise DomainError("所选单元不属于该小区", field="unit_id")
        return None, unit.building_id, unit.id
    if building_id is not None:
        building = db.session.get(Building, building_id)
        if building is None or building.compound_id != compound.id:
            raise DomainError("所选楼栋不属于该小区", field="building_id")
        return None, building.id, None
    return None, None, None


# -- filing ------------------------------------------------------------------------------------------------
def _problem(category, urgency, description: str, location_note: str | None):
    category = enum_value(RepairCategory, category, "category", N_("请选择报修类别"))
    urgency = enum_value(Urgency, urgency or Urgency.NORMAL, "urgency", N_("请选择紧急程度"))
    if urgency == Urgency.EMERGENCY and category not in EMERGENCY_CATEGORIES:
        raise DomainError("该类别不属于紧急抢修（爆管、停电、燃气、电梯困人、消防设施），请选择“一般”或“紧急”",
                          field="urgency")
    description = check_text(description, field="description", label=N_("问题描述"), max_len=2000, required=False,
                             min_len=5)
    location_note = check_text(location_note, field="location_note", label=N_("具体位置"), max_len=200,
                               required=False)
    return category, urgency, description, location_note


def _create(compound: Compound, *, actor: User | None, category: RepairCategory, urgency: Urgency, description: str,
            place: tuple, location_note: str | None, photos: list | None, filer_name: str | None,
            filer_phone: str | None, ip: str | None, now: datetime) -> RepairRequest:
    hh, b, u = place
    req = RepairRequest(
        compound_id=compound.id, station_id=station_of(compound.id), household_id=hh, building_id=b, unit_id=u,
        location_note=location_note, category=category, urgency=urgency, description=description,
        status=RepairStatus.SUBMITTED, filer_user_id=actor.id if actor else None, filer_name=filer_name,
        filer_phone=filer_phone, filer_ip=(ip or None) and ip[:45], submitted_at=now, reopen_count=0,
        escalation_level=0, needs_fund=False, is_time_agreed=False, updated_at=now,
    )
    compute_deadlines(req, compound, county_id_of(compound.id))
    db.session.add(req)
    db.session.flush()
    tallies.bump(compound.id, tallies.repair_flags(req.status))
    attach_photos(req, photos, PhotoStage.FILING, actor)
    record_event(req, "submitted", None, RepairStatus.SUBMITTED, actor, now, description[:200])
    db.session.flush()
    audit.record("repair.file", req, actor=actor, place=compound, changes={
        "category": category, "urgency": urgency, "household_id": hh, "building_id": b, "unit_id": u,
        "public": actor is None,
    })
    managers = recipients.station_managers([req.station_id]).get(req.station_id, []) if req.station_id else []
    for user_id in managers:
        notify(user_id, "repair.new", Message(N_("新报修：%(compound)s #%(id)s"), {"compound": compound.name,
                                                                                   "id": req.id}),
               body=description[:200], link=f"/repairs/{req.id}", key=f"repair.new.{req.id}.{user_id}", compound_id=compound.id)
    logger.info("repair filed %r by %r", req, actor)
    return req


def _own_phone(user: User) -> str | None:
    """The phone for the station to call back: the account's, else (owners, residents) the registered person's;
    normalised when it is a valid number."""
    phone = user.phone or (user.person.phone if user.person is not None else None)
    try:
        return normalise_phone(phone)
    except DomainError:
        return phone


def open_duplicates(scope: Scope, household_id: int | None, category) -> list[RepairRequest]:
    """The open requests of a home in a category, in scope (newest first): filing another is confirmed first."""
    if household_id is None or category is None:
        return []
    try:
        category = RepairCategory(category)
    except ValueError:
        return []
    return list(db.session.scalars(scope.select(RepairRequest).where(
        RepairRequest.household_id == household_id, RepairRequest.category == category,
        RepairRequest.status.in_(OPEN_STATUSES)).order_by(RepairRequest.id.desc()).limit(5)))


def file_request(compound: Compound, *, actor: User, scope: Scope, category, urgency, description: str,
                 household_id: int | None = None, building_id: int | None = None, unit_id: int | None = None,
                 location_note: str | None = None, photos: list | None = None, ip: str | None = None,
                 confirm_duplicate: bool = False, now: datetime | None = None) -> RepairRequest:
    """File a repair request in a compound of the user's scope: for their own home, or a common area. When the
    home already has an open request of the category, the filer must confirm (confirm_duplicate) — else a
    Conflict names the open request and nothing is filed."""
    now = now or utcnow()
    if not scope.contains(Compound, compound.id):
        raise NotFound("该小区不存在或不在您的权限范围内")
    category, urgency, description, location_note = _problem(category, urgency, description, location_note)
    place = _place(compound, household_id, building_id, unit_id)
    if household_id is not None and scope.is_household_bound and not scope.contains(Household, household_id):
        raise DomainError("只能为自己的房屋报修", field="household_id")
    duplicates = [] if confirm_duplicate else open_duplicates(scope, household_id, category)
    if duplicates:
        raise Conflict(E_DUPLICATE, field="confirm_duplicate", category=label(category),
                       ids="、".join(f"#{r.id}" for r in duplicates))
    return _create(compound, actor=actor, category=category, urgency=urgency, description=description, place=place,
                   location_note=location_note, photos=photos, filer_name=actor.display_name,
                   filer_phone=_own_phone(actor), ip=ip, now=now)


def file_public(token: str, *, category, urgency, description: str, filer_phone: str | None,
                filer_name: str | None = None, household_id: int | None = None, building_id: int | None = None,
                unit_id: int | None = None, location_note: str | None = None, photos: list | None = None,
                ip: str | None = None, now: datetime | None = None) -> RepairRequest:
    """File from a compound's public page (no account): a common area, a mobile number to call back,
    rate-limited per phone and per IP address in the database."""
    now = now or utcnow()
    compound = compound_for_token(token)
    category, urgency, description, location_note = _problem(category, urgency, description, location_note)
    filer_name = check_text(filer_name, field="filer_name", label=N_("姓名"), max_len=64, required=False)
    filer_phone = check_phone(filer_phone, field="filer_phone", required=True, mobile_only=True)
    check_rate_limit(filer_phone, ip, now=now)
    if household_id is not None:
        raise DomainError("未登录时只能报修公共区域", field="household_id")
    place = _place(compound, None, building_id, unit_id)
    return _create(compound, actor=None, category=category, urgency=urgency, description=description, place=place,
                   location_note=location_note, photos=photos, filer_name=filer_name, filer_phone=filer_phone,
                   ip=ip, now=now)


def check_rate_limit(phone: str | None, ip: str | None, *, now: datetime) -> None:
    """Public filing: at most N requests per phone number and M per IP address in the last hour (counted in
    the database, so every worker process sees the same count)."""
    # Counted under a lock per phone and per address: parallel posts wait for each other's commit, so N+1
    # simultaneous requests cannot all see N-1 earlier ones.
    locks.serialise(*([f"repair-public:phone:{phone}"] if phone else []), *([f"repair-public:ip:{ip}"] if ip else []))
    since = now - timedelta(hours=1)
    public = (RepairRequest.submitted_at > since, RepairRequest.filer_user_id.is_(None))
    if phone:
        n = db.session.scalar(select(func.count()).select_from(RepairRequest).where(
            RepairRequest.filer_phone == phone, *public))
        if n >= setting("REPAIR_PUBLIC_PER_PHONE_HOUR"):
            raise DomainError("该手机号一小时内提交的报修过多，请稍后再试，或拨打服务站电话", field="filer_phone")
    if ip:
        n = db.session.scalar(select(func.count()).select_from(RepairRequest).where(
            RepairRequest.filer_ip == ip, *public))
        if n >= setting("REPAIR_PUBLIC_PER_IP_HOUR"):
            raise DomainError("本网络一小时内提交的报修过多，请稍后再试，或拨打服务站电话", field="filer_phone")
