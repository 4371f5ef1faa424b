"""户: register and edit households (房屋) in a unit; a household with its owners and residents."""
from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import (
    Household,
    HouseholdStatus,
    Ownership,
    Person,
    Residency,
    Unit,
    User,
)
from pm.services import audit
from pm.services.registry.areas import parse_area
from pm.services.registry.common import apply_values, clean, permit_household_edit
from pm.services.registry.people import ownerships_of, residencies_of

logger = logging.getLogger(__name__)

HOUSEHOLD_OPTIONS = (joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound))
FLOOR_MIN, FLOOR_MAX = -5, 120
MAX_ROOM = 20


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    v: dict[str, Any] = {}
    if "room_no" in values:
        v["room_no"] = clean(values["room_no"])
        if not v["room_no"]:
            raise DomainError("请填写房号", field="room_no")
        if len(v["room_no"]) > MAX_ROOM:
            raise DomainError("房号过长", field="room_no")
    if "floor" in values:
        try:
            v["floor"] = int(values["floor"])
        except (TypeError, ValueError):
            raise DomainError("楼层必须是整数", field="floor") from None
        if not (FLOOR_MIN <= v["floor"] <= FLOOR_MAX):
            raise DomainError("楼层应在 -5–120 之间", field="floor")
    if "area_m2" in values:
        v["area_m2"] = parse_area(values["area_m2"])
    if "is_sold_public_housing" in values:
        v["is_sold_public_housing"] = bool(values["is_sold_public_housing"])
    if "note" in values:
        v["note"] = clean(values["note"]) or None
    return v


def _room_taken(unit_id: int, room_no: str) -> bool:
    return db.session.scalar(select(Household.id).where(Household.unit_id == unit_id, Household.room_no == room_no)) \
        is not None


def create_household(unit: Unit, values: dict[str, Any], *, scope: Scope, actor: User | None) -> Household:
    """A new household in a unit (room, floor and area required; the room unique in the unit)."""
    permit_household_edit(scope, actor, unit.compound_id)
    v = _validate(values)
    for required in ("room_no", "floor", "area_m2"):
        if required not in v:
            raise DomainError("此项必填", field=required)
    if _room_taken(unit.id, v["room_no"]):
        raise Conflict("该单元已有此房号", field="room_no")
    household = Household(compound_id=unit.compound_id, building_id=unit.building_id, unit_id=unit.id, **v)
    db.session.add(household)
    db.session.flush()
    audit.record("household.create", household, actor=actor, changes={k: [None, x] for k, x in v.items()})
    return household


def update_household(household: Household, values: dict[str, Any], *, scope: Scope, actor: User | None) -> Household:
    """Edit room, floor, area or note (area changes are audited: they move fund apportionments)."""
    permit_household_edit(scope, actor, household.compound_id)
    if household.status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已灭失，不能修改", field="status")
    v = _validate(values)
    if "room_no" in v and v["room_no"] != household.room_no and _room_taken(household.unit_id, v["room_no"]):
        raise Conflict("该单元已有此房号", field="room_no")
    changes = apply_values(household, v)
    if changes:
        db.session.flush()
        audit.record("household.update", household, actor=actor, changes=changes)
    return household


# -- reads -----------------------------------------------------------------------------------------
def get_household(scope: Scope, household_id: int) -> Household:
    """A household in scope with its building, unit and compound (NotFound otherwise)."""
    return scope.get(Household, household_id, options=HOUSEHOLD_OPTIONS)


class HouseholdDetail:
    """A household with its owners and residents, current and past, as the scope may see them.

    Owners and residents are each loaded once, on first use (the owners list of the API needs no residents)."""

    def __init__(self, scope: Scope, household: Household):
        self.scope = scope
        self.household = household

    @cached_property
    def ownerships(self) -> list[Ownership]:
        """Every ownership, oldest first."""
        return ownerships_of(self.scope, self.household.id)

    @cached_property
    def residencies(self) -> list[Residency]:
        """Every residency, oldest first."""
        return residencies_of(self.scope, self.household.id)

    @property
    def current_owners(self) -> list[Ownership]:
        return [o for o in self.ownerships if o.is_current]

    @property
    def past_owners(self) -> list[Ownership]:
        return [o for o in self.ownerships if not o.is_current]

    @property
    def owner_persons(self) -> list[Person]:
        return [o.person for o in self.current_owners]

    @property
    def current_residents(self) -> list[Residency]:
        return [r for r in self.residencies if r.ended_on is None]

    @property
    def past_residents(self) -> list[Residency]:
        return [r for r in self.residencies if r.ended_on is not None]


def detail(scope: Scope, household_id: int) -> HouseholdDetail:
    """A household in scope (owners and residents see only their own) with its owners and residents."""
    return HouseholdDetail(scope, get_household(scope, household_id))
