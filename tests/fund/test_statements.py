"""资金公示: owners' accounts, yearly statements per compound and household (exact, scoped, no N+1).

The fund factories (open_account, deposit, charge_plan, ...) are in tests/factories/fund.py.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import (
    LedgerEntry,
    Ownership,
    Role,
    User,
)
from pm.models.fund import EntryKind, Holder
from pm.services.fund import arrears, ledger, subaccounts
from pm.services.fund import statements as fs
from pm.timeutil import local_today
from tests.factories import (
    make_owner,
    make_person,
    make_user,
    make_world,
)
from tests.factories.fund import (
    charge_plan,
    compound_with_accounts,
    deposit,
    make_plan,
    open_account,
)

# Statements are SQL sums, a window function and year bounds: both backends.
pytestmark = pytest.mark.postgres

Y = 2025


@pytest.fixture
def world(db):
    return make_world()


# -- compound statement ---------------------------------------------------------------------------
def test_compound_statement_reconciles_exactly(world):
    """Opening + deposits + returns − uses − refunds = closing, each line net of its reversals."""
    compound = world.compounds["a"][0]
    h1, h2 = world.households["a"][0], world.households["a"][1]
    a1, a2 = open_account(h1, 10_000), open_account(h2, 8_000)
    deposit(a1, 10_000, date(Y - 1, 6, 1))  # opening
    deposit(a2, 8_000, date(Y, 2, 1))
    wrong = deposit(a2, 123, date(Y, 2, 2), EntryKind.BACK_PAYMENT)
    ledger.reverse(wrong, actor=None, memo="录错")  # value_on = today, which is after Y
    ledger.post(a1, EntryKind.RETURNS, 77, actor=None, source_type="returns", value_on=date(Y, 12, 31))
    plan = make_plan(compound, cost_fen=9_001)
    charge_plan(plan, [(a1, 5_000, 5_000), (a2, 4_001, 4_001)], date(Y, 9, 1))
    deposit(a1, 999, date(Y + 1, 1, 1), EntryKind.REPLENISHMENT)  # after the year: not in it
    db.session.commit()

    st = fs.compound_statement(scope_for(world.users[Role.COUNTY_ADMIN]), compound.id, Y)

    assert st.opening_fen == 10_000
    assert st.lines[EntryKind.FIRST_DEPOSIT].amount_fen == 8_000
    assert st.lines[EntryKind.BACK_PAYMENT].amount_fen == 123  # its reversal is dated later
    assert st.lines[EntryKind.REPLENISHMENT].amount_fen == 0
    assert st.returns_fen == 77
    assert st.uses_fen == 9_001 == st.debits_fen
    assert st.closing_fen == 10_000 + 8_000 + 123 + 77 - 9_001
    assert st.reconciles
    [use] = st.uses
    assert (use.plan.id, use.charged_in_year_fen, use.cost_fen) == (plan.id, 9_001, 9_001)
    assert [(s.door, s.share_fen, s.shortfall_fen) for s in use.shares] == [("1号楼1单元101", 5_000, 0),
                                                                            ("1号楼1单元102", 4_001, 0)]


def test_reversal_in_the_year_nets_its_kind(world):
    """A reversal is counted under the kind it corrects: the deposit line shows the net amount."""
    account = open_account(world.households["a"][0])
    today = local_today()
    wrong = deposit(account, 5_000, today)
    deposit(account, 4_000, today)
    ledger.reverse(wrong, actor=None, memo="重复录入")
    db.session.commit()
    st = fs.compound_statement(scope_for(world.users[Role.COUNTY_ADMIN]), world.compounds["a"][0].id, today.year)
    assert st.lines[EntryKind.FIRST_DEPOSIT].amount_fen == 4_000
    assert st.lines[EntryKind.FIRST_DEPOSIT].entries == 3
    assert st.closing_fen == 4_000 and st.reconciles


def test_shortfall_is_shown_with_the_share(world):
    """A household whose balance could not cover its share shows the shortfall due from its owner."""
    compound = world.compounds["a"][0]
    a1 = open_account(world.households["a"][0])
    a2 = open_account(world.households["a"][1])
    deposit(a1, 3_000, date(Y, 1, 5))
    deposit(a2, 10_000, date(Y, 1, 5))
    plan = make_plan(compound, cost_fen=10_000)
    charge_plan(plan, [(a1, 5_000, 3_000), (a2, 5_000, 5_000)], date(Y, 5, 5))
    db.session.commit()
    st = fs.compound_statement(scope_for(world.users[Role.STATION_MANAGER]), compound.id, Y)
    [use] = st.uses
    assert use.shortfall_total_fen == 2_000
    assert use.charged_in_year_fen == 8_000 == st.uses_fen
    assert st.other_uses_fen == 0


def test_owner_sees_the_totals_of_their_compound(world):
    """An owner's compound statement counts every household of the compound (公示), not only their own."""
    compound = world.compounds["a"][0]
    deposit(open_account(world.households["a"][0]), 10_000, date(Y, 1, 1))
    deposit(open_account(world.households["a"][1]), 7_000, date(Y, 1, 1))
    db.session.commit()
    st = fs.compound_statement(scope_for(world.users[Role.OWNER]), compound.id, Y)
    assert st.deposits_fen == 17_000 and st.subaccounts == 2


