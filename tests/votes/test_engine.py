"""The vote engine on its own (no fund plan anywhere): a decision over some households, its electorate snapshot,
ballots, the tally by area and heads, closing with the outcome stored, and who sees which ballots."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import Household, HouseholdStatus, Person, Role
from pm.models.fund import UsePlan
from pm.models.votes import Ballot, Decision, DecisionOutcome, DecisionStatus, ElectorateEntry, VoteChoice
from pm.services import votes
from tests.factories import make_household, make_owner, make_person, make_unit, make_user, make_world

T0 = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
DAY1 = date(2026, 5, 4)

# One ballot per dwelling (a unique key), the electorate snapshot and the stored figures are database behaviour.
pytestmark = pytest.mark.postgres


@pytest.fixture
def world(db):
    return make_world()


def flats(w, n, *, area="100.00", unit_name="9单元"):
    """n dwellings of compound a[0] in a new unit, each with its own owner login: [(household, user)]."""
    unit = make_unit(w.households["a"][0].building, name=unit_name)
    out = []
    for i in range(n):
        hh = make_household(unit, room_no=f"{i + 1:02d}01", area_m2=D(area))
        person = make_person()
        make_owner(hh, person)
        out.append((hh, make_user(Role.OWNER, person)))
    return out


def open_over(w, households, rule="elect_committee", *, days=10, actor=None):
    actor = actor or w.users[Role.COMMUNITY_WORKER]
    return votes.open_decision(
        subject_kind="motion", subject_id=7, title="业主议题", compound_id=w.compounds["a"][0].id,
        households=select(Household.id).where(Household.id.in_([h.id for h in households])), rule=rule,
        opens_on=DAY1, closes_on=DAY1 + timedelta(days=days), actor=actor, scope=scope_for(actor),
    )


def cast(decision, hh, user, choice, *, day=1, **kw):
    return votes.cast_ballot(decision, hh, choice, actor=user, scope=scope_for(user), now=T0 + timedelta(days=day),
                             **kw)


def test_decision_snapshots_its_electorate(world, db):
    """The electorate is the households given when voting opens; a dwelling added later is not in it."""
    three = flats(world, 3)
    decision = open_over(world, [hh for hh, _ in three])
    assert db.session.scalar(select(func.count()).select_from(ElectorateEntry)
                             .where(ElectorateEntry.decision_id == decision.id)) == 3
    late = make_household(three[0][0].unit, room_no="9901")
    make_owner(late, make_person())
    t = votes.tally(decision)
    assert t.dwellings == 3 and t.total_area == D("300.00")
    assert decision.rule_name == "elect_committee" and votes.rule_of(decision) == votes.as_rule("elect_committee")


def test_only_the_compounds_households_join(world, db):
    """Households of another compound given to open_decision are left out; none at all is refused."""
    mine = flats(world, 1)[0][0]
    decision = open_over(world, [mine, world.households["a"][2]])  # a[2] is in compound a[1]
    assert set(db.session.scalars(select(ElectorateEntry.household_id)
                                  .where(ElectorateEntry.decision_id == decision.id))) == {mine.id}
    with pytest.raises(DomainError):
        open_over(world, [world.households["a"][2]])


def test_opening_checks_scope_and_dates(world, db):
    """A compound outside the opener's scope is refused, and so is a closing date before the opening date."""
    hh = flats(world, 1)[0][0]
    with pytest.raises(Forbidden):
        open_over(world, [hh], actor=make_user(Role.COMMUNITY_WORKER, world.communities["b"]))
    with pytest.raises(DomainError):
        open_over(world, [hh], days=-1)


def test_ballots_and_heads_without_a_plan(world, db):
    """Area per dwelling; heads by owner (one owner of two flats is one head, counted with the earliest ballot)."""
    four = flats(world, 4)
    shared = make_person(name="两套业主")
    (h1, _u1), (h2, _u2), (h3, u3), (h4, u4) = four
    for hh in (h1, h2):
        make_owner(hh, shared)
    both = make_user(Role.OWNER, shared)
    decision = open_over(world, [hh for hh, _ in four])
    t = votes.tally(decision)
    assert (t.dwellings, t.total_heads) == (4, 3)  # h1 and h2 share an owner
    cast(decision, h1, both, "no", day=1)
    cast(decision, h2, both, "yes", day=2)
    cast(decision, h3, u3, "yes")
    cast(decision, h4, u4, "abstain")
    t = votes.tally(decision)
    assert t.area[VoteChoice.YES] == D("200.00") and t.area[VoteChoice.NO] == D("100.00")
    assert (t.heads[VoteChoice.NO], t.heads[VoteChoice.YES], t.heads[VoteChoice.ABSTAIN]) == (1, 1, 1)
    assert t.everyone_voted and t.quorum_met
    assert not t.passes  # heads: 1 yes of 3 participating


