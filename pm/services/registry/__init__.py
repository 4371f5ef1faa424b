"""台账服务: create and edit the organisation tree, households, owners and residents.

Callers pass already-parsed values (marshmallow or WTForms did the type checks); the rules that
need the database (uniqueness, scope, history) live here. Every change is audit-logged.
"""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from pm.access import Scope, require
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    County,
    Household,
    HouseholdStatus,
    ManagementMode,
    Ownership,
    OwnershipEnd,
    Person,
    Relation,
    RenovationClass,
    RenovationItem,
    Residency,
    Station,
    StreetOffice,
    Unit,
    User,
)
from pm.services import audit

logger = logging.getLogger(__name__)

AREA_MAX = Decimal("99999999.99")


def parse_area(value: Any, *, field: str = "area_m2") -> Decimal:
    """An exact floor area in m², > 0, at most two decimals. Floats are refused (they are not exact)."""
    if isinstance(value, float):
        value = repr(value)
    try:
        area = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("面积必须是数字，例如 65.32", field=field) from None
    if not area.is_finite():
        raise DomainError("面积必须是数字，例如 65.32", field=field)
    if area <= 0:
        raise DomainError("面积必须大于 0", field=field)
    if area != area.quantize(Decimal("0.01")):
        raise DomainError("面积最多保留两位小数", field=field)
    if area > AREA_MAX:
        raise DomainError("面积过大", field=field)
    return area.quantize(Decimal("0.01"))


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _apply(obj: Any, values: dict[str, Any]) -> dict:
    changes = audit.diff(obj, values)
    for key, value in values.items():
        setattr(obj, key, value)
    return changes


# -- streets, communities, stations (county admin) ---------------------------------------
def create_street(county: County, *, name: str, actor: User | None, scope: Scope | None, phone: str | None = None):
    if actor is not None:
        require(actor, "tree.edit")
        if not scope.contains(County, county.id):
            raise Forbidden("该县不在您的管理范围内")
    name = _clean(name)
    if not name:
        raise DomainError("请填写街道名称", field="name")
    if db.session.scalar(select(StreetOffice.id).where(StreetOffice.county_id == county.id, StreetOffice.name == name)):
        raise Conflict("该县已有同名街道", field="name")
    street = StreetOffice(county_id=county.id, name=name, phone=phone)
    db.session.add(street)
    db.session.flush()
    audit.record("street.create", street, actor=actor, changes={"name": name})
    return street


def create_community(street: StreetOffice, *, name: str, actor: User | None, scope: Scope | None, phone=None):
    if actor is not None:
        require(actor, "tree.edit")
        if not scope.contains(StreetOffice, street.id):
            raise Forbidden("该街道不在您的管理范围内")
    name = _clean(name)
    if not name:
        raise DomainError("请填写社区名称", field="name")
    if db.session.scalar(select(Community.id).where(Community.street_id == street.id, Community.name == name)):
        raise Conflict("该街道已有同名社区", field="name")
    community = Community(street_id=street.id, name=name, phone=phone)
    db.session.add(community)
    db.session.flush()
    audit.record("community.create", community, actor=actor, changes={"name": name})
    return community


def create_station(
    community: Community, *, name: str, compound_ids: list[int], actor: User | None, scope: Scope | None,
    operator: str | None = None, phone: str | None = None,
) -> Station:
    """A property service station serving the given compounds."""
    if actor is not None:
        require(actor, "tree.edit")
        if not scope.contains(Community, community.id):
            raise Forbidden("该社区不在您的管理范围内")
    name = _clean(name)
    if not name:
        raise DomainError("请填写服务站名称", field="name")
    compounds = db.session.scalars(select(Compound).where(Compound.id.in_(compound_ids))).all() if compound_ids else []
    if len(compounds) != len(set(compound_ids)):
        raise DomainError("有小区不存在", field="compound_ids")
    if actor is not None and any(not scope.contains(Compound, c.id) for c in compounds):
        raise Forbidden("有小区不在您的管理范围内")
    station = Station(community_id=community.id, name=name, operator=operator, phone=phone, compounds=list(compounds))
    db.session.add(station)
    db.session.flush()
    audit.record(
        "station.create", station, actor=actor, place=community,
        changes={"name": name, "compound_ids": sorted(c.id for c in compounds)},
    )
    return station


# -- compounds -----------------------------------------------------------------------------
COMPOUND_FIELDS = (
    "name", "address", "year_built", "household_count", "resident_count", "floor_area_m2",
    "renovation_class", "renovation_year", "management_mode", "property_company", "service_grade",
    "owners_committee_formed_on",
)


