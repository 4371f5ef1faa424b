"""投票回执: the receipt of one ballot — when, on what, for which dwelling, which choice — with a receipt number the
owner can quote. The number is the decision, the ballot and a check of the ballot's content (so a receipt
number names one ballot and shows a change of it); it is derived, not stored, and shown only to those who may
see the ballot."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.errors import NotFound
from pm.extensions import db
from pm.models import Household, Ownership, User
from pm.models.votes import Ballot, Decision
from pm.timeutil import to_local

def _check(ballot: Ballot) -> str:
    cast = to_local(ballot.cast_at).strftime("%Y%m%d%H%M%S")
    text = f"{ballot.id}|{ballot.decision_id}|{ballot.household_id}|{ballot.person_id}|{ballot.choice}|{cast}"
    return hashlib.sha256(text.encode()).hexdigest()[:6].upper()


def receipt_number(ballot: Ballot) -> str:
    """回执号 "<decision>-<ballot, 6 digits>-<check>", e.g. 12-000345-9F3A1C."""
    return f"{ballot.decision_id}-{ballot.id:06d}-{_check(ballot)}"


@dataclass
class Receipt:
    number: str
    ballot: Ballot
    decision: Decision

    def as_dict(self) -> dict:
        b = self.ballot
        return {"receipt_no": self.number, "ballot_id": b.id, "decision_id": b.decision_id,
                "subject_kind": self.decision.subject_kind, "subject_id": self.decision.subject_id,
                "title": self.decision.title, "household_id": b.household_id, "household": b.household.label,
                "person_id": b.person_id, "person_name": b.person.name, "choice": b.choice.value,
                "is_paper": b.is_paper, "entered_by_id": b.entered_by_id, "cast_at": b.cast_at}


def _may_see(ballot: Ballot, user: User | None, scope: Scope) -> bool:
    """Officials and the committee: any ballot in scope. Household-bound users (owners, residents): only the
    voter, or a current owner of the dwelling — a tenant living there does not see how the owner voted."""
    if scope.is_system or not scope.is_household_bound:
        return True
    if user is None or user.person_id is None:
        return False
    if ballot.person_id == user.person_id:
        return True
    return db.session.scalar(select(Ownership.id).where(
        Ownership.household_id == ballot.household_id, Ownership.person_id == user.person_id,
        Ownership.ended_on.is_(None))) is not None


def receipt(ballot_id: int, *, user: User | None, scope: Scope, decision_id: int | None = None) -> Receipt:
    """The receipt of a ballot the user may see (else NotFound, as for any record out of scope); with
    decision_id the ballot must belong to that decision."""
    ballot = db.session.scalar(
        scope.filter(select(Ballot), Ballot).where(Ballot.id == ballot_id)
        .options(joinedload(Ballot.person), joinedload(Ballot.household).joinedload(Household.building),
                 joinedload(Ballot.household).joinedload(Household.unit)))
    if ballot is None or (decision_id is not None and ballot.decision_id != decision_id) \
            or not _may_see(ballot, user, scope):
        raise NotFound("该投票回执不存在或不在您的权限范围内")
    return Receipt(receipt_number(ballot), ballot, db.session.get(Decision, ballot.decision_id))

