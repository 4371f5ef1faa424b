"""业主表决 (Civil Code art. 278): who may vote, one ballot per dwelling, and the exact tally thresholds."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import Ownership, Role
from pm.models.fund import DecisionKind, PlanStatus
from pm.models.votes import Decision, DecisionStatus, ElectorateEntry, VoteChoice
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import CONFIRMATIONS, Targets
from pm.services.votes import Counts, decide, majority_met, quorum_met
from tests.factories import (
    make_household,
    make_owner,
    make_person,
    make_resident,
    make_unit,
    make_user,
    make_world,
)

# One ballot per dwelling (unique key, savepoint) and tallies of exact areas: both backends.
pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
USE, RAISE = DecisionKind.USE_FUND, DecisionKind.RAISE_FUND


# -- thresholds, table-driven with the boundaries -------------------------------------------------
@pytest.mark.parametrize("counts, expected", [
    (Counts(D(300), 3, D(200), 2, D(0), 0), True),  # exactly 2/3 of both ("以上" includes it)
    (Counts(D(300), 3, D("199.99"), 2, D(0), 0), False),  # area just under 2/3
    (Counts(D(300), 3, D(300), 1, D(0), 0), False),  # heads 1/3
    (Counts(D(90), 6, D(60), 4, D(0), 0), True),  # 4/6 heads = 2/3
    (Counts(D(0), 0, D(0), 0, D(0), 0), False),  # empty electorate
])
def test_quorum(counts, expected):
    """Quorum: at least 2/3 of the area and at least 2/3 of the heads take part."""
    assert quorum_met(counts) is expected


@pytest.mark.parametrize("kind, counts, expected", [
    (USE, Counts(D(100), 4, D(100), 4, D("50.01"), 3), True),
    (USE, Counts(D(100), 4, D(100), 4, D("50.00"), 3), False),  # exactly half the area fails
    (USE, Counts(D(100), 4, D(100), 4, D(80), 2), False),  # exactly half the heads fails
    (USE, Counts(D(100), 5, D(100), 5, D(80), 3), True),
    (RAISE, Counts(D(100), 4, D(100), 4, D(75), 3), True),  # exactly 3/4 of both passes
    (RAISE, Counts(D(100), 4, D(100), 4, D("74.99"), 3), False),
    (RAISE, Counts(D(100), 8, D(100), 8, D(90), 5), False),  # 5/8 heads < 3/4
    (DecisionKind.CHANGE_USE, Counts(D(100), 4, D(100), 4, D(75), 3), True),
])
def test_majority(kind, counts, expected):
    """use_fund needs more than 1/2 (exactly half fails); raise_fund/change_use need at least 3/4 of both."""
    assert majority_met(counts, kind) is expected


def test_decide_needs_quorum_and_majority():
    """A unanimous yes without quorum does not pass."""
    assert decide(Counts(D(300), 3, D(100), 1, D(100), 1), USE) is False
    assert decide(Counts(D(300), 3, D(300), 3, D(300), 3), USE) is True


# -- electorate and ballots ------------------------------------------------------------------------
@pytest.fixture
def world(db):
    return make_world()


def voting_plan(w, *, targets=None, kind="use_fund"):
    actor = w.users[Role.COMMUNITY_WORKER]
    scope = scope_for(actor)
    plan = fund_plans.create_plan(
        w.compounds["a"][0], actor=actor, scope=scope, title="外墙", shared_part="外墙", reason="脱落",
        budget_fen=10_000, decision_kind=kind, targets=targets or Targets(),
        confirmations={c: True for c in CONFIRMATIONS},
    )
    fund_plans.transition(plan, "publicised", actor=actor, scope=scope, now=T0)
    fund_plans.transition(plan, "voting", actor=actor, scope=scope, now=T0 + timedelta(days=7))
    return plan


def owner_user(person):
    return make_user(Role.OWNER, person)


def vote(plan, household, choice, user, **kw):
    return fund_plans.cast_ballot(plan, household, choice, actor=user, scope=scope_for(user),
                                  now=T0 + timedelta(days=8), **kw)


def test_owner_votes_once_second_refused(world, db):
    """One ballot per dwelling: a second ballot is refused with a clear message and not counted."""
    plan = voting_plan(world)
    owner = world.users[Role.OWNER]
    hh = world.households["a"][0]
    vote(plan, hh, "yes", owner)
    with pytest.raises(Conflict) as err:
        vote(plan, hh, "no", owner)
    assert "只能投一票" in err.value.message
    t = fund_plans.tally(plan)
    assert t.ballots == 1 and t.heads[VoteChoice.YES] == 1 and t.heads[VoteChoice.NO] == 0


def test_tenant_and_other_owner_refused(world, db):
    """A resident/tenant, or an owner of another dwelling, may not vote for a household."""
    plan = voting_plan(world)
    with pytest.raises(Forbidden):
        vote(plan, world.households["a"][1], "yes", world.users[Role.RESIDENT])
    with pytest.raises(Forbidden):
        vote(plan, world.households["a"][1], "yes", world.users[Role.OWNER])  # owns a[0], not a[1]
    with pytest.raises(DomainError):
        vote(plan, world.households["a"][0], "maybe", world.users[Role.OWNER])


def test_household_outside_scope_refused(world, db):
    """A dwelling outside the plan's scope cannot vote on it."""
    hh = world.households["a"][0]
    plan = voting_plan(world, targets=Targets(whole=False, households=[world.households["a"][1].id]))
    with pytest.raises(DomainError):
        vote(plan, hh, "yes", world.users[Role.OWNER])


