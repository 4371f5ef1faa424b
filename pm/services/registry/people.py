"""业主与住户: persons, ownership (产权, with its history: 过户, 登记更正) and residency (住户) of households."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import (
    Household,
    HouseholdStatus,
    Ownership,
    OwnershipEnd,
    Person,
    Relation,
    Residency,
    Role,
    User,
)
from pm.services import audit
from pm.services.registry.common import clean, permit_household_edit
from pm.services.text import check_phone

logger = logging.getLogger(__name__)

MAX_NAME = 64


def find_or_create_person(name: str, phone: str | None, *, scope: Scope, actor: User | None,
                          is_organisation: bool = False) -> Person:
    """The same name and phone is the same person; without a phone, a new person each time.

    The lookup spans the county on purpose (one owner may hold homes in several compounds): it only resolves an
    identity for the owner or resident being registered next, and shows nothing."""
    authorise(scope, actor, "household.edit")
    name = clean(name)
    if not name:
        raise DomainError("请填写姓名", field="name")
    if len(name) > MAX_NAME:
        raise DomainError("姓名过长", field="name")
    phone = check_phone(phone)
    if phone:
        person = db.session.scalar(select(Person).where(Person.name == name, Person.phone == phone))
        if person is not None:
            return person
    person = Person(name=name, phone=phone, is_organisation=is_organisation)
    db.session.add(person)
    db.session.flush()
    return person


def current_owners(household: Household) -> list[Ownership]:
    """The household's current ownerships with their persons, in the order they were registered."""
    return list(db.session.scalars(
        select(Ownership)
        .options(joinedload(Ownership.person))
        .where(Ownership.household_id == household.id, Ownership.ended_on.is_(None))
        .order_by(Ownership.id)
    ))


def add_owner(household: Household, person: Person, *, started_on: date, scope: Scope,
              actor: User | None) -> Ownership:
    """Register a (co-)owner of a household from a date."""
    permit_household_edit(scope, actor, household.compound_id)
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


def transfer_ownership(household: Household, new_owners: list[Person], *, on: date, scope: Scope,
                       actor: User | None) -> list[Ownership]:
    """过户: a sale ends every current ownership on `on` and starts the buyers' (history kept)."""
    permit_household_edit(scope, actor, household.compound_id)
    if not new_owners:
        raise DomainError("请填写新业主", field="owners")
    if household.status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已灭失，不能过户", field="household_id")
    current = current_owners(household)
    if any(on < ownership.started_on for ownership in current):
        raise DomainError("过户日期早于现业主的产权开始日期", field="on")
    for ownership in current:
        ownership.ended_on = on
        ownership.end_reason = OwnershipEnd.SALE
    started = []
    for person in dict.fromkeys(new_owners):  # de-duplicate, keep order
        ownership = Ownership(household_id=household.id, person_id=person.id, started_on=on)
        db.session.add(ownership)
        started.append(ownership)
    db.session.flush()
    audit.record(
        "ownership.transfer", household, actor=actor,
        changes={"from": [o.person_id for o in current], "to": [o.person_id for o in started], "on": on},
    )
    logger.info("household %r transferred by %r on %s", household, actor, on)
    return started


def add_resident(household: Household, person: Person, *, relation: Relation | str, started_on: date,
                 scope: Scope, actor: User | None) -> Residency:
    """A family member or tenant moves in."""
    permit_household_edit(scope, actor, household.compound_id)
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


def end_residency(residency: Residency, *, on: date, scope: Scope, actor: User | None) -> Residency:
    """A resident moves out on `on`."""
    household = db.session.get(Household, residency.household_id)
    permit_household_edit(scope, actor, household.compound_id)
    if residency.ended_on is not None:
        raise DomainError("该住户已迁出", field="residency")
    if on < residency.started_on:
        raise DomainError("迁出日期早于入住日期", field="on")
    residency.ended_on = on
    db.session.flush()
    audit.record("residency.end", residency, actor=actor, place=household, changes={"ended_on": [None, on]})
    return residency


# -- reads -----------------------------------------------------------------------------------------
def owners_by_household(scope: Scope, household_ids: list[int]) -> dict[int, list[Ownership]]:
    """household id → its current ownerships in scope with their persons, oldest first (one query, no N+1)."""
    result: dict[int, list[Ownership]] = {hid: [] for hid in household_ids}
    if household_ids:
        for ownership in db.session.scalars(
            scope.select(Ownership)
            .options(joinedload(Ownership.person))
            .where(Ownership.household_id.in_(household_ids), Ownership.ended_on.is_(None))
            .order_by(Ownership.started_on, Ownership.id)
        ):
            result[ownership.household_id].append(ownership)
    return result


def ownerships_of(scope: Scope, household_id: int) -> list[Ownership]:
    """Every ownership of a household in scope, current and past, oldest first, with its person."""
    return list(db.session.scalars(
        scope.select(Ownership).where(Ownership.household_id == household_id)
        .options(joinedload(Ownership.person)).order_by(Ownership.started_on, Ownership.id)
    ))


def residencies_of(scope: Scope, household_id: int) -> list[Residency]:
    """Every residency of a household in scope, current and past, oldest first, with its person."""
    return list(db.session.scalars(
        scope.select(Residency).where(Residency.household_id == household_id)
        .options(joinedload(Residency.person)).order_by(Residency.started_on, Residency.id)
    ))


@dataclass
class PersonPage:
    """A person and the households they own or owned."""

    person: Person
    ownerships: list[Ownership]


def person_page(scope: Scope, person_id: int, *, actor: User | None) -> PersonPage:
    """A person in scope with their ownerships (and each household's place), for registry viewers."""
    authorise(scope, actor, "registry.view")
    person = scope.get(Person, person_id)
    ownerships = list(db.session.scalars(
        scope.select(Ownership).where(Ownership.person_id == person.id)
        .options(joinedload(Ownership.household).joinedload(Household.building),
                 joinedload(Ownership.household).joinedload(Household.unit),
                 joinedload(Ownership.household).joinedload(Household.compound))
        .order_by(Ownership.started_on)
    ))
    return PersonPage(person, ownerships)


def shown_phone(scope: Scope, person: Person | None) -> str | None:
    """A person's phone as the caller may see it: a resident (tenant, family) sees only their own; the owner's
    and other residents' phones stay with officials and the owners of the home."""
    if person is None:
        return None
    if scope.role == Role.RESIDENT and person.id != scope.user.person_id:
        return None
    return person.phone
