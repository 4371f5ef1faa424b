"""楼栋与单元: buildings and units (entrances) of a compound, and a building's page."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Building, Compound, Household, Ownership, Unit, User
from pm.services import audit
from pm.services.registry.common import apply_values, clean, permit_household_edit
from pm.services.registry.people import owners_by_household

logger = logging.getLogger(__name__)


def _named(model, parent_column, parent_id: int, name: str):
    return db.session.scalar(select(model).where(parent_column == parent_id, model.name == name))


def get_or_create_building(compound: Compound, name: str, *, scope: Scope, actor: User | None,
                           floors: int | None = None, has_elevator: bool | None = None) -> Building:
    """The compound's building of that name (its floors and elevator updated when given), created if missing."""
    permit_household_edit(scope, actor, compound.id)
    name = clean(name)
    if not name:
        raise DomainError("请填写楼栋号", field="building")
    if floors is not None and not (1 <= floors <= 120):
        raise DomainError("楼层数应在 1–120 之间", field="floors")
    building = _named(Building, Building.compound_id, compound.id, name)
    if building is None:
        building = Building(compound_id=compound.id, name=name, floors=floors, has_elevator=bool(has_elevator))
        db.session.add(building)
        db.session.flush()
        audit.record("building.create", building, actor=actor, changes={"name": name, "floors": floors})
        return building
    values = {}
    if floors is not None:
        values["floors"] = floors
    if has_elevator is not None:
        values["has_elevator"] = has_elevator
    changes = apply_values(building, values)
    if changes:
        audit.record("building.update", building, actor=actor, changes=changes)
    return building


def create_building(compound: Compound, name: str, *, scope: Scope, actor: User | None,
                    floors: int | None = None, has_elevator: bool = False) -> Building:
    """A new building; a name already used in the compound is a Conflict."""
    permit_household_edit(scope, actor, compound.id)
    if _named(Building, Building.compound_id, compound.id, clean(name)) is not None:
        raise Conflict("该小区已有同名楼栋", field="name")
    return get_or_create_building(compound, name, scope=scope, actor=actor, floors=floors, has_elevator=has_elevator)


def get_or_create_unit(building: Building, name: str, *, scope: Scope, actor: User | None) -> Unit:
    """The building's unit of that name, created if missing."""
    permit_household_edit(scope, actor, building.compound_id)
    name = clean(name)
    if not name:
        raise DomainError("请填写单元号", field="unit")
    unit = _named(Unit, Unit.building_id, building.id, name)
    if unit is None:
        unit = Unit(building_id=building.id, compound_id=building.compound_id, name=name)
        db.session.add(unit)
        db.session.flush()
        audit.record("unit.create", unit, actor=actor, changes={"name": name, "building_id": building.id})
    return unit


def create_unit(building: Building, name: str, *, scope: Scope, actor: User | None) -> Unit:
    """A new unit; a name already used in the building is a Conflict."""
    permit_household_edit(scope, actor, building.compound_id)
    if _named(Unit, Unit.building_id, building.id, clean(name)) is not None:
        raise Conflict("该楼栋已有同名单元", field="name")
    return get_or_create_unit(building, name, scope=scope, actor=actor)


# -- reads -----------------------------------------------------------------------------------------
def of_compound(scope: Scope, compound_id: int) -> Select:
    """The compound's buildings in scope, by name."""
    return scope.select(Building).where(Building.compound_id == compound_id).order_by(Building.name, Building.id)


def units_of(scope: Scope, building_ids: list[int]) -> dict[int, list[Unit]]:
    """building id → its units in scope, by name (one query)."""
    out: dict[int, list[Unit]] = defaultdict(list)
    if building_ids:
        stmt = scope.select(Unit).where(Unit.building_id.in_(building_ids)).order_by(Unit.name, Unit.id)
        for unit in db.session.scalars(stmt):
            out[unit.building_id].append(unit)
    return {bid: out[bid] for bid in building_ids}


@dataclass
class BuildingPage:
    """A building with its households (unit, floor, room order) and their current owners."""

    building: Building
    households: list[Household]
    owners: dict[int, list[Ownership]]


def building_page(scope: Scope, building_id: int, *, actor: User | None) -> BuildingPage:
    """What a building's page shows, for registry viewers (three queries)."""
    authorise(scope, actor, "registry.view")
    building = scope.get(Building, building_id, options=(joinedload(Building.compound),))
    households = list(db.session.scalars(
        scope.select(Household)
        .where(Household.building_id == building.id)
        .options(joinedload(Household.unit))
        .join(Household.unit)
        .order_by(Unit.name, Household.floor, Household.room_no)
    ))
    return BuildingPage(building, households, owners_by_household(scope, [h.id for h in households]))