def test_ballot_only_while_voting(world, db):
    """No ballots before voting opens or after it closes."""
    actor = world.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="t",
                                  shared_part="s", reason="r", budget_fen=100)
    with pytest.raises(Conflict):
        vote(plan, world.households["a"][0], "yes", world.users[Role.OWNER])
    plan = voting_plan(world)
    with pytest.raises(Conflict):
        fund_plans.cast_ballot(plan, world.households["a"][0], "yes", actor=world.users[Role.OWNER],
                               scope=scope_for(world.users[Role.OWNER]), now=T0 + timedelta(days=40))


def test_paper_ballot_by_committee(world, db):
    """The committee enters a paper ballot for a current owner; it is marked as paper with who entered it."""
    plan = voting_plan(world)
    committee = world.users[Role.COMMITTEE_MEMBER]
    hh = world.households["a"][0]
    with pytest.raises(DomainError):
        vote(plan, hh, "yes", committee, person=world.persons["a"]["tenant"], paper=True)
    ballot = vote(plan, hh, "no", committee, person=world.persons["a"]["owner"], paper=True)
    assert ballot.is_paper and ballot.entered_by_id == committee.id
    with pytest.raises(Forbidden):
        vote(plan, world.households["a"][1], "no", world.users[Role.STATION_STAFF],
             person=world.persons["a"]["owner"], paper=True)


def test_headcount_rules(world, db):
    """An owner of three flats is one head; co-owners of a dwelling are one head; all organisations are one head."""
    compound = world.compounds["a"][0]
    unit = make_unit(world.households["a"][0].building, name="2单元")
    many = make_person(name="多套业主")
    flats = [make_household(unit, room_no=f"30{i}", area_m2=D("50.00")) for i in range(3)]
    for f in flats:
        make_owner(f, many)
    co = make_household(unit, room_no="401", area_m2=D("80.00"))
    make_owner(co, make_person(name="共有人甲"))
    make_owner(co, make_person(name="共有人乙"))
    dev1, dev2 = make_person(name="开发商", is_organisation=True), make_person(name="原单位", is_organisation=True)
    u1 = make_household(unit, room_no="501", area_m2=D("70.00"))
    u2 = make_household(unit, room_no="502", area_m2=D("70.00"))
    make_owner(u1, dev1)
    make_owner(u2, dev2)
    make_household(unit, room_no="601", area_m2=D("99.00"))  # no registered owner
    assert compound.id == unit.compound_id
    plan = voting_plan(world, targets=Targets(whole=False, units=[unit.id]))
    t = fund_plans.tally(plan)
    assert (t.dwellings, t.total_heads, t.without_owner) == (6, 3, 1)
    assert t.total_area == D("370.00")
    user = owner_user(many)
    for f in flats:
        vote(plan, f, "yes", user)
    t = fund_plans.tally(plan)
    assert t.heads[VoteChoice.YES] == 1 and t.area[VoteChoice.YES] == D("150.00")


