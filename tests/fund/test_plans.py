"""使用方案 service: drafting, checked transitions, emergency use, apportionment by floor area and charging."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import AuditLog, LedgerEntry, Ownership, Person, Role
from pm.models.fund import (
    EntryKind,
    FundPolicy,
    Holder,
    PlanShare,
    PlanStatus,
)
from pm.models.votes import VoteChoice
from pm.services.fund import ledger
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import MAX_BUDGET_FEN, Targets
from pm.services.money import parse_yuan
from tests.factories import (
    make_building,
    make_household,
    make_owner,
    make_unit,
    make_world,
)

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ALL_OK = {name: True for name in fund_plans.CONFIRMATIONS}


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def fund(household, fen, holder=Holder.OWNER):
    """Open the household's account and deposit `fen`."""
    account = ledger.get_or_open_subaccount(household, holder)
    if fen:
        ledger.post(account, EntryKind.FIRST_DEPOSIT, fen, actor=None, source_type="manual")
    return account


@pytest.fixture
def world(db):
    return make_world()


def draft(w, *, actor=None, targets=None, emergency=False, kind="use_fund", **kw):
    actor = actor or w.users[Role.COMMUNITY_WORKER]
    return fund_plans.create_plan(
        w.compounds["a"][0], actor=actor, scope=scope_for(actor), title="屋面防水", shared_part="1号楼屋面",
        reason="渗漏", budget_fen=kw.pop("budget_fen", 1_000_000), contractor="某建筑公司", decision_kind=kind,
        targets=targets or Targets(), confirmations=kw.pop("confirmations", ALL_OK), is_emergency=emergency,
        emergency_reason="roof_wall_leak" if emergency else None, **kw,
    )


def run(w, plan, to, role=Role.COMMUNITY_WORKER, **kw):
    user = w.users[role]
    return fund_plans.transition(plan, to, actor=user, scope=scope_for(user), **kw)


def to_voting(w, plan):
    run(w, plan, "publicised", now=at(0))
    run(w, plan, "voting", now=at(7))


def test_parse_yuan_is_exact():
    """Yuan typed as text becomes exact fen; more than two decimals, non-numbers or more than the plans' ceiling
    are refused (the shared parser with the plans' ceiling, as the plan forms call it)."""
    def budget(text):
        return parse_yuan(text, field="budget", max_fen=MAX_BUDGET_FEN)

    assert budget("12,345.6") == 1_234_560
    assert budget("¥0.01") == 1
    assert budget("800元") == 80_000
    assert budget("10,000,000,000") == MAX_BUDGET_FEN
    for bad in ("1.234", "-5", "0", "abc", "", 1.5, "10,000,000,000.01"):
        with pytest.raises(DomainError):
            budget(bad)


def test_create_plan_records_scope_and_audit(world, db):
    """A draft is created in the proposer's compound with its scope rows and an audit entry."""
    hh = world.households["a"][0]
    plan = draft(world, targets=Targets(whole=False, units=[hh.unit_id]))
    assert plan.status == PlanStatus.DRAFT and plan.publicity_days == 7
    assert fund_plans.scope_household_ids(plan) == {world.households["a"][0].id, world.households["a"][1].id}
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "plan.create")) == 1


def test_create_refuses_foreign_targets_and_roles(world):
    """Scope targets must belong to the compound; a station staff member may not propose; a foreign compound is refused."""
    foreign = world.households["b"][0]
    with pytest.raises(DomainError):
        draft(world, targets=Targets(whole=False, households=[foreign.id]))
    with pytest.raises(Forbidden):
        draft(world, actor=world.users[Role.STATION_STAFF])
    actor = world.users[Role.COMMUNITY_WORKER]
    with pytest.raises(Forbidden):
        fund_plans.create_plan(world.compounds["b"][0], actor=actor, scope=scope_for(actor), title="x",
                               shared_part="x", reason="x", budget_fen=100)


def test_publicity_needs_all_four_confirmations(world):
    """All four eligibility confirmations are required before publicising; nothing changes otherwise."""
    plan = draft(world, confirmations={"not_under_warranty": True})
    with pytest.raises(DomainError) as err:
        run(world, plan, "publicised", now=at(0))
    assert set(err.value.fields) == {"not_utility_duty", "not_caused_damage", "not_contract_duty"}
    assert plan.status == PlanStatus.DRAFT and plan.publicised_on is None


