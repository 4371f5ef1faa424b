"""表决票: one ballot per dwelling — online by a current owner of it, or on paper entered by someone the caller
authorised — and the reads around them (my dwellings, who has not voted, decisions awaiting my vote)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    Compound,
    Household,
    HouseholdStatus,
    Ownership,
    Person,
    Role,
    User,
)
from pm.models.votes import (
    Ballot,
    Decision,
    DecisionStatus,
    ElectorateEntry,
    VoteChoice,
)
from pm.services import audit
from pm.services.votes.tally import electorate_stmt
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)


def _current_owners(household_id: int) -> set[int]:
    return set(db.session.scalars(select(Ownership.person_id).where(
        Ownership.household_id == household_id, Ownership.ended_on.is_(None))))


def cast_ballot(
    decision: Decision,
    household: Household,
    choice: VoteChoice | str,
    *,
    actor: User,
    scope: Scope,
    person: Person | None = None,
    paper: bool = False,
    paper_authorised: bool = False,
    now: datetime | None = None,
) -> Ballot:
    """Record one dwelling's ballot while the decision is open.

    Online: the actor is an owner login whose person currently owns the dwelling (the ballot is theirs).
    Paper (纸质票): the caller has decided the actor may enter paper ballots (paper_authorised) and names the
    current owner who voted; the ballot is marked as paper with who entered it. A second ballot for the
    dwelling is refused, also when a parallel request wins the race (the unique key)."""
    try:
        choice = VoteChoice(choice)
    except ValueError:
        raise DomainError("表决意见必须是同意、反对或弃权", field="choice") from None
    now = now or utcnow()
    if not scope.contains(Compound, decision.compound_id):
        raise Forbidden("该小区不在您的权限范围内")
    today = local_today(now)
    if decision.status != DecisionStatus.OPEN or today < decision.opens_on:
        raise Conflict("该事项不在表决期", field="decision")
    if today > decision.closes_on:
        raise Conflict("表决期已结束", field="decision")
    in_electorate = db.session.scalar(select(
        electorate_stmt(decision).where(ElectorateEntry.household_id == household.id).exists()))
    if not in_electorate:
        raise DomainError("该户不在本次表决的范围内", field="household_id")
    owners = _current_owners(household.id)
    if paper:
        if not paper_authorised:
            raise Forbidden("您无权录入纸质表决票")
        if person is None:
            raise DomainError("请选择投票的业主", field="person_id")
        if person.id not in owners:
            raise DomainError("该人不是这户的现业主", field="person_id")
    else:
        if actor.role != Role.OWNER or actor.person_id is None or actor.person_id not in owners:
            raise Forbidden("只有该户的现业主可以投票")
        person = db.session.get(Person, actor.person_id)
    if db.session.scalar(select(Ballot.id).where(Ballot.decision_id == decision.id,
                                                 Ballot.household_id == household.id)):
        raise Conflict("该户已经投过票，每户只能投一票", field="household_id")
    ballot = Ballot(decision_id=decision.id, household_id=household.id, person_id=person.id, choice=choice,
                    is_paper=bool(paper), entered_by_id=actor.id if paper else None, cast_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(ballot)
    except IntegrityError:  # a parallel ballot for the same dwelling won the race
        raise Conflict("该户已经投过票，每户只能投一票", field="household_id") from None
    audit.record("vote.ballot", ballot, actor=actor, place=household, changes={
        "decision_id": decision.id, "subject": f"{decision.subject_kind}:{decision.subject_id}",
        "household_id": household.id, "person_id": person.id, "choice": choice.value, "is_paper": bool(paper),
    })
    logger.info("ballot %r on %r by %r", ballot, decision, actor)
    return ballot


def my_households(decision: Decision, user: User) -> list[Household]:
    """The user's own dwellings (as a current owner) in the decision's electorate, for the voting page."""
    if user.person_id is None:
        return []
    return list(db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .join(Ownership, (Ownership.household_id == Household.id) & Ownership.ended_on.is_(None))
        .where(Ownership.person_id == user.person_id, Household.id.in_(electorate_stmt(decision)))
        .order_by(Household.id)
    ).unique())


def ballots_by_household(decision: Decision, household_ids: list[int], scope: Scope) -> dict[int, Ballot]:
    """The ballots of some dwellings on the decision that the user may see, by dwelling."""
    if not household_ids:
        return {}
    return {b.household_id: b for b in db.session.scalars(
        scope.select(Ballot).where(Ballot.decision_id == decision.id, Ballot.household_id.in_(household_ids))
    )}


def owners_without_ballot(decision: Decision, scope: Scope) -> list[tuple[Household, Person]]:
    """Every (dwelling, current owner) pair of the electorate whose dwelling has no ballot yet, in door order
    (the choices for entering a paper ballot)."""
    voted = select(Ballot.household_id).where(Ballot.decision_id == decision.id)
    return [tuple(row) for row in db.session.execute(
        scope.filter(select(Household, Person), Household)
        .join(Ownership, (Ownership.household_id == Household.id) & Ownership.ended_on.is_(None))
        .join(Person, Person.id == Ownership.person_id)
        .options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.id.in_(electorate_stmt(decision)), Household.id.not_in(voted))
        .order_by(Household.building_id, Household.unit_id, Household.room_no, Person.id)
    ).all()]


def awaiting_ballot(user: User) -> Select:
    """SELECT of the ids of open decisions where a dwelling the user currently owns is in the electorate and has
    not voted yet (one subquery, for the resident's home page)."""
    mine = select(Ownership.household_id).where(Ownership.person_id == user.person_id, Ownership.ended_on.is_(None))
    unvoted = and_(
        ElectorateEntry.decision_id == Decision.id,
        ElectorateEntry.household_id.in_(mine),
        # correlated on the electorate row (Decision is two levels up and would not correlate: a ballot on any
        # other decision would hide this one)
        ~exists().where(Ballot.decision_id == ElectorateEntry.decision_id,
                        Ballot.household_id == ElectorateEntry.household_id),
        exists().where(Household.id == ElectorateEntry.household_id, Household.status == HouseholdStatus.ACTIVE),
    )
    return select(Decision.id).where(Decision.status == DecisionStatus.OPEN, exists().where(unvoted))