def test_tally_passes_and_exact_fractions(world, db):
    """Three owners of 100/100/100 m²: two yes, one no → quorum, 2/3 > 1/2 passes; fractions are exact."""
    unit = make_unit(world.households["a"][0].building, name="3单元")
    users, flats = [], []
    for i in range(3):
        hh = make_household(unit, room_no=f"10{i}", area_m2=D("100.00"))
        p = make_person()
        make_owner(hh, p)
        flats.append(hh)
        users.append(owner_user(p))
    plan = voting_plan(world, targets=Targets(whole=False, units=[unit.id]))
    vote(plan, flats[0], "yes", users[0])
    vote(plan, flats[1], "yes", users[1])
    assert fund_plans.tally(plan).quorum_met and fund_plans.tally(plan).passes  # 2/3 took part, both yes
    vote(plan, flats[2], "no", users[2])
    t = fund_plans.tally(plan)
    assert t.passes and str(t.fractions()["yes_area"]) == "2/3"
    d = t.as_dict()
    assert d["fractions"]["yes_heads"] == {"fraction": "2/3", "percent": "66.67"} and d["part_area"] == "300.00"
    actor = world.users[Role.COMMUNITY_WORKER]
    fund_plans.transition(plan, "close_vote", actor=actor, scope=scope_for(actor), now=T0 + timedelta(days=9))
    assert plan.status == PlanStatus.PASSED


def test_raise_fund_needs_three_quarters(world, db):
    """筹集: 2 of 3 yes is below 3/4, so a raise_fund plan is rejected on closing."""
    unit = make_unit(world.households["a"][0].building, name="4单元")
    users, flats = [], []
    for i in range(3):
        hh = make_household(unit, room_no=f"20{i}", area_m2=D("100.00"))
        p = make_person()
        make_owner(hh, p)
        flats.append(hh)
        users.append(owner_user(p))
    plan = voting_plan(world, targets=Targets(whole=False, units=[unit.id]), kind="raise_fund")
    for hh, user, choice in zip(flats, users, ["yes", "yes", "abstain"]):
        vote(plan, hh, choice, user)
    actor = world.users[Role.COMMUNITY_WORKER]
    with pytest.raises(Conflict):
        fund_plans.transition(plan, "passed", actor=actor, scope=scope_for(actor), now=T0 + timedelta(days=9))
    fund_plans.transition(plan, "close_vote", actor=actor, scope=scope_for(actor), now=T0 + timedelta(days=9))
    assert plan.status == PlanStatus.REJECTED and plan.rejected_reason == "业主表决未通过"


def test_tenant_in_world_does_not_count(world, db):
    """Residents are not in the electorate: a dwelling with only a tenant and no owner is not counted."""
    unit = make_unit(world.households["a"][0].building, name="5单元")
    hh = make_household(unit, room_no="101")
    make_resident(hh)
    plan = voting_plan(world, targets=Targets(whole=False, units=[unit.id]))
    t = fund_plans.tally(plan)
    assert t.dwellings == 0 and t.without_owner == 1 and not t.passes


