"""台账现状: a compound's buildings, units, households and current owners as plain values (five scoped queries)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from pm.access import Scope
from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    Household,
    HouseholdStatus,
    Ownership,
    Person,
    Unit,
)
from pm.services.text import normalise_phone

# Plain values, not ORM rows: the job's progress commits would expire rows between validation and writing.


@dataclass
class BuildingRec:
    """A registered building."""

    id: int
    floors: int | None
    has_elevator: bool


@dataclass
class HouseholdRec:
    """A registered household."""

    id: int
    building_id: int
    unit_id: int
    room_no: str
    floor: int
    area_m2: Decimal
    is_sold_public_housing: bool
    note: str | None
    status: HouseholdStatus


@dataclass
class OwnerRec:
    """A current ownership with its person's name and phone."""

    ownership_id: int
    person_id: int
    name: str
    phone: str | None
    started_on: date


@dataclass
class Snapshot:
    """A compound's buildings (by name), units (by building and name), households (by unit and room), current
    owners (by household) and the last end of an ownership (by household)."""

    buildings: dict[str, BuildingRec]
    units: dict[tuple[int, str], int]
    households: dict[tuple[int, str], HouseholdRec]
    owners: dict[int, list[OwnerRec]]
    last_ended: dict[int, date]


def phone_key(phone: str | None) -> str | None:
    """A registered phone compared as the phone rule writes it (one stored before the rule stays as it is)."""
    try:
        return normalise_phone(phone)
    except DomainError:
        return phone


def load_snapshot(compound: Compound, scope: Scope) -> Snapshot:
    """The compound's registry as plain values (no per-row queries)."""
    buildings = {
        name: BuildingRec(bid, floors, bool(elevator))
        for bid, name, floors, elevator in db.session.execute(scope.filter(
            select(Building.id, Building.name, Building.floors, Building.has_elevator)
            .where(Building.compound_id == compound.id), Building,
        ))
    }
    units = {
        (building_id, name): uid
        for uid, building_id, name in db.session.execute(
            scope.filter(select(Unit.id, Unit.building_id, Unit.name).where(Unit.compound_id == compound.id), Unit)
        )
    }
    households = {}
    for row in db.session.execute(scope.filter(
        select(
            Household.id, Household.building_id, Household.unit_id, Household.room_no, Household.floor,
            Household.area_m2, Household.is_sold_public_housing, Household.note, Household.status,
        ).where(Household.compound_id == compound.id), Household,
    )):
        rec = HouseholdRec(*row)
        rec.area_m2 = Decimal(rec.area_m2).quantize(Decimal("0.01"))
        households[(rec.unit_id, rec.room_no)] = rec
    in_compound = select(Household.id).where(Household.compound_id == compound.id)
    owners: dict[int, list[OwnerRec]] = {}
    for oid, hid, pid, name, phone, started in db.session.execute(scope.filter(
        select(Ownership.id, Ownership.household_id, Person.id, Person.name, Person.phone, Ownership.started_on)
        .join(Person, Person.id == Ownership.person_id)
        .where(Ownership.household_id.in_(in_compound), Ownership.ended_on.is_(None))
        .order_by(Ownership.id), Ownership,
    )):
        owners.setdefault(hid, []).append(OwnerRec(oid, pid, name, phone, started))
    last_ended = dict(db.session.execute(scope.filter(
        select(Ownership.household_id, func.max(Ownership.ended_on))
        .where(Ownership.household_id.in_(in_compound), Ownership.ended_on.is_not(None))
        .group_by(Ownership.household_id), Ownership,
    )).all())
    return Snapshot(buildings, units, households, owners, last_ended)
