"""What the lists read: motions in scope (by status, compound, or those awaiting the owner's vote) and the
owner's dwellings that vote on a motion."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.extensions import db
from pm.models import Household, Role, Unit, User
from pm.models.motions import Motion, MotionStatus
from pm.models.votes import Ballot
from pm.services import votes
from pm.services.motions.workflow import decision_of

LIST_OPTIONS = (joinedload(Motion.compound), joinedload(Motion.unit).joinedload(Unit.building))


def motions_stmt(scope: Scope, *, status: str | None = None, compound_id: int | None = None,
                 due_for: User | None = None) -> Select:
    """Motions the caller may see, newest first; due_for: only those awaiting a ballot of that owner."""
    stmt = scope.select(Motion).options(*LIST_OPTIONS).order_by(Motion.id.desc())
    if status:
        stmt = stmt.where(Motion.status == MotionStatus(status))
    if compound_id:
        stmt = stmt.where(Motion.compound_id == compound_id)
    if due_for is not None:
        stmt = stmt.where(Motion.status == MotionStatus.VOTING, Motion.decision_id.in_(due_decisions(due_for)))
    return stmt


def due_decisions(user: User) -> Select:
    """Open decisions awaiting a ballot of one of the owner's dwellings (the vote engine's query)."""
    if user.role != Role.OWNER or user.person_id is None:
        return select(Motion.decision_id).where(Motion.id.is_(None))
    return votes.awaiting_ballot(user)


def my_households(motion: Motion, user: User) -> list[Household]:
    decision = decision_of(motion)
    return votes.my_households(decision, user) if decision is not None else []


def my_ballots(motion: Motion, households: list[Household], scope: Scope) -> dict[int, Ballot]:
    decision = decision_of(motion)
    if decision is None:
        return {}
    return votes.ballots_by_household(decision, [h.id for h in households], scope)


def paper_voters(motion: Motion, scope: Scope) -> list[tuple[Household, object]]:
    decision = decision_of(motion)
    return votes.owners_without_ballot(decision, scope) if decision is not None else []


def units_of(compound_id: int, scope: Scope) -> list[Unit]:
    """The compound's units (for choosing an elevator motion's unit)."""
    return list(db.session.scalars(scope.select(Unit).options(joinedload(Unit.building))
                                   .where(Unit.compound_id == compound_id).order_by(Unit.building_id, Unit.name)))