def test_voting_only_after_publicity_period(world, db):
    """Voting starts only once the publicity days (from FundPolicy) have passed."""
    db.session.add(FundPolicy(county_id=world.county.id, publicity_days=10, vote_days=5))
    db.session.flush()
    plan = draft(world)
    run(world, plan, "publicised", now=at(0))
    assert plan.publicity_days == 10
    with pytest.raises(Conflict):
        run(world, plan, "voting", now=at(9))
    assert plan.status == PlanStatus.PUBLICISED
    run(world, plan, "voting", now=at(10))
    assert plan.vote_closes_on == at(15).date()


def test_out_of_order_transition_is_conflict(world):
    """Charging an unapproved plan, settling before works: a Conflict and nothing changes."""
    plan = draft(world)
    for to in ("charged", "settled", "works_done", "payment_approved", "voting"):
        with pytest.raises((Conflict, Forbidden)):
            run(world, plan, to, role=Role.COUNTY_ADMIN, actual_cost_fen=100)
        assert plan.status == PlanStatus.DRAFT
    with pytest.raises(DomainError):
        run(world, plan, "flying")


@pytest.mark.postgres
def test_full_flow_with_vote_and_charge(world, db):
    """Draft → publicity → vote passes → works → settle → approve (configured approver) → charged by area."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    h2.area_m2 = Decimal("34.50")  # 65.50 + 34.50 = 100
    make_owner(h2)
    fund(h1, 500_000)
    fund(h2, 100)
    plan = draft(world, targets=Targets(whole=False, units=[h1.unit_id]))
    to_voting(world, plan)
    owner = world.users[Role.OWNER]
    fund_plans.cast_ballot(plan, h1, VoteChoice.YES, actor=owner, scope=scope_for(owner), now=at(8))
    with pytest.raises(Conflict):  # vote period still running and not everyone voted
        run(world, plan, "close_vote", now=at(8))
    committee = world.users[Role.COMMITTEE_MEMBER]
    h2_owner = db.session.scalar(select(Ownership.person_id).where(Ownership.household_id == h2.id))
    fund_plans.cast_ballot(plan, h2, VoteChoice.NO, actor=committee, scope=scope_for(committee),
                           person=db.session.get(Person, h2_owner), paper=True, now=at(9))
    run(world, plan, "close_vote", now=at(9))  # everyone voted: may close early
    # 65.5 of 100 m² yes (> 1/2) but 1 of 2 heads (exactly half) → fails
    assert plan.status == PlanStatus.REJECTED


def approved_plan(w, db, cost, *, targets=None):
    """An emergency plan taken to payment_approved with `cost` fen."""
    plan = draft(w, emergency=True, targets=targets)
    run(w, plan, "passed", role=Role.COUNTY_ADMIN)
    run(w, plan, "works_done")
    run(w, plan, "settled", actual_cost_fen=cost)
    run(w, plan, "payment_approved", role=Role.COUNTY_ADMIN)
    return plan


def test_emergency_skips_publicity_and_vote(world, db):
    """应急使用: no publicity or vote; only the configured approver approves; publicising it is refused."""
    plan = draft(world, emergency=True)
    with pytest.raises(Conflict):
        run(world, plan, "publicised")
    with pytest.raises(Forbidden):
        run(world, plan, "passed", role=Role.STREET_OFFICER)  # default approver: housing department
    run(world, plan, "passed", role=Role.COUNTY_ADMIN)
    assert plan.status == PlanStatus.PASSED and plan.approver == "housing_department"


def test_emergency_reason_must_be_in_policy_list(world, db):
    """An emergency reason outside the county's configured list is refused."""
    db.session.add(FundPolicy(county_id=world.county.id, emergency_reasons=["elevator_danger"]))
    db.session.flush()
    with pytest.raises(DomainError):
        draft(world, emergency=True)
    plan = fund_plans.create_plan(
        world.compounds["a"][0], actor=world.users[Role.COMMUNITY_WORKER],
        scope=scope_for(world.users[Role.COMMUNITY_WORKER]), title="电梯", shared_part="电梯", reason="冲顶",
        budget_fen=100, is_emergency=True, emergency_reason="elevator_danger",
    )
    assert plan.emergency_reason == "elevator_danger"