def test_plan_vote_is_a_decision_with_the_plans_rule(world, db):
    """Opening a plan's vote opens a decision over the scope's households with the rule of its decision kind."""
    hh = world.households["a"][0]
    plan = voting_plan(world, targets=Targets(whole=False, units=[hh.unit_id]), kind="change_use")
    decision = db.session.get(Decision, plan.decision_id)
    assert (decision.subject_kind, decision.subject_id, decision.rule_name) == ("use_plan", plan.id, "change_use")
    assert (decision.threshold_num, decision.threshold_den, decision.strict) == (3, 4, False)
    assert decision.status == DecisionStatus.OPEN and decision.closes_on == plan.vote_closes_on
    electorate = set(db.session.scalars(select(ElectorateEntry.household_id)
                                        .where(ElectorateEntry.decision_id == decision.id)))
    assert electorate == fund_plans.scope_household_ids(plan)
    assert fund_plans.tally_dict(plan)["decision_kind"] == "change_use"
    assert fund_plans.tally_dict(plan)["threshold"] == "≥ 3/4"


def test_closed_plan_shows_the_tally_stored_at_closing(world, db):
    """Once the vote is closed the plan shows the figures of that moment, even if an owner sells afterwards."""
    unit = make_unit(world.households["a"][0].building, name="6单元")
    users, flats = [], []
    for i in range(2):
        hh = make_household(unit, room_no=f"60{i}", area_m2=D("50.00"))
        p = make_person()
        make_owner(hh, p)
        flats.append(hh)
        users.append(owner_user(p))
    plan = voting_plan(world, targets=Targets(whole=False, units=[unit.id]))
    for hh, user in zip(flats, users):
        vote(plan, hh, "yes", user)
    actor = world.users[Role.COMMUNITY_WORKER]
    fund_plans.transition(plan, "close_vote", actor=actor, scope=scope_for(actor), now=T0 + timedelta(days=9))
    before = fund_plans.tally_dict(plan)
    for ownership in db.session.scalars(select(Ownership).where(Ownership.household_id == flats[0].id)):
        ownership.ended_on = (T0 + timedelta(days=10)).date()
    db.session.flush()
    assert fund_plans.tally_dict(plan) == before and before["ballots"] == 2 and before["passes"]


def test_cancelling_a_plan_in_voting_withdraws_its_decision(world, db):
    """A plan cancelled while voting leaves a cancelled decision: no outcome, and no further ballot."""
    plan = voting_plan(world)
    vote(plan, world.households["a"][0], "yes", world.users[Role.OWNER])
    actor = world.users[Role.COMMUNITY_WORKER]
    fund_plans.transition(plan, "cancelled", actor=actor, scope=scope_for(actor), now=T0 + timedelta(days=8),
                          reason="重复")
    decision = db.session.get(Decision, plan.decision_id)
    assert decision.status == DecisionStatus.CANCELLED and decision.outcome is None
    assert plan.status == PlanStatus.CANCELLED


def test_plan_page_actions_come_from_the_service(world, db):
    """allowed_actions: the owner may vote while voting, the committee may enter paper ballots; nobody before."""
    actor = world.users[Role.COMMUNITY_WORKER]
    draft = fund_plans.create_plan(world.compounds["a"][0], actor=actor, scope=scope_for(actor), title="t",
                                   shared_part="s", reason="r", budget_fen=100)
    owner, committee = world.users[Role.OWNER], world.users[Role.COMMITTEE_MEMBER]
    assert not fund_plans.allowed_actions(draft, owner, scope_for(owner)).vote
    assert not fund_plans.allowed_actions(draft, owner, scope_for(owner)).tally
    plan = voting_plan(world)
    mine = fund_plans.allowed_actions(plan, owner, scope_for(owner), now=T0 + timedelta(days=8))
    assert mine.vote and mine.tally and not mine.paper_ballot and mine.transitions == []
    theirs = fund_plans.allowed_actions(plan, committee, scope_for(committee), now=T0 + timedelta(days=8))
    assert theirs.paper_ballot and not theirs.vote and "close_vote" in theirs.transitions