@pytest.mark.parametrize("role", [Role.OWNER, Role.STATION_MANAGER, Role.STREET_OFFICER, Role.COMMITTEE_MEMBER])
def test_foreign_compound_statement_is_not_found(world, role):
    """A compound outside the user's scope is a 404, whatever its figures."""
    deposit(open_account(world.households["b"][0]), 10_000, date(Y, 1, 1))
    db.session.commit()
    with pytest.raises(NotFound):
        fs.compound_statement(scope_for(world.users[role]), world.compounds["b"][0].id, Y)


@pytest.mark.parametrize("year", [1800, 1989, 3000])
def test_year_out_of_range_is_refused(world, year):
    """A year before 1990 or after this year is a clear error."""
    with pytest.raises(DomainError, match="年度"):
        fs.compound_statement(scope_for(world.users[Role.COUNTY_ADMIN]), world.compounds["a"][0].id, year)


def test_statement_queries_do_not_grow_with_households(world, count_queries):
    """A compound's statement issues the same number of queries for 10 and for 50 households."""
    admin_id = world.users[Role.COUNTY_ADMIN].id
    sizes = [(world.compounds["a"][1].id, 10), (world.compounds["a"][0].id, 50)]
    counts = []
    for compound_id, n in sizes:
        compound = db.session.get(type(world.compounds["a"][0]), compound_id)
        accounts = compound_with_accounts(compound, n)
        plan = make_plan(compound, cost_fen=n * 100)
        charge_plan(plan, [(a, 100, 100) for a in accounts], date(Y, 6, 1))
        db.session.commit()
        compound_id = compound.id
        db.session.expunge_all()
        scope = scope_for(db.session.get(User, admin_id))
        with count_queries() as counter:
            st = fs.compound_statement(scope, compound_id, Y)
            assert len(st.uses[0].shares) == n
        counts.append(counter.count)
    assert counts[0] == counts[1]


# -- household statement --------------------------------------------------------------------------
def test_household_statement_has_opening_movements_and_running_balance(world):
    """A household's year: opening from earlier years, its movements in date order, the closing balance."""
    account = open_account(world.households["a"][0], 10_000)
    deposit(account, 10_000, date(Y - 1, 12, 31))
    deposit(account, 500, date(Y, 3, 1), EntryKind.REPLENISHMENT)
    ledger.post(account, EntryKind.CHARGE, 2_000, actor=None, source_type="plan", source_id=None,
                value_on=date(Y, 2, 1))
    db.session.commit()
    st = fs.household_statement(scope_for(world.users[Role.OWNER]), world.households["a"][0].id, Y)
    [ay] = st.subaccounts
    assert ay.opening_fen == 10_000
    assert [(r.entry.value_on, r.balance_fen) for r in ay.rows] == [(date(Y, 2, 1), 8_000), (date(Y, 3, 1), 8_500)]
    assert ay.closing_fen == 8_500 == st.closing_fen


def test_owner_cannot_read_a_neighbours_household_statement(world):
    """An owner's household statements are their own households only."""
    open_account(world.households["a"][1])
    db.session.commit()
    with pytest.raises(NotFound):
        fs.household_statement(scope_for(world.users[Role.OWNER]), world.households["a"][1].id, Y)


def test_work_unit_part_is_a_separate_account(world):
    """Sold public housing (房改房) shows the owner's part and the work-unit's part separately."""
    household = world.households["a"][0]
    deposit(open_account(household, 4_000, Holder.OWNER), 4_000, date(Y, 1, 2))
    deposit(open_account(household, 20_000, Holder.WORK_UNIT), 20_000, date(Y, 1, 2))
    db.session.commit()
    [home] = subaccounts.my_subaccounts(scope_for(world.users[Role.OWNER]))
    assert [(s.subaccount.holder, s.subaccount.balance_fen, s.due_fen) for s in home.subaccounts] == [
        (Holder.OWNER, 4_000, 4_000), (Holder.WORK_UNIT, 20_000, 20_000)]


