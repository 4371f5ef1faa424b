"""The vote engine's consent condition (additive): close_decision(consent=[...]) rejects a decision that passes by
the tally when a listed dwelling did not vote yes; without it, the tally alone decides as before."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pm.access import scope_for
from pm.models import Role
from pm.models.votes import DecisionOutcome
from pm.services import votes
from tests.votes.test_engine import T0, cast, flats, open_over


def _four_votes(world, choice_of_first):
    homes = flats(world, 4)
    decision = open_over(world, [h for h, _ in homes], rule="rebuild")
    cast(decision, homes[0][0], homes[0][1], choice_of_first)
    for hh, user in homes[1:]:
        cast(decision, hh, user, "yes")
    return homes, decision


def _close(world, decision, **kw):
    actor = world.users[Role.COMMUNITY_WORKER]
    return votes.close_decision(decision, actor=actor, scope=scope_for(actor), now=T0 + timedelta(days=30), **kw)


def test_without_consent_the_tally_decides(world, db):
    _homes, decision = _four_votes(world, "no")
    assert _close(world, decision).passes
    assert decision.outcome == DecisionOutcome.PASSED  # 3/4 ≥ 3/4


@pytest.mark.parametrize("choice", ["no", "abstain"])
def test_a_listed_dwelling_not_agreeing_rejects(world, db, choice):
    homes, decision = _four_votes(world, choice)
    assert votes.consent(decision, [homes[0][0].id]).refused == {homes[0][0].id}
    _close(world, decision, consent=[homes[0][0].id])
    assert decision.outcome == DecisionOutcome.REJECTED


def test_a_listed_dwelling_not_voting_rejects(world, db):
    homes = flats(world, 5)
    decision = open_over(world, [h for h, _ in homes], rule="rebuild")
    for hh, user in homes[1:]:
        cast(decision, hh, user, "yes")
    c = votes.consent(decision, [homes[0][0].id, homes[1][0].id])
    assert c.not_voted == {homes[0][0].id} and c.agreed == {homes[1][0].id} and not c.met
    _close(world, decision, consent=[homes[0][0].id])
    assert decision.outcome == DecisionOutcome.REJECTED


def test_everyone_listed_agreeing_passes_and_expect_pass_sees_consent(world, db):
    homes, decision = _four_votes(world, "yes")
    with pytest.raises(Exception):
        _close(world, decision, consent=[homes[0][0].id], expect_pass=False)
    _close(world, decision, consent=[h.id for h, _ in homes])
    assert decision.outcome == DecisionOutcome.PASSED
    assert votes.consent(decision, []).met