def _validate_compound(values: dict[str, Any]) -> dict[str, Any]:
    v = {k: _clean(values[k]) for k in COMPOUND_FIELDS if k in values}
    if "name" in v and not v["name"]:
        raise DomainError("请填写小区名称", field="name")
    year = v.get("year_built")
    if year is not None and not (1900 <= int(year) <= date.today().year):
        raise DomainError("建成年份不合理", field="year_built")
    for key in ("household_count", "resident_count"):
        if v.get(key) is not None and int(v[key]) < 0:
            raise DomainError("数量不能为负数", field=key)
    if v.get("floor_area_m2") not in (None, ""):
        v["floor_area_m2"] = parse_area(v["floor_area_m2"], field="floor_area_m2")
    elif "floor_area_m2" in v:
        v["floor_area_m2"] = None
    if v.get("renovation_class") not in (None, ""):
        try:
            v["renovation_class"] = RenovationClass(v["renovation_class"])
        except ValueError:
            raise DomainError("改造类别无效", field="renovation_class") from None
    elif "renovation_class" in v:
        v["renovation_class"] = None
    if "management_mode" in v:
        try:
            v["management_mode"] = ManagementMode(v["management_mode"])
        except ValueError:
            raise DomainError("管理模式无效", field="management_mode") from None
    if v.get("service_grade") is not None and not (1 <= int(v["service_grade"]) <= 5):
        raise DomainError("物业服务等级应为 1–5", field="service_grade")
    return v


def create_compound(community: Community, values: dict[str, Any], *, actor: User | None, scope: Scope | None) -> Compound:
    if actor is not None:
        require(actor, "compound.edit")
        if not scope.contains(Community, community.id) or not _within_community(scope, community.id):
            raise Forbidden("该社区不在您的管理范围内")
    v = _validate_compound(values)
    if "management_mode" not in v:
        raise DomainError("请选择管理模式", field="management_mode")
    if db.session.scalar(select(Compound.id).where(Compound.community_id == community.id, Compound.name == v["name"])):
        raise Conflict("该社区已有同名小区", field="name")
    compound = Compound(community_id=community.id, **v)
    db.session.add(compound)
    db.session.flush()
    audit.record("compound.create", compound, actor=actor, changes={k: [None, x] for k, x in v.items()})
    return compound


def _within_community(scope: Scope, community_id: int) -> bool:
    return db.session.scalar(select(func.count()).where(Community.id == community_id, Community.id.in_(scope.within_communities))) > 0


def update_compound(compound: Compound, values: dict[str, Any], *, actor: User | None, scope: Scope | None) -> Compound:
    if actor is not None:
        require(actor, "compound.edit")
        if not scope.contains(Compound, compound.id):
            raise Forbidden("该小区不在您的管理范围内")
    v = _validate_compound(values)
    if "name" in v and v["name"] != compound.name and db.session.scalar(
        select(Compound.id).where(Compound.community_id == compound.community_id, Compound.name == v["name"])
    ):
        raise Conflict("该社区已有同名小区", field="name")
    changes = _apply(compound, v)
    if changes:
        db.session.flush()
        audit.record("compound.update", compound, actor=actor, changes=changes)
    return compound


def set_renovation_item(
    compound: Compound, *, name: str, is_completed: bool, completed_on: date | None = None,
    warranty_until: date | None = None, note: str | None = None, actor: User | None, scope: Scope | None,
) -> RenovationItem:
    """Add a renovation item, or update the one of the same name (completion, warranty)."""
    if actor is not None:
        require(actor, "compound.edit")
        if not scope.contains(Compound, compound.id):
            raise Forbidden("该小区不在您的管理范围内")
    name = _clean(name)
    if not name:
        raise DomainError("请填写改造内容", field="name")
    if completed_on and not is_completed:
        raise DomainError("填写了完成日期，请勾选已完成", field="is_completed")
    item = db.session.scalar(
        select(RenovationItem).where(RenovationItem.compound_id == compound.id, RenovationItem.name == name)
    )
    values = {"is_completed": is_completed, "completed_on": completed_on, "warranty_until": warranty_until, "note": note}
    if item is None:
        item = RenovationItem(compound_id=compound.id, name=name, **values)
        db.session.add(item)
        changes = {"name": [None, name], **{k: [None, x] for k, x in values.items()}}
    else:
        changes = _apply(item, values)
    db.session.flush()
    if changes:
        audit.record("renovation_item.set", item, actor=actor, place=compound, changes=changes)
    return item


# -- buildings, units, households ---------------------------------------------------------------
def _check_household_edit(actor: User | None, scope: Scope | None, compound_id: int) -> None:
    if actor is None:
        return
    require(actor, "household.edit")
    if not scope.contains(Compound, compound_id):
        raise Forbidden("该小区不在您的管理范围内")