def test_configured_approver_approves_payment(world, db):
    """With approver = street office, only the street officer in scope approves; the county admin may not."""
    db.session.add(FundPolicy(county_id=world.county.id, approver="street_office"))
    db.session.flush()
    fund(world.households["a"][0], 10_000)
    plan = draft(world, emergency=True)
    with pytest.raises(Forbidden):
        run(world, plan, "passed", role=Role.COUNTY_ADMIN)
    run(world, plan, "passed", role=Role.STREET_OFFICER)
    run(world, plan, "works_done")
    run(world, plan, "settled", actual_cost_fen=500)
    with pytest.raises(Forbidden):
        run(world, plan, "payment_approved", role=Role.COUNTY_ADMIN)
    run(world, plan, "payment_approved", role=Role.STREET_OFFICER)
    assert plan.approver == "street_office" and plan.approved_by_id == world.users[Role.STREET_OFFICER].id


def test_settle_needs_positive_cost(world, db):
    """The actual cost must be a positive integer of fen."""
    plan = draft(world, emergency=True)
    run(world, plan, "passed", role=Role.COUNTY_ADMIN)
    run(world, plan, "works_done")
    for bad in (0, -5, None, 1.5):
        with pytest.raises(DomainError):
            run(world, plan, "settled", actual_cost_fen=bad)
    assert plan.status == PlanStatus.WORKS_DONE


def test_reject_needs_reason_and_cancel_only_early(world, db):
    """The approver rejects a settled plan with a reason; a settled plan cannot be cancelled."""
    plan = draft(world, emergency=True)
    run(world, plan, "passed", role=Role.COUNTY_ADMIN)
    run(world, plan, "works_done")
    run(world, plan, "settled", actual_cost_fen=100)
    with pytest.raises(Conflict):
        run(world, plan, "cancelled")
    with pytest.raises(DomainError):
        run(world, plan, "rejected", role=Role.COUNTY_ADMIN, reason="")
    run(world, plan, "rejected", role=Role.COUNTY_ADMIN, reason="价格偏高")
    assert plan.status == PlanStatus.REJECTED and plan.rejected_reason == "价格偏高"


def test_cancel_from_draft(world):
    """A draft may be cancelled by its proposer side."""
    plan = draft(world)
    run(world, plan, "cancelled", reason="重复")
    assert plan.status == PlanStatus.CANCELLED


@pytest.mark.postgres
def test_charge_splits_by_area_with_shortfall(world, db):
    """The cost is split by floor area exactly; each account pays min(share, balance); the rest is a shortfall."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    h1.area_m2, h2.area_m2 = Decimal("60.00"), Decimal("40.00")
    a1 = fund(h1, 1_000_000)
    a2 = fund(h2, 100)
    plan = approved_plan(world, db, 1001, targets=Targets(whole=False, units=[h1.unit_id]))
    run(world, plan, "charged", role=Role.COUNTY_ADMIN)
    shares = {s.account_id: s for s in db.session.scalars(select(PlanShare).where(PlanShare.plan_id == plan.id))}
    # 1001 × 60/100 = 600.6, × 40/100 = 400.4 → 601 and 400
    assert (shares[a1.id].share_fen, shares[a1.id].charged_fen, shares[a1.id].shortfall_fen) == (601, 601, 0)
    assert (shares[a2.id].share_fen, shares[a2.id].charged_fen, shares[a2.id].shortfall_fen) == (400, 100, 300)
    db.session.refresh(a1)
    db.session.refresh(a2)
    assert a1.balance_fen == 1_000_000 - 601 and a2.balance_fen == 0
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.source_type == "plan")).all()
    assert sorted(e.idempotency_key for e in entries) == sorted([f"plan:{plan.id}:{a1.id}", f"plan:{plan.id}:{a2.id}"])
    assert plan.status == PlanStatus.CHARGED
    with pytest.raises(Conflict):
        run(world, plan, "charged", role=Role.COUNTY_ADMIN)


@pytest.mark.postgres
def test_charge_ties_go_to_lower_account(world, db):
    """Equal areas: the leftover fen goes to the lower account id (rule stored with the plan)."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    a1, a2 = fund(h1, 10_000), fund(h2, 10_000)
    plan = approved_plan(world, db, 3, targets=Targets(whole=False, units=[h1.unit_id]))
    preview = fund_plans.apportion(plan)
    parts = {line.account_id: line.share_fen for line in preview.lines}
    assert parts == {min(a1.id, a2.id): 2, max(a1.id, a2.id): 1}
    assert plan.rounding_method == "largest_remainder;area_desc;account_id_asc"


