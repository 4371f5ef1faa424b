"""查找住户: households by compound, building, room, or an owner's name or phone, within a scope."""
from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.models import Building, Compound, Household, Ownership, Person


def search_households(scope: Scope, *, q: str | None = None, compound_id: int | None = None,
                      building: str | None = None, room: str | None = None, without_owner: bool = False) -> Select:
    """A scoped select of households (place loaded), by compound/building/room, by an owner's name or phone, or
    without a current owner; ordered by compound, building and room."""
    stmt = (
        scope.select(Household)
        .join(Household.building)
        .join(Household.unit)
        .join(Household.compound)
        .options(joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound))
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
    if without_owner:
        stmt = stmt.where(Household.id.not_in(select(Ownership.household_id).where(Ownership.ended_on.is_(None))))
    return stmt.order_by(Compound.name, Building.name, Household.room_no, Household.id)