# -- owner's accounts -----------------------------------------------------------------------------
def test_first_deposit_paid_is_net_of_reversals_and_excludes_replenishment(world):
    """首期已交 counts first deposits and back-payments, less their reversals; 续交 and returns are not."""
    account = open_account(world.households["a"][0], 10_000)
    wrong = deposit(account, 6_000, date(Y, 1, 1))
    ledger.reverse(wrong, actor=None, memo="金额错误")
    deposit(account, 5_000, date(Y, 1, 2))
    deposit(account, 1_000, date(Y, 1, 3), EntryKind.BACK_PAYMENT)
    deposit(account, 700, date(Y, 1, 4), EntryKind.REPLENISHMENT)
    db.session.commit()
    [home] = subaccounts.my_subaccounts(scope_for(world.users[Role.OWNER]))
    [summary] = home.subaccounts
    assert (summary.paid_fen, summary.unpaid_fen) == (6_000, 4_000)


@pytest.mark.parametrize("balance,flagged", [(3_000, False), (2_999, True), (0, False)])  # 0: no deposit yet (unpaid)
def test_thirty_percent_line_in_integers(world, balance, flagged):
    """The replenishment warning appears when balance × 10 < first deposit × 3, exactly at the line."""
    account = open_account(world.households["a"][0], 10_000)
    if balance:
        deposit(account, balance, date(Y, 1, 1))
    db.session.commit()
    [home] = subaccounts.my_subaccounts(scope_for(world.users[Role.OWNER]))
    assert home.subaccounts[0].needs_replenishment is flagged


def test_new_owner_sees_the_full_history_after_a_sale(world):
    """After a sale the account stays with the dwelling and the new owner sees all its entries."""
    household = world.households["a"][0]
    account = open_account(household)
    deposit(account, 10_000, date(2015, 5, 1))
    ledger.post(account, EntryKind.CHARGE, 1_000, actor=None, source_type="plan", value_on=date(2020, 5, 1))
    old = db.session.scalar(select(Ownership).where(Ownership.household_id == household.id))
    old.ended_on = date(Y, 1, 1)
    buyer = make_person(name="新业主")
    make_owner(household, buyer, started_on=date(Y, 1, 1))
    new_user = make_user(Role.OWNER, buyer)
    db.session.commit()
    scope = scope_for(new_user)
    [home] = subaccounts.my_subaccounts(scope)
    entries = db.session.scalars(subaccounts.movements_stmt(scope, home.subaccounts[0].subaccount)).all()
    assert [e.value_on.year for e in entries] == [2020, 2015]
    assert subaccounts.my_subaccounts(scope_for(world.users[Role.OWNER])) == []


def test_latest_movements_per_account_in_one_query(world, count_queries):
    """The owner page's latest movements come from one query, newest first, at most n per account."""
    a1 = open_account(world.households["a"][0])
    for i in range(7):
        deposit(a1, 100 + i, date(Y, 1, 1 + i))
    db.session.commit()
    account_id, scope = a1.id, scope_for(world.users[Role.OWNER])
    scope.user.person_id, scope.granted_compounds  # the scope's own reads, once per request
    with count_queries() as counter:
        latest = subaccounts.latest_movements(scope, [account_id], per_subaccount=5)
    assert counter.count == 1
    assert [e.amount_fen for e in latest[account_id]] == [106, 105, 104, 103, 102]


def test_statement_years_run_from_the_first_entry(world):
    """A compound's statement years run from its first entry's year to this year, newest first."""
    deposit(open_account(world.households["a"][0]), 100, date(Y - 2, 7, 1))
    db.session.commit()
    c1, c2 = world.compounds["a"]
    years = fs.statement_years(scope_for(world.users[Role.COUNTY_ADMIN]), [c1.id, c2.id], now=None)
    this_year = local_today().year
    assert years[c1.id] == list(range(this_year, Y - 3, -1))
    assert years[c2.id] == [this_year]


def test_unpaid_first_deposit_query(world):
    """Accounts with due > paid are listed with what they still owe; fully paid ones are not."""
    paid = open_account(world.households["a"][0], 1_000)
    part = open_account(world.households["a"][1], 1_000)
    deposit(paid, 1_000, date(Y, 1, 1))
    deposit(part, 400, date(Y, 1, 1))
    db.session.commit()
    rows = {s.subaccount.id: s.unpaid_fen for s in arrears.unpaid_first_deposits(SYSTEM)}
    assert rows == {part.id: 600}
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
