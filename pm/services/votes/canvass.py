"""上门征集: what the owners' committee needs to collect the missing ballots — the dwellings of a decision that have
not voted yet (door, owners, phones) — and the paper ballots entered so far with who entered them and when."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from pm.access import Scope, authorise
from pm.errors import Forbidden
from pm.extensions import db
from pm.models import Compound, Household, Ownership, Person, User
from pm.models.votes import Ballot, Decision, VoteChoice
from pm.services.votes.tally import electorate_stmt

CAPABILITY = "fund.ballot.paper"  # those who enter paper ballots are those who collect them


@dataclass
class Unvoted:
    """One dwelling of the electorate without a ballot, with its current owners (none: cannot vote yet)."""

    household: Household
    owners: list[Person] = field(default_factory=list)


@dataclass
class PaperEntry:
    """One paper ballot: whose it is, the choice, and the account that entered it and when."""

    ballot_id: int
    household: Household
    person_name: str
    choice: VoteChoice
    entered_by: str  # the entering account's display name (username)
    entered_by_id: int | None
    cast_at: datetime


def _check(decision: Decision, actor: User | None, scope: Scope) -> None:
    authorise(scope, actor, CAPABILITY)
    if not scope.is_system and not scope.contains(Compound, decision.compound_id):
        raise Forbidden("该小区不在您的权限范围内")


def unvoted(decision: Decision, *, actor: User | None, scope: Scope) -> list[Unvoted]:
    """Every dwelling of the decision's electorate in the caller's scope that has no ballot yet, in door order
    (building, unit, room), with its current owners — two queries whatever the number."""
    _check(decision, actor, scope)
    voted = select(Ballot.household_id).where(Ballot.decision_id == decision.id)
    households = list(db.session.scalars(
        scope.filter(select(Household), Household)
        .options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.id.in_(electorate_stmt(decision)), Household.id.not_in(voted))
    ))
    households.sort(key=lambda h: (h.building.name, h.building_id, h.unit.name, h.unit_id, h.room_no, h.id))
    rows = {h.id: Unvoted(h) for h in households}
    if rows:
        for hh_id, person in db.session.execute(
            select(Ownership.household_id, Person).join(Person, Person.id == Ownership.person_id)
            .where(Ownership.household_id.in_(list(rows)), Ownership.ended_on.is_(None))
            .order_by(Ownership.household_id, Person.id)
        ):
            rows[hh_id].owners.append(person)
    return list(rows.values())


def paper_entries(decision: Decision, *, actor: User | None, scope: Scope) -> list[PaperEntry]:
    """The decision's paper ballots in the order they were entered, with the entering account and the time."""
    _check(decision, actor, scope)
    clerk = aliased(User)
    rows = db.session.execute(
        scope.filter(select(Ballot, Person.name, clerk.display_name, clerk.username), Ballot)
        .join(Person, Person.id == Ballot.person_id)
        .outerjoin(clerk, clerk.id == Ballot.entered_by_id)
        .options(joinedload(Ballot.household).joinedload(Household.building),
                 joinedload(Ballot.household).joinedload(Household.unit))
        .where(Ballot.decision_id == decision.id, Ballot.is_paper.is_(True))
        .order_by(Ballot.cast_at, Ballot.id)
    ).all()
    return [PaperEntry(b.id, b.household, name, VoteChoice(b.choice),
                       f"{display} ({username})" if username else "—", b.entered_by_id, b.cast_at)
            for b, name, display, username in rows]