def get_or_create_building(
    compound: Compound, name: str, *, actor: User | None, scope: Scope | None,
    floors: int | None = None, has_elevator: bool | None = None,
) -> Building:
    _check_household_edit(actor, scope, compound.id)
    name = _clean(name)
    if not name:
        raise DomainError("请填写楼栋号", field="building")
    if floors is not None and not (1 <= floors <= 120):
        raise DomainError("楼层数应在 1–120 之间", field="floors")
    building = db.session.scalar(select(Building).where(Building.compound_id == compound.id, Building.name == name))
    if building is None:
        building = Building(compound_id=compound.id, name=name, floors=floors, has_elevator=bool(has_elevator))
        db.session.add(building)
        db.session.flush()
        audit.record("building.create", building, actor=actor, changes={"name": name, "floors": floors})
    else:
        values = {}
        if floors is not None:
            values["floors"] = floors
        if has_elevator is not None:
            values["has_elevator"] = has_elevator
        changes = _apply(building, values)
        if changes:
            audit.record("building.update", building, actor=actor, changes=changes)
    return building


def get_or_create_unit(building: Building, name: str, *, actor: User | None, scope: Scope | None) -> Unit:
    _check_household_edit(actor, scope, building.compound_id)
    name = _clean(name)
    if not name:
        raise DomainError("请填写单元号", field="unit")
    unit = db.session.scalar(select(Unit).where(Unit.building_id == building.id, Unit.name == name))
    if unit is None:
        unit = Unit(building_id=building.id, compound_id=building.compound_id, name=name)
        db.session.add(unit)
        db.session.flush()
        audit.record("unit.create", unit, actor=actor, changes={"name": name, "building_id": building.id})
    return unit


def _validate_household(values: dict[str, Any]) -> dict[str, Any]:
    v: dict[str, Any] = {}
    if "room_no" in values:
        v["room_no"] = _clean(values["room_no"])
        if not v["room_no"]:
            raise DomainError("请填写房号", field="room_no")
        if len(v["room_no"]) > 20:
            raise DomainError("房号过长", field="room_no")
    if "floor" in values:
        try:
            v["floor"] = int(values["floor"])
        except (TypeError, ValueError):
            raise DomainError("楼层必须是整数", field="floor") from None
        if not (-5 <= v["floor"] <= 120):
            raise DomainError("楼层应在 -5–120 之间", field="floor")
    if "area_m2" in values:
        v["area_m2"] = parse_area(values["area_m2"])
    if "is_sold_public_housing" in values:
        v["is_sold_public_housing"] = bool(values["is_sold_public_housing"])
    if "note" in values:
        v["note"] = _clean(values["note"]) or None
    return v


def create_household(unit: Unit, values: dict[str, Any], *, actor: User | None, scope: Scope | None) -> Household:
    _check_household_edit(actor, scope, unit.compound_id)
    v = _validate_household(values)
    for required in ("room_no", "floor", "area_m2"):
        if required not in v:
            raise DomainError("此项必填", field=required)
    if db.session.scalar(select(Household.id).where(Household.unit_id == unit.id, Household.room_no == v["room_no"])):
        raise Conflict("该单元已有此房号", field="room_no")
    household = Household(compound_id=unit.compound_id, building_id=unit.building_id, unit_id=unit.id, **v)
    db.session.add(household)
    db.session.flush()
    audit.record("household.create", household, actor=actor, changes={k: [None, x] for k, x in v.items()})
    return household


def update_household(household: Household, values: dict[str, Any], *, actor: User | None, scope: Scope | None) -> Household:
    """Edit room, floor, area (area changes are audited: they move fund apportionments)."""
    _check_household_edit(actor, scope, household.compound_id)
    if household.status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已灭失，不能修改", field="status")
    v = _validate_household(values)
    if "room_no" in v and v["room_no"] != household.room_no and db.session.scalar(
        select(Household.id).where(Household.unit_id == household.unit_id, Household.room_no == v["room_no"])
    ):
        raise Conflict("该单元已有此房号", field="room_no")
    changes = _apply(household, v)
    if changes:
        db.session.flush()
        audit.record("household.update", household, actor=actor, changes=changes)
    return household


# -- persons, ownership, residency -------------------------------------------------------------
def normalise_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    digits = "".join(ch for ch in str(phone) if ch.isdigit())
    if not digits:
        return None
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not (7 <= len(digits) <= 12):
        raise DomainError("手机号/电话号码格式不正确", field="phone")
    return digits


def find_or_create_person(name: str, phone: str | None, *, is_organisation: bool = False) -> Person:
    """The same name and phone is the same person; without a phone, a new person each time."""
    name = _clean(name)
    if not name:
        raise DomainError("请填写姓名", field="name")
    if len(name) > 64:
        raise DomainError("姓名过长", field="name")
    phone = normalise_phone(phone)
    if phone:
        person = db.session.scalar(select(Person).where(Person.name == name, Person.phone == phone))
        if person is not None:
            return person
    person = Person(name=name, phone=phone, is_organisation=is_organisation)
    db.session.add(person)
    db.session.flush()
    return person


