"""列支范围: a plan's scope — the whole compound, or listed buildings, units and households — and its households."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Building, Compound, Household, HouseholdStatus, Unit
from pm.models.fund import PlanScope, UsePlan


@dataclass
class Targets:
    """What a plan covers: the whole compound, or listed buildings, units and households."""

    whole: bool = True
    buildings: list[int] = field(default_factory=list)
    units: list[int] = field(default_factory=list)
    households: list[int] = field(default_factory=list)


def scope_rows(compound_id: int, targets: Targets) -> list[PlanScope]:
    """Validate the targets against the compound (every id must belong to it) and build PlanScope rows."""
    if targets.whole:
        return [PlanScope()]
    rows: list[PlanScope] = []
    for ids, model, attr, what in (
        (targets.buildings, Building, "building_id", _l("楼栋")),
        (targets.units, Unit, "unit_id", _l("单元")),
        (targets.households, Household, "household_id", _l("住户")),
    ):
        wanted = sorted({int(i) for i in ids})
        if not wanted:
            continue
        found = set(db.session.scalars(select(model.id).where(model.id.in_(wanted), model.compound_id == compound_id)))
        missing = [i for i in wanted if i not in found]
        if missing:
            raise DomainError("%(what)s %(ids)s 不属于本小区", field="scope", what=what,
                              ids=", ".join(map(str, missing)))
        rows.extend(PlanScope(**{attr: i}) for i in wanted)
    if not rows:
        raise DomainError("请选择列支范围：整个小区，或楼栋、单元、住户", field="scope")
    return rows


def targets_of(compound: Compound, scope: Scope) -> tuple[list[Building], list[Unit], list[Household]]:
    """What a plan of this compound may cover: its buildings, units and households in the user's scope, in door
    order (three scoped queries)."""
    buildings = db.session.scalars(scope.select(Building).where(Building.compound_id == compound.id)
                                   .order_by(Building.name, Building.id)).all()
    units = db.session.scalars(scope.select(Unit).options(joinedload(Unit.building))
                               .where(Unit.compound_id == compound.id).order_by(Unit.building_id, Unit.name, Unit.id)).all()
    households = db.session.scalars(
        scope.select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id)
        .order_by(Household.building_id, Household.unit_id, Household.room_no)).all()
    return list(buildings), list(units), list(households)


def scope_households_stmt(plan: UsePlan) -> Select:
    """SELECT of the active households in the plan's 列支范围 (id, area, sold public housing)."""
    stmt = select(Household.id, Household.area_m2, Household.is_sold_public_housing).where(
        Household.compound_id == plan.compound_id, Household.status == HouseholdStatus.ACTIVE,
    )
    scopes = list(plan.scopes)
    if any(s.building_id is None and s.unit_id is None and s.household_id is None for s in scopes):
        return stmt
    conds = []
    b = [s.building_id for s in scopes if s.building_id]
    u = [s.unit_id for s in scopes if s.unit_id]
    h = [s.household_id for s in scopes if s.household_id]
    if b:
        conds.append(Household.building_id.in_(b))
    if u:
        conds.append(Household.unit_id.in_(u))
    if h:
        conds.append(Household.id.in_(h))
    return stmt.where(or_(*conds)) if conds else stmt.where(Household.id.is_(None))


def scope_household_ids_stmt(plan: UsePlan) -> Select:
    """SELECT of just the ids of the scope's active households (for IN and INSERT … SELECT)."""
    return scope_households_stmt(plan).with_only_columns(Household.id)


def scope_household_ids(plan: UsePlan) -> set[int]:
    """Ids of the active households in the plan's scope."""
    return set(db.session.scalars(scope_household_ids_stmt(plan)))


def describe_scope(plan: UsePlan, *, whole: str = "整个小区") -> list[str]:
    """The scope in words: 整个小区, 3号楼, 3号楼2单元, 3号楼2单元501 (pages pass `whole` in the reader's language;
    the audit log keeps the platform's)."""
    out = []
    for s in plan.scopes:
        if s.household is not None:
            out.append(s.household.label)
        elif s.unit is not None:
            out.append(f"{s.unit.building.name}{s.unit.name}")
        elif s.building is not None:
            out.append(s.building.name)
        else:
            out.append(whole)
    return out