@pytest.mark.postgres
def test_sold_public_housing_split_by_deposits(world, db):
    """房改房: the household's part is split between owner and work-unit accounts by their net deposits."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    h1.area_m2, h2.area_m2 = Decimal("50.00"), Decimal("50.00")
    h1.is_sold_public_housing = True
    owner_acc = fund(h1, 1_000)
    unit_acc = fund(h1, 3_000, Holder.WORK_UNIT)
    other = fund(h2, 10_000)
    plan = approved_plan(world, db, 800, targets=Targets(whole=False, units=[h1.unit_id]))
    preview = {line.account_id: line.share_fen for line in fund_plans.apportion(plan).lines}
    assert preview == {owner_acc.id: 100, unit_acc.id: 300, other.id: 400}


def test_households_without_account_are_listed(world, db):
    """Households in scope without an open account are not part of the split and are reported."""
    h1, h2 = world.households["a"][0], world.households["a"][1]
    fund(h1, 10_000)
    plan = approved_plan(world, db, 500, targets=Targets(whole=False, units=[h1.unit_id]))
    result = fund_plans.apportion(plan)
    assert result.without_account == [h2.id]
    assert sum(line.share_fen for line in result.lines) == 500


def test_building_scope_covers_its_units(world, db):
    """A building in the scope covers every household of its units; other buildings are excluded."""
    compound = world.compounds["a"][0]
    b2 = make_building(compound, name="2号楼")
    other = make_household(make_unit(b2, name="1单元"), room_no="201")
    first = world.households["a"][0]
    plan = draft(world, targets=Targets(whole=False, buildings=[first.building_id]))
    ids = fund_plans.scope_household_ids(plan)
    assert first.id in ids and other.id not in ids
    whole = draft(world)
    assert other.id in fund_plans.scope_household_ids(whole)


def test_owners_notified_of_vote_and_emergency(world, db):
    """Owners with a login in the scope get a notice when voting opens and when an emergency use is approved."""
    from pm.models import Notification

    plan = draft(world)
    to_voting(world, plan)
    owner = world.users[Role.OWNER]
    notes = db.session.scalars(select(Notification).where(Notification.user_id == owner.id,
                                                          Notification.kind != "notice.new")).all()  # publicity
    assert [n.kind for n in notes] == ["plan.voting"] and notes[0].link == f"/plans/{plan.id}"
    emergency = draft(world, emergency=True)
    run(world, emergency, "passed", role=Role.COUNTY_ADMIN)
    kinds = sorted(db.session.scalars(select(Notification.kind).where(Notification.user_id == owner.id,
                                                                      Notification.kind != "notice.new")))
    assert kinds == ["plan.emergency", "plan.voting"]
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world.users[Role.RESIDENT].id, Notification.kind != "notice.new")) == 0


@pytest.mark.postgres
def test_post_batch_all_or_nothing(world, db):
    """ledger.post_batch: one account that would be overdrawn means nothing of the batch is posted."""
    a1, a2 = fund(world.households["a"][0], 1_000), fund(world.households["a"][1], 100)
    with pytest.raises(DomainError):
        ledger.post_batch([(a1.id, 500, "k1"), (a2.id, 101, "k2")], EntryKind.CHARGE, actor=None, source_type="plan")
    db.session.refresh(a1)
    assert a1.balance_fen == 1_000
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == EntryKind.CHARGE)) == 0


@pytest.mark.postgres
def test_post_batch_replays_and_key_conflicts(world, db):
    """ledger.post_batch: a replay posts nothing new; a key reused for another amount is a Conflict."""
    a1, a2 = fund(world.households["a"][0], 1_000), fund(world.households["a"][1], 1_000)
    assert ledger.post_batch([(a1.id, 300, "b1"), (a2.id, 200, "b2")], EntryKind.CHARGE, actor=None,
                             source_type="plan", source_id=9) == 2
    assert ledger.post_batch([(a1.id, 300, "b1"), (a2.id, 200, "b2")], EntryKind.CHARGE, actor=None,
                             source_type="plan", source_id=9) == 0
    with pytest.raises(Conflict):
        ledger.post_batch([(a1.id, 301, "b1")], EntryKind.CHARGE, actor=None, source_type="plan", source_id=9)
    db.session.refresh(a1)
    db.session.refresh(a2)
    assert (a1.balance_fen, a2.balance_fen) == (700, 800)
    for account in (a1, a2):
        total = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account_id == account.id))
        assert total == account.balance_fen
    # The same key through the single-entry primitive replays the batch's entry.
    entry = ledger.post(a1, EntryKind.CHARGE, 300, actor=None, source_type="plan", source_id=9, key="b1")
    assert entry.balance_after_fen == 700