def current_owners(household: Household) -> list[Ownership]:
    return list(
        db.session.scalars(
            select(Ownership)
            .options(joinedload(Ownership.person))
            .where(Ownership.household_id == household.id, Ownership.ended_on.is_(None))
            .order_by(Ownership.id)
        )
    )


def add_owner(
    household: Household, person: Person, *, started_on: date, actor: User | None, scope: Scope | None
) -> Ownership:
    """Register a (co-)owner of a household."""
    _check_household_edit(actor, scope, household.compound_id)
    if household.status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已灭失", field="household_id")
    if any(o.person_id == person.id for o in current_owners(household)):
        raise Conflict("此人已是该户的业主", field="person")
    ownership = Ownership(household_id=household.id, person_id=person.id, started_on=started_on)
    db.session.add(ownership)
    db.session.flush()
    audit.record(
        "ownership.start", ownership, actor=actor, place=household,
        changes={"household_id": household.id, "person_id": person.id, "started_on": started_on},
    )
    return ownership


def transfer_ownership(
    household: Household, new_owners: list[Person], *, on: date, actor: User | None, scope: Scope | None,
) -> list[Ownership]:
    """过户: a sale ends every current ownership on `on` and starts the buyers' (history kept)."""
    _check_household_edit(actor, scope, household.compound_id)
    if not new_owners:
        raise DomainError("请填写新业主", field="owners")
    if household.status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已灭失，不能过户", field="household_id")
    current = current_owners(household)
    for ownership in current:
        if on < ownership.started_on:
            raise DomainError("过户日期早于现业主的产权开始日期", field="on")
    for ownership in current:
        ownership.ended_on = on
        ownership.end_reason = OwnershipEnd.SALE
    started = []
    for person in dict.fromkeys(new_owners):  # de-duplicate, keep order
        o = Ownership(household_id=household.id, person_id=person.id, started_on=on)
        db.session.add(o)
        started.append(o)
    db.session.flush()
    audit.record(
        "ownership.transfer", household, actor=actor,
        changes={
            "from": [o.person_id for o in current],
            "to": [o.person_id for o in started],
            "on": on,
        },
    )
    return started


def add_resident(
    household: Household, person: Person, *, relation: Relation | str, started_on: date,
    actor: User | None, scope: Scope | None,
) -> Residency:
    _check_household_edit(actor, scope, household.compound_id)
    try:
        relation = Relation(relation)
    except ValueError:
        raise DomainError("与业主关系无效", field="relation") from None
    exists = db.session.scalar(
        select(Residency.id).where(
            Residency.household_id == household.id, Residency.person_id == person.id, Residency.ended_on.is_(None)
        )
    )
    if exists:
        raise Conflict("此人已登记为该户住户", field="person")
    residency = Residency(household_id=household.id, person_id=person.id, relation=relation, started_on=started_on)
    db.session.add(residency)
    db.session.flush()
    audit.record(
        "residency.start", residency, actor=actor, place=household,
        changes={"person_id": person.id, "relation": relation, "started_on": started_on},
    )
    return residency


def end_residency(residency: Residency, *, on: date, actor: User | None, scope: Scope | None) -> Residency:
    household = db.session.get(Household, residency.household_id)
    _check_household_edit(actor, scope, household.compound_id)
    if residency.ended_on is not None:
        raise DomainError("该住户已迁出", field="residency")
    if on < residency.started_on:
        raise DomainError("迁出日期早于入住日期", field="on")
    residency.ended_on = on
    db.session.flush()
    audit.record("residency.end", residency, actor=actor, place=household, changes={"ended_on": [None, on]})
    return residency


# -- search ---------------------------------------------------------------------------------------
def search_households(scope: Scope, *, q: str | None = None, compound_id: int | None = None,
                      building: str | None = None, room: str | None = None):
    """A scoped select of households by compound/building/room, or by an owner's name or phone."""
    stmt = (
        scope.select(Household)
        .join(Household.building)
        .join(Household.unit)
        .join(Household.compound)
        .options(
            joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound)
        )
    )
    if compound_id:
        stmt = stmt.where(Household.compound_id == compound_id)
    if building:
        stmt = stmt.where(Building.name.contains(building.strip()))
    if room:
        stmt = stmt.where(Household.room_no.contains(room.strip()))
    if q:
        q = q.strip()
        owners = (
            select(Ownership.household_id)
            .join(Person, Person.id == Ownership.person_id)
            .where(Ownership.ended_on.is_(None), or_(Person.name.contains(q), Person.phone.contains(q)))
        )
        stmt = stmt.where(or_(Household.id.in_(owners), Household.room_no == q, Compound.name.contains(q)))
    return stmt.order_by(Compound.name, Building.name, Household.room_no, Household.id)
