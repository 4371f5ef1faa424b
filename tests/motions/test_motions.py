"""Motions as services: the rule of each kind, filing scope, the cost table by floor (largest remainder, positive
coefficients), the elevator flow with the county's consent rule, and bad ballots (each refused, nothing changed)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.models import Role
from pm.models.motions import Motion, MotionCoefficient, MotionShare, MotionStatus
from pm.models.votes import Ballot, DecisionOutcome
from pm.services import motions
from tests.factories import make_household, make_owner, make_person, make_user
from tests.factories.motions import DAY0, T0, elevator_motion, owners_unit, set_policy

VOTE_DAY = T0 + timedelta(days=9)


def committee(w):
    u = w.users[Role.COMMITTEE_MEMBER]
    return u, scope_for(u)


def vote(motion, hh, user, choice, *, now=VOTE_DAY):
    return motions.cast_ballot(motion, hh, choice, actor=user, scope=scope_for(user), now=now)


def test_each_kind_has_its_article_278_rule():
    r = motions.rule_for
    assert (r("ordinary").threshold, r("ordinary").strict) == (F(1, 2), True)
    assert (r("special").threshold, r("special").strict) == (F(3, 4), False)
    assert r("property_service").name == "hire_firm" and r("property_service").strict
    assert r("common_income").name == "change_use" and r("common_income").threshold == F(3, 4)
    assert r("elevator").name == "rebuild" and not r("elevator").strict
    assert all(rule.quorum_area == rule.quorum_heads == F(2, 3) for rule in motions.RULES.values())
    with pytest.raises(DomainError):
        r("nonsense")


def test_ordinary_motion_over_the_compound_passes_with_more_than_half(world, db):
    user, scope = committee(world)
    compound = world.compounds["a"][0]
    _unit, flats = owners_unit(world, floors=1, per_floor=4)
    motion = motions.create_motion(compound, kind="ordinary", title="停车管理", body="划线停车", actor=user, scope=scope)
    motions.publish(motion, publicity_until=DAY0, actor=user, scope=scope, now=T0)
    decision = motions.open_voting(motion, closes_on=DAY0 + timedelta(days=5), actor=user, scope=scope,
                                   now=T0 + timedelta(days=1))
    # the electorate is the whole compound: the world's two households plus the four flats
    assert motions.tally(motion).dwellings == 5  # the tenant's household has no owner
    assert decision.rule_name == "ordinary"
    for hh, owner in flats[:3]:
        vote(motion, hh, owner, "yes", now=T0 + timedelta(days=2))
    vote(motion, flats[3][0], flats[3][1], "no", now=T0 + timedelta(days=2))
    t = motions.tally(motion)
    assert t.quorum_met and t.passes
    motions.close(motion, actor=user, scope=scope, now=T0 + timedelta(days=7))
    assert motion.status == MotionStatus.CLOSED and motion.published_at is not None
    assert motions.decision_of(motion).outcome == DecisionOutcome.PASSED


def test_filing_is_scoped(world, db):
    user, scope = committee(world)
    with pytest.raises(NotFound):  # another compound than the committee's own
        motions.create_motion(world.compounds["a"][1], kind="ordinary", title="t", body="b", actor=user, scope=scope)
    street = world.users[Role.STREET_OFFICER]
    with pytest.raises(NotFound):  # outside the street
        motions.create_motion(world.compounds["b"][0], kind="ordinary", title="t", body="b", actor=street,
                              scope=scope_for(street))
    owner = world.users[Role.OWNER]
    with pytest.raises(Forbidden):
        motions.create_motion(world.compounds["a"][0], kind="ordinary", title="t", body="b", actor=owner,
                              scope=scope_for(owner))
    world.compounds["a"][0].owners_committee_formed_on = date(2020, 1, 1)
    community = world.users[Role.COMMUNITY_WORKER]
    with pytest.raises(Forbidden):  # the compound has a committee: it files, not the community
        motions.create_motion(world.compounds["a"][0], kind="ordinary", title="t", body="b", actor=community,
                              scope=scope_for(community))
    # no committee in compound a[1]: the community files as the stand-in
    motions.create_motion(world.compounds["a"][1], kind="special", title="t", body="b", actor=community,
                          scope=scope_for(community))
    assert db.session.scalar(select(func.count()).select_from(Motion)) == 1


def test_elevator_needs_a_unit_of_the_compound(world, db):
    user, scope = committee(world)
    with pytest.raises(DomainError) as err:
        motions.create_motion(world.compounds["a"][0], kind="elevator", title="t", body="b", actor=user, scope=scope)
    assert "unit_id" in err.value.fields
    foreign_unit = world.households["b"][0].unit_id
    with pytest.raises(DomainError):
        motions.create_motion(world.compounds["a"][0], kind="elevator", title="t", body="b", unit_id=foreign_unit,
                              actor=user, scope=scope)


@pytest.mark.parametrize("bad", ["0", "-1", "0.000", "abc", "1e9", "0.0001"])
def test_coefficients_not_positive_are_refused_and_nothing_changes(world, db, bad):
    user, scope = committee(world)
    unit, _flats = owners_unit(world)
    motion = elevator_motion(world, unit, stage="draft")
    before = {c.floor: c.coefficient for c in motion.coefficients}
    with pytest.raises(DomainError) as err:
        motions.set_costs(motion, total_cost_fen=100, coefficients=[(1, "1"), (2, bad), (3, "1")], actor=user,
                          scope=scope)
    assert "coefficients" in err.value.fields
    db.session.rollback()
    assert {c.floor: c.coefficient for c in db.session.get(Motion, motion.id).coefficients} == before


def test_a_floor_without_coefficient_is_refused(world, db):
    user, scope = committee(world)
    unit, _flats = owners_unit(world)
    motion = elevator_motion(world, unit, stage="draft")
    with pytest.raises(DomainError, match="3"):
        motions.set_costs(motion, total_cost_fen=100, coefficients=[(1, "1"), (2, "1")], actor=user, scope=scope)


def test_cost_split_by_floor_to_the_fen_with_largest_remainder(world, db):
    unit, flats = owners_unit(world)  # floors 1..3, two flats each, 80 m²
    motion = elevator_motion(world, unit, stage="publicity", total_fen=100_001,
                             coefficients={1: "0.2", 2: "1", 3: "1.5"})
    rows = motions.cost_table(motion)
    assert sum(r.share_fen for r in rows) == 100_001
    by_floor = {}
    for r in rows:
        by_floor.setdefault(r.floor, []).append(r.share_fen)
    # weights 0.2, 1, 1.5 per flat (×2 flats): 100001 × 0.2/5.4 = 3703.74…, × 1/5.4 = 18518.7…, × 1.5/5.4 = 27778.0…
    assert by_floor[1] == [3704, 3704]
    assert by_floor[2] == [18518, 18519] or sorted(by_floor[2]) == [18518, 18519]
    assert by_floor[3] == [27778, 27778]
    # fixed at publicity: stored, and each owner sees their own part
    assert db.session.scalar(select(func.count()).select_from(MotionShare).where(MotionShare.motion_id == motion.id)) == 6
    hh, owner = flats[4]
    mine = motions.my_rows(rows, owner)
    assert [r.household.id for r in mine] == [hh.id] and mine[0].share_fen == 27778


def test_cost_split_times_area_when_the_county_says_so(world, db):
    set_policy(world.county, cost_by_area=True)
    unit, flats = owners_unit(world, floors=1, per_floor=2)
    flats[0][0].area_m2 = D("60.00")
    flats[1][0].area_m2 = D("120.00")
    motion = elevator_motion(world, unit, stage="publicity", total_fen=90_000, coefficients={1: "1"})
    assert motion.cost_by_area
    assert [r.share_fen for r in motions.cost_table(motion)] == [30_000, 60_000]


def test_elevator_unit_vote_with_the_special_rule(world, db):
    unit, flats = owners_unit(world)
    motion = elevator_motion(world, unit)
    assert motions.tally(motion).dwellings == 6  # the unit only
    for hh, owner in flats[:5]:
        vote(motion, hh, owner, "yes")
    t = motions.tally(motion)
    assert t.passes  # 5/6 ≥ 3/4
    assert not motion.consent_required


def _consent_world(world):
    set_policy(world.county, affected_consent=True)
    unit, flats = owners_unit(world)
    affected = [hh for hh, _ in flats[:2]]  # the first floor
    return unit, flats, elevator_motion(world, unit, affected=affected)


def test_an_affected_household_voting_no_rejects_the_motion(world, db):
    user, scope = committee(world)
    _unit, flats, motion = _consent_world(world)
    assert motion.consent_required
    vote(motion, flats[0][0], flats[0][1], "no")
    for hh, owner in flats[1:]:
        vote(motion, hh, owner, "yes")
    assert motions.tally(motion).passes  # 5/6 yes by the tally ...
    assert not motions.passes(motion)  # ... but an affected household said no
    motions.close(motion, actor=user, scope=scope, now=T0 + timedelta(days=30))
    assert motions.decision_of(motion).outcome == DecisionOutcome.REJECTED
    c = motions.consent(motion)
    assert c.refused == {flats[0][0].id} and not c.not_voted


def test_an_affected_household_not_voting_rejects_the_motion(world, db):
    user, scope = committee(world)
    _unit, flats, motion = _consent_world(world)
    for hh, owner in flats[2:] + flats[:1]:
        vote(motion, hh, owner, "yes")
    motions.close(motion, actor=user, scope=scope, now=T0 + timedelta(days=30))
    assert motions.decision_of(motion).outcome == DecisionOutcome.REJECTED
    assert motions.consent(motion).not_voted == {flats[1][0].id}
    assert motions.tally_dict(motion)["consent"]["met"] is False


def test_all_affected_agree_passes(world, db):
    user, scope = committee(world)
    _unit, flats, motion = _consent_world(world)
    for hh, owner in flats:
        vote(motion, hh, owner, "yes")
    motions.close(motion, actor=user, scope=scope, now=T0 + timedelta(days=9))  # everyone voted: early close
    assert motions.decision_of(motion).outcome == DecisionOutcome.PASSED


def test_consent_rule_needs_the_affected_list(world, db):
    user, scope = committee(world)
    set_policy(world.county, affected_consent=True)
    unit, _flats = owners_unit(world)
    motion = elevator_motion(world, unit, stage="draft")
    with pytest.raises(DomainError) as err:
        motions.publish(motion, publicity_until=DAY0 + timedelta(days=7), actor=user, scope=scope, now=T0)
    assert "household_ids" in err.value.fields


def test_affected_households_must_be_of_the_unit(world, db):
    user, scope = committee(world)
    unit, _flats = owners_unit(world)
    motion = elevator_motion(world, unit, stage="draft")
    with pytest.raises(DomainError):
        motions.set_affected(motion, [world.households["a"][0].id], actor=user, scope=scope)


def test_second_ballot_and_non_owner_ballot_are_refused(world, db):
    unit, flats = owners_unit(world)
    motion = elevator_motion(world, unit)
    hh, owner = flats[0]
    vote(motion, hh, owner, "yes")
    with pytest.raises(Conflict):
        vote(motion, hh, owner, "no")
    stranger = make_user(Role.OWNER, make_person())
    with pytest.raises(Forbidden):
        vote(motion, flats[1][0], stranger, "yes")
    other_owner = flats[2][1]
    with pytest.raises(Forbidden):  # a vote must be the voter's own dwelling
        vote(motion, flats[1][0], other_owner, "yes")
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_paper_ballot_marked_with_who_entered_it(world, db):
    user, scope = committee(world)
    unit, flats = owners_unit(world)
    motion = elevator_motion(world, unit)
    hh, owner = flats[0]
    ballot = motions.cast_ballot(motion, hh, "yes", actor=user, scope=scope, person=owner.person, paper=True,
                                 now=VOTE_DAY)
    assert ballot.is_paper and ballot.entered_by_id == user.id
    staff = world.users[Role.STATION_STAFF]
    with pytest.raises(Forbidden):
        motions.cast_ballot(motion, flats[1][0], "yes", actor=staff, scope=scope_for(staff),
                            person=flats[1][1].person, paper=True, now=VOTE_DAY)


def test_publicity_must_end_before_voting_and_steps_in_order(world, db):
    user, scope = committee(world)
    unit, _flats = owners_unit(world)
    motion = elevator_motion(world, unit, stage="publicity")
    with pytest.raises(Conflict):
        motions.open_voting(motion, closes_on=DAY0 + timedelta(days=20), actor=user, scope=scope, now=T0)
    with pytest.raises(Conflict):
        motions.close(motion, actor=user, scope=scope, now=T0)
    with pytest.raises(Conflict):  # the cost table is fixed once published
        motions.set_costs(motion, total_cost_fen=5, coefficients=[(1, "1")], actor=user, scope=scope)
    motions.cancel(motion, actor=user, scope=scope)
    assert motion.status == MotionStatus.CANCELLED


def test_owner_sees_motions_due(world, db):
    unit, flats = owners_unit(world)
    motion = elevator_motion(world, unit)
    hh, owner = flats[0]
    due = db.session.scalars(motions.motions_stmt(scope_for(owner), due_for=owner)).all()
    assert [m.id for m in due] == [motion.id]
    vote(motion, hh, owner, "yes")
    assert db.session.scalars(motions.motions_stmt(scope_for(owner), due_for=owner)).all() == []


def test_policy_is_set_by_the_county_only(world, db):
    county = world.users[Role.COUNTY_ADMIN]
    motions.set_policy(world.county.id, affected_consent=True, cost_by_area=True, actor=county,
                       scope=scope_for(county))
    assert motions.policy_for(world.county.id).affected_consent
    street = world.users[Role.STREET_OFFICER]
    with pytest.raises(Forbidden):
        motions.set_policy(world.county.id, affected_consent=False, cost_by_area=False, actor=street,
                           scope=scope_for(street))


def test_a_ballot_on_another_decision_does_not_hide_a_motion_due(world, db):
    """The vote engine's awaiting_ballot: a dwelling that voted on one decision still owes a ballot on another."""
    unit, flats = owners_unit(world)
    first = elevator_motion(world, unit)
    second = elevator_motion(world, unit)
    hh, owner = flats[0]
    vote(first, hh, owner, "yes")
    due = db.session.scalars(motions.motions_stmt(scope_for(owner), due_for=owner)).all()
    assert [m.id for m in due] == [second.id]