def test_one_ballot_per_dwelling_and_only_owners(world, db):
    """A second ballot, a non-owner's ballot and a dwelling outside the electorate are refused."""
    (hh, user), (other, other_user) = flats(world, 2)
    decision = open_over(world, [hh])
    cast(decision, hh, user, "yes")
    with pytest.raises(Conflict):
        cast(decision, hh, user, "no")
    with pytest.raises(Forbidden):
        cast(decision, hh, other_user, "yes")
    with pytest.raises(DomainError):
        cast(decision, other, other_user, "yes")
    with pytest.raises(DomainError):
        cast(decision, hh, user, "maybe")
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_ballots_only_within_the_dates(world, db):
    """Before opens_on and after closes_on no ballot is taken."""
    (hh, user), = flats(world, 1)
    decision = open_over(world, [hh], days=3)
    with pytest.raises(Conflict):
        cast(decision, hh, user, "yes", day=-1)
    with pytest.raises(Conflict):
        cast(decision, hh, user, "yes", day=4)
    cast(decision, hh, user, "yes", day=3)  # the closing day still counts


def test_paper_ballot_needs_the_callers_authorisation(world, db):
    """A paper ballot is taken only when the caller authorised the clerk, and only for a current owner."""
    (hh, user), = flats(world, 1)
    person = db.session.get(Person, user.person_id)
    clerk = world.users[Role.COMMITTEE_MEMBER]
    decision = open_over(world, [hh])
    with pytest.raises(Forbidden):
        cast(decision, hh, clerk, "yes", person=person, paper=True)
    with pytest.raises(DomainError):
        cast(decision, hh, clerk, "yes", person=world.persons["a"]["tenant"], paper=True, paper_authorised=True)
    ballot = cast(decision, hh, clerk, "no", person=person, paper=True, paper_authorised=True)
    assert ballot.is_paper and ballot.entered_by_id == clerk.id and ballot.person_id == person.id


def test_close_stores_outcome_and_figures(world, db):
    """Closing stores the outcome and the final figures; later registry changes do not change them."""
    three = flats(world, 3)
    decision = open_over(world, [hh for hh, _ in three], rule="use_fund")
    with pytest.raises(Conflict):  # before the closing date, not everyone voted
        votes.close_decision(decision, actor=None, scope=SYSTEM, now=T0 + timedelta(days=2))
    for (hh, user), choice in zip(three[:2], ("yes", "yes")):
        cast(decision, hh, user, choice)
    result = votes.close_decision(decision, actor=None, scope=SYSTEM, now=T0 + timedelta(days=11))
    assert result.passes and decision.status == DecisionStatus.CLOSED
    assert decision.outcome == DecisionOutcome.PASSED
    assert (decision.ballots, decision.total_heads, decision.yes_heads) == (2, 3, 2)
    assert decision.yes_area == D("200.00") and decision.closed_at is not None
    three[0][0].status = HouseholdStatus.DEMOLISHED  # after closing: the stored tally stands
    db.session.flush()
    assert votes.tally(decision).as_dict() == result.as_dict()
    assert votes.live_tally(decision).ballots == 1
    with pytest.raises(Conflict):
        votes.close_decision(decision, actor=None, scope=SYSTEM, now=T0 + timedelta(days=12))


def test_close_early_when_everyone_voted_and_no_quorum(world, db):
    """Everyone voted → it may close early; a decision without quorum closes as no_quorum."""
    two = flats(world, 2)
    decision = open_over(world, [hh for hh, _ in two])
    for hh, user in two:
        cast(decision, hh, user, "no")
    votes.close_decision(decision, actor=None, scope=SYSTEM, now=T0 + timedelta(days=2))
    assert decision.outcome == DecisionOutcome.REJECTED
    lonely = flats(world, 3, unit_name="8单元")
    other = open_over(world, [hh for hh, _ in lonely])
    cast(other, lonely[0][0], lonely[0][1], "yes")
    votes.close_decision(other, actor=None, scope=SYSTEM, now=T0 + timedelta(days=11))
    assert other.outcome == DecisionOutcome.NO_QUORUM


