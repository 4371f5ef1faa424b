"""写入: an import's plan written in bulk in the current transaction, with an audit row per changed household."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    Household,
    HouseholdStatus,
    Ownership,
    OwnershipEnd,
    Person,
    Unit,
    User,
)
from pm.services import audit
from pm.services.imports.planning import Plan
from pm.services.imports.validating import BuildingSpec

logger = logging.getLogger(__name__)

CHUNK = 500


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _person_ids(owner_lists: list[list[tuple[str, str | None]]]) -> list[list[int]]:
    """Person ids for each owner list, reusing a person with the same name and phone.

    Same rule as registry.people.find_or_create_person: a person is identified by name and phone across
    the county (one owner may hold homes in several compounds), without a phone a new person each time.
    The lookup is not scope-filtered on purpose: it only resolves identities and shows nothing.
    """
    phones = sorted({phone for owners in owner_lists for _, phone in owners if phone})
    known: dict[tuple[str, str], int] = {}
    for chunk in _chunks(phones):
        for pid, name, phone in db.session.execute(
            select(Person.id, Person.name, Person.phone).where(Person.phone.in_(chunk)).order_by(Person.id)
        ):
            known.setdefault((name, phone), pid)
    new_rows: list[dict] = []
    slots: list[list[Any]] = []
    pending: dict[tuple[str, str], int] = {}
    for owners in owner_lists:
        ids: list[Any] = []
        for name, phone in owners:
            if phone and (name, phone) in known:
                ids.append(known[(name, phone)])
            elif phone and (name, phone) in pending:
                ids.append(("new", pending[(name, phone)]))
            else:
                new_rows.append({"name": name, "phone": phone, "is_organisation": False})
                if phone:
                    pending[(name, phone)] = len(new_rows) - 1
                ids.append(("new", len(new_rows) - 1))
        slots.append(ids)
    created: list[int] = []
    for chunk in _chunks(new_rows):
        created.extend(
            db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), chunk).all()
        )
    return [[created[i[1]] if isinstance(i, tuple) else i for i in ids] for ids in slots]


def apply_plan(work: Plan, compound: Compound, *, actor: User | None) -> dict[str, int]:
    """Write the plan in the current transaction, in bulk; audit area/owner changes per household."""
    buildings: dict[str, int] = {}
    new_buildings = []
    for item in work.buildings_create:
        spec = item if isinstance(item, BuildingSpec) else None
        name = spec.name if spec else item
        building = Building(
            compound_id=compound.id, name=name, floors=spec.floors if spec else None,
            has_elevator=bool(spec.has_elevator) if spec else False,
        )
        new_buildings.append(building)
    db.session.add_all(new_buildings)
    db.session.flush()
    for ids in _chunks([bid for bid, _ in work.buildings_update]):
        loaded = {b.id: b for b in db.session.scalars(select(Building).where(Building.id.in_(ids)))}
        for bid, changes in work.buildings_update:
            if bid in loaded:
                for key, (_old, new) in changes.items():
                    setattr(loaded[bid], key, new)
                audit.record("building.update", loaded[bid], actor=actor, changes=changes)
    buildings.update({name: bid for bid, name in db.session.execute(
        select(Building.id, Building.name).where(Building.compound_id == compound.id)
    )})

    new_units = [Unit(building_id=buildings[b], compound_id=compound.id, name=u) for b, u in work.units_create]
    db.session.add_all(new_units)
    db.session.flush()
    units = {(bid, name): uid for uid, bid, name in db.session.execute(
        select(Unit.id, Unit.building_id, Unit.name).where(Unit.compound_id == compound.id)
    )}
    building_names = {bid: name for name, bid in buildings.items()}

    household_ids: dict[tuple[str, str, str], int] = {}
    rows = []
    for spec in work.households_create:
        bid = buildings[spec.building]
        rows.append({
            "compound_id": compound.id, "building_id": bid, "unit_id": units[(bid, spec.unit)],
            "room_no": spec.room, "floor": spec.floor, "area_m2": spec.area,
            "is_sold_public_housing": spec.sold, "note": spec.note, "status": HouseholdStatus.ACTIVE,
        })
    unit_keys = {uid: (building_names[bid], name) for (bid, name), uid in units.items()}
    for chunk in _chunks(rows):
        for hid, unit_id, room in db.session.execute(
            insert(Household).returning(Household.id, Household.unit_id, Household.room_no), chunk
        ):
            household_ids[(*unit_keys[unit_id], room)] = hid

    # Existing households that change: load them once (chunked), set values, audit each.
    changed_ids = sorted({hid for hid, _ in work.households_update}
                         | {oc.household_id for oc in work.owner_changes if oc.household_id})
    loaded: dict[int, Household] = {}
    for ids in _chunks(changed_ids):
        loaded.update({h.id: h for h in db.session.scalars(select(Household).where(Household.id.in_(ids)))})
    for hid, changes in work.households_update:
        household = loaded[hid]
        for key, (_old, new) in changes.items():
            setattr(household, key, Decimal(new) if key == "area_m2" else new)
        audit.record("household.update", household, actor=actor, changes=changes)
    db.session.flush()

    # Owners: end the replaced ownerships (登记更正), start the new ones.
    person_ids = _person_ids([oc.owners for oc in work.owner_changes])
    ended = [
        {"id": o.ownership_id, "ended_on": oc.on, "end_reason": OwnershipEnd.CORRECTION}
        for oc in work.owner_changes for o in oc.end
    ]
    for chunk in _chunks(ended):
        db.session.execute(update(Ownership), chunk)
    starts = []
    for oc, pids in zip(work.owner_changes, person_ids):
        hid = oc.household_id or household_ids[oc.key]
        for pid in dict.fromkeys(pids):
            starts.append({"household_id": hid, "person_id": pid, "started_on": oc.on})
        if oc.household_id:
            action = "ownership.correct" if oc.end else "ownership.start"
            audit.record(action, loaded[hid], actor=actor, changes={
                "from": [o.person_id for o in oc.end], "to": list(dict.fromkeys(pids)), "on": oc.on,
                "end_reason": OwnershipEnd.CORRECTION if oc.end else None,
            })
    for chunk in _chunks(starts):
        db.session.execute(insert(Ownership), chunk)
    db.session.flush()
    logger.info("import into %r: %r", compound, work.counts)
    return dict(work.counts)
