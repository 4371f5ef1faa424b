"""Scope rules of votes: decisions by compound; ballots — an owner sees their household's, officials and the
owners' committee every ballot of the decisions they may see."""
from __future__ import annotations

from sqlalchemy import select

from pm.access import Scope, register_rules
from pm.models.votes import Ballot, Decision, ElectorateEntry


def _visible_decisions(s: Scope):
    return select(Decision.id).where(Decision.compound_id.in_(s.compound_ids))


register_rules({
    Decision: lambda s: Decision.compound_id.in_(s.compound_ids),
    ElectorateEntry: lambda s: ElectorateEntry.decision_id.in_(_visible_decisions(s)),
    Ballot: lambda s: Ballot.household_id.in_(s.household_ids) if s.household_ids is not None
    else Ballot.decision_id.in_(_visible_decisions(s)),
})
