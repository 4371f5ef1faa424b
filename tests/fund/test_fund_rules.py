"""维修资金 rules kept once: the county's FundPolicy, explicit scopes (SYSTEM for jobs), allowed actions."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import Forbidden, NotFound
from pm.models import EntryKind, FundPolicy, LedgerEntry, Role, SubAccountStatus
from pm.services.fund import deposits, ledger, payments, policy, rates, returns
from tests.factories import make_world

D = date(2025, 1, 1)


@pytest.fixture
def w(db):
    return make_world()


def _opened(db, w):
    """Side-a compound one opened at 50 元/㎡ by the county admin."""
    admin = w.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": D}, actor=admin, scope=scope_for(admin))
    deposits.open_subaccounts(w.compounds["a"][0], on=D, actor=admin, scope=scope_for(admin))
    db.session.commit()
    return [ledger.get_or_open_subaccount(h) for h in w.households["a"][:2]]


def _total(db) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)))


# -- the county's policy -----------------------------------------------------------------------------
def test_policy_defaults_without_a_county_policy(db, w):
    """Without a FundPolicy the national defaults apply: housing department, 7 and 15 days, by balance."""
    rules = policy.policy_for(w.compounds["a"][0].id)
    assert (rules.approver, rules.publicity_days, rules.vote_days, rules.returns_key) == (
        "housing_department", 7, 15, "balance")
    assert rules.approver_role == Role.COUNTY_ADMIN
    assert rules.emergency_reasons == policy.default_emergency_reasons()


def test_policy_reads_the_county_of_the_compound(db, w):
    """A county's own rules apply to its compounds; an unknown returns key falls back to "balance"."""
    db.session.add(FundPolicy(county_id=w.county.id, approver="street_office", publicity_days=10, vote_days=5,
                              returns_key="area", emergency_reasons=["drains", {"code": "x", "label": "自定义"}]))
    db.session.commit()
    assert policy.county_id_of(w.compounds["b"][0].id) == w.county.id
    rules = policy.policy_for(w.compounds["b"][0].id)
    assert (rules.approver_role, rules.publicity_days, rules.vote_days, rules.returns_key) == (
        Role.STREET_OFFICER, 10, 5, "area")
    assert rules.emergency_reasons == {"drains": policy.default_emergency_reasons()["drains"], "x": "自定义"}
    db.session.scalar(select(FundPolicy)).returns_key = "by_mood"
    db.session.commit()
    assert policy.policy_for(w.compounds["b"][0].id).returns_key == "balance"


# -- explicit scopes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda w, a: payments.record_payment(a, kind=EntryKind.FIRST_DEPOSIT, amount_fen=100, value_on=D, memo=None,
                                         key=None, actor=w.users[Role.STREET_OFFICER], scope=None),
    lambda w, a: returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=100,
                                            actor=w.users[Role.COUNTY_ADMIN], scope=None),
    lambda w, a: deposits.open_subaccounts(w.compounds["a"][0], on=D, actor=w.users[Role.COUNTY_ADMIN], scope=None),
], ids=["payment", "returns", "open"])
def test_a_service_never_runs_without_a_scope(db, w, call):
    """No scope is no bypass: a fund service called without the caller's scope refuses; nothing is posted."""
    a, _b = _opened(db, w)
    with pytest.raises(TypeError):
        call(w, a)
    db.session.rollback()
    assert _total(db) == 0


def test_system_scope_acts_for_jobs_and_the_cli(db, w):
    """SYSTEM (jobs, CLI, demo) posts without a user; a user's own scope still needs the capability."""
    a, _b = _opened(db, w)
    entry = payments.record_payment(a, kind=EntryKind.FIRST_DEPOSIT, amount_fen=100, value_on=D, memo=None, key=None,
                                    actor=None, scope=SYSTEM)
    assert entry.actor_id is None and entry.amount_fen == 100
    worker = w.users[Role.COMMUNITY_WORKER]
    with pytest.raises(Forbidden):
        payments.record_payment(a, kind=EntryKind.FIRST_DEPOSIT, amount_fen=100, value_on=D, memo=None, key=None,
                                actor=worker, scope=scope_for(worker))
    with pytest.raises(Forbidden):
        payments.record_payment(a, kind=EntryKind.FIRST_DEPOSIT, amount_fen=100, value_on=D, memo=None, key=None,
                                actor=None, scope=scope_for(None))


def test_unopened_list_is_scoped(db, w):
    """The 未开户 list of a compound outside the scope is a 404."""
    other = w.users[Role.STREET_OFFICER]
    with pytest.raises(NotFound):
        deposits.unopened(w.compounds["b"][0], on=D, scope=scope_for(other))
    rows = deposits.unopened(w.compounds["a"][0], on=D, scope=scope_for(other))
    assert [str(reason) for _h, reason in rows] == ["没有适用的交存标准"] * len(rows) and rows


# -- allowed actions ---------------------------------------------------------------------------------
def test_a_cashier_may_pay_into_and_demolish_an_open_subaccount(db, w):
    """录入交存 and 登记灭失 are offered to a cashier on an open sub-account, to nobody on a closed one."""
    a, _b = _opened(db, w)
    street, manager = w.users[Role.STREET_OFFICER], w.users[Role.STATION_MANAGER]
    assert payments.subaccount_actions(a, street) == ["pay", "demolish"]
    assert payments.subaccount_actions(a, manager) == []
    a.status = SubAccountStatus.CLOSED
    assert payments.subaccount_actions(a, street) == []


def test_only_a_payment_not_yet_reversed_may_be_reversed(db, w):
    """冲正 is offered for a deposit that has no reversal yet; never for a charge or a reversal."""
    a, _b = _opened(db, w)
    street = w.users[Role.STREET_OFFICER]
    paid = payments.record_payment(a, kind=EntryKind.BACK_PAYMENT, amount_fen=500, value_on=D, memo=None, key=None,
                                   actor=street, scope=scope_for(street))
    ledger.post(a, EntryKind.REPLENISHMENT, 1_000, actor=None, source_type="manual")
    charge = ledger.post(a, EntryKind.CHARGE, 100, actor=None, source_type="plan")
    assert payments.entry_actions(paid, a, street, is_reversed=False) == ["reverse"]
    assert payments.entry_actions(paid, a, street, is_reversed=True) == []
    assert payments.entry_actions(paid, a, w.users[Role.COMMUNITY_WORKER], is_reversed=False) == []
    assert payments.entry_actions(charge, a, street, is_reversed=False) == []
    reversal = payments.reverse_entry(paid, memo="录错", actor=street, scope=scope_for(street))
    assert payments.entry_actions(reversal, a, street, is_reversed=False) == []