def test_expected_outcome_mismatch_changes_nothing(world, db):
    """Closing "as passed" when the count says otherwise is refused, and the decision stays open."""
    (hh, user), = flats(world, 1)
    decision = open_over(world, [hh])
    cast(decision, hh, user, "no")
    with pytest.raises(Conflict):
        votes.close_decision(decision, actor=None, scope=SYSTEM, now=T0 + timedelta(days=2), expect_pass=True)
    assert decision.status == DecisionStatus.OPEN and decision.outcome is None


def test_rule_over_the_electorate_in_a_real_count(world, db):
    """With "more than half of all" the same ballots that pass over the participants fail over the electorate."""
    ten = flats(world, 10)
    over_all = votes.Rule("all_members", F(0), F(0), F(1, 2), strict=True, over_electorate=True)
    over_part = votes.Rule("participants", F(0), F(0), F(1, 2), strict=True)
    a = open_over(world, [hh for hh, _ in ten], rule=over_all)
    b = open_over(world, [hh for hh, _ in ten], rule=over_part)
    for decision in (a, b):
        for hh, user in ten[:4]:
            cast(decision, hh, user, "yes")
        cast(decision, ten[4][0], ten[4][1], "no")
    assert not votes.tally(a).passes and votes.tally(b).passes
    assert votes.rule_of(a).over_electorate and votes.tally(a).threshold == "> 1/2"


def test_cancel_keeps_ballots_without_outcome(world, db):
    """A cancelled decision has no outcome; its ballots stay on record; no further ballot is taken."""
    two = flats(world, 2)
    decision = open_over(world, [hh for hh, _ in two])
    cast(decision, two[0][0], two[0][1], "yes")
    votes.cancel_decision(decision, actor=None, scope=SYSTEM, now=T0 + timedelta(days=2))
    assert decision.status == DecisionStatus.CANCELLED and decision.outcome is None
    with pytest.raises(Conflict):
        cast(decision, two[1][0], two[1][1], "yes", day=3)
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.decision_id == decision.id)) == 1


def test_who_sees_which_ballots(world, db):
    """An owner sees only their household's ballot; officials and the committee see all of the decision's."""
    (h1, u1), (h2, u2) = flats(world, 2)
    decision = open_over(world, [h1, h2])
    cast(decision, h1, u1, "yes")
    cast(decision, h2, u2, "no")
    def seen(user):
        return {b.household_id for b in db.session.scalars(scope_for(user).select(Ballot))}

    assert seen(u1) == {h1.id}
    assert seen(world.users[Role.COMMITTEE_MEMBER]) == {h1.id, h2.id}
    assert seen(world.users[Role.COMMUNITY_WORKER]) == {h1.id, h2.id}
    outsider = make_user(Role.COMMUNITY_WORKER, world.communities["b"])
    assert seen(outsider) == set()
    assert db.session.scalars(scope_for(outsider).select(Decision)).all() == []


def test_reads_for_pages(world, db):
    """My dwellings in the electorate, the owners who have not voted, and the decisions awaiting my ballot."""
    (h1, u1), (h2, _u2) = flats(world, 2)
    decision = open_over(world, [h1, h2])
    assert [h.id for h in votes.my_households(decision, u1)] == [h1.id]
    assert decision.id in set(db.session.scalars(votes.awaiting_ballot(u1)))
    cast(decision, h1, u1, "yes")
    assert decision.id not in set(db.session.scalars(votes.awaiting_ballot(u1)))
    pending = votes.owners_without_ballot(decision, scope_for(world.users[Role.COMMITTEE_MEMBER]))
    assert [h.id for h, _p in pending] == [h2.id]
    assert set(votes.ballots_by_household(decision, [h1.id, h2.id], scope_for(u1))) == {h1.id}


def test_engine_does_not_know_plans(world, db):
    """The engine imports nothing of the fund, and a decision of another kind leaves use plans alone."""
    (hh, _u), = flats(world, 1)
    open_over(world, [hh])
    assert db.session.scalar(select(func.count()).select_from(UsePlan)) == 0
    package = Path(votes.__file__).parent
    for module in sorted(package.glob("*.py")):
        source = module.read_text(encoding="utf-8")
        assert "pm.services.fund" not in source and "pm.models.fund" not in source, module.name
