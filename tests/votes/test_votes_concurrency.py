"""Under concurrency (PostgreSQL only: SQLite has one writer and proves nothing): one ballot per dwelling,
and a plan charged once however many requests charge it at the same time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import Household, Role, User
from pm.models.fund import UsePlan
from pm.models.votes import Ballot
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import CONFIRMATIONS, Targets
from tests.concurrency import one_wins, race
from tests.factories import make_world

# Parallel writers prove something only on PostgreSQL (SQLite has one writer): no SQLite run.
pytestmark = pytest.mark.pg_only

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
THREADS = 12


def test_parallel_ballots_for_one_household_count_once(app, db, backend):
    """Many threads voting for the same household at once: exactly one ballot is stored, the rest refused."""
    if backend != "postgresql":
        pytest.skip("row locks and unique-key races need PostgreSQL")
    w = make_world()
    actor = w.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(
        w.compounds["a"][0], actor=actor, scope=scope_for(actor), title="水泵", shared_part="二次供水",
        reason="损坏", budget_fen=100_000, targets=Targets(), confirmations={c: True for c in CONFIRMATIONS},
    )
    fund_plans.transition(plan, "publicised", actor=actor, scope=scope_for(actor), now=T0)
    fund_plans.transition(plan, "voting", actor=actor, scope=scope_for(actor), now=T0 + timedelta(days=7))
    db.session.commit()
    plan_id, hh_id, user_id = plan.id, w.households["a"][0].id, w.users[Role.OWNER].id
    def vote(i: int, user: User, p: UsePlan, hh: Household) -> None:
        fund_plans.cast_ballot(p, hh, "yes" if i % 2 else "no", actor=user, scope=scope_for(user),
                               now=T0 + timedelta(days=8))

    load = lambda _i: (_db.session.get(User, user_id), _db.session.get(UsePlan, plan_id), _db.session.get(Household, hh_id))  # noqa: E731
    assert race(app, THREADS, vote, load=load) == one_wins(THREADS)
    db.session.expire_all()
    decision_id = db.session.get(UsePlan, plan_id).decision_id
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.decision_id == decision_id)) == 1
    assert fund_plans.tally(db.session.get(UsePlan, plan_id)).ballots == 1


def test_parallel_charges_of_one_plan_post_once(app, db, backend):
    """Several requests charging the same approved plan at once: one charges, the others are refused; entries once."""
    if backend != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from pm.models import SubAccount, LedgerEntry
    from pm.models.fund import EntryKind, PlanShare
    from pm.services.fund import ledger

    w = make_world()
    for hh in w.households["a"][:2]:
        ledger.post(ledger.get_or_open_subaccount(hh), EntryKind.FIRST_DEPOSIT, 100_000, actor=None, source_type="manual")
    admin, worker = w.users[Role.COUNTY_ADMIN], w.users[Role.COMMUNITY_WORKER]
    plan = fund_plans.create_plan(
        w.compounds["a"][0], actor=worker, scope=scope_for(worker), title="排水", shared_part="排水管",
        reason="爆裂", budget_fen=5_000, is_emergency=True, emergency_reason="drains",
        confirmations={c: True for c in CONFIRMATIONS},
    )
    fund_plans.transition(plan, "passed", actor=admin, scope=scope_for(admin))
    fund_plans.transition(plan, "works_done", actor=worker, scope=scope_for(worker))
    fund_plans.transition(plan, "settled", actor=worker, scope=scope_for(worker), actual_cost_fen=5_001)
    fund_plans.transition(plan, "payment_approved", actor=admin, scope=scope_for(admin))
    db.session.commit()
    plan_id, admin_id = plan.id, admin.id
    def charge(_i: int, user: User, p: UsePlan) -> None:
        fund_plans.transition(p, "charged", actor=user, scope=scope_for(user))

    load = lambda _i: (_db.session.get(User, admin_id), _db.session.get(UsePlan, plan_id))  # noqa: E731
    assert race(app, 6, charge, load=load, timeout=60) == one_wins(6)
    db.session.expire_all()
    charged = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.source_type == "plan"))
    assert charged == -5_001
    assert db.session.scalar(select(func.count()).select_from(PlanShare).where(PlanShare.plan_id == plan_id)) == 2
    for account in db.session.scalars(select(SubAccount)):
        total = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account_id == account.id))
        assert total == account.balance_fen
