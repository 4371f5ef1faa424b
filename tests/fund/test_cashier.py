"""维修资金归集 services: deposit standards, opening accounts, payments, bank imports, lists, returns, demolition."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.models import (
    SubAccountStatus,
    AuditLog,
    BankImport,
    DepositRate,
    EntryKind,
    SubAccount,
    FundPolicy,
    HouseholdStatus,
    LedgerEntry,
    Ownership,
    OwnershipEnd,
    ReturnsDistribution,
    Role,
)
from pm.models.fund import Holder
from pm.services.fund import (
    arrears,
    bank,
    demolition,
    deposits,
    ledger,
    payments,
    rates,
    returns,
)
from pm.services.money import parse_yuan
from tests.factories import (
    make_building,
    make_county,
    make_household,
    make_unit,
    make_user,
    make_world,
)

D = date(2025, 1, 1)


@pytest.fixture
def w(db):
    return make_world()


def _admin(w):
    return w.users[Role.COUNTY_ADMIN]


def _street(w):
    return w.users[Role.STREET_OFFICER]


def _rate(w, fen, **kw):
    kw.setdefault("effective_on", D)
    kw.setdefault("name", "标准")
    user = _admin(w)
    return rates.create_rate({"fen_per_m2": fen, **kw}, actor=user, scope=scope_for(user))


def _sum(db, account):
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                             .where(LedgerEntry.account_id == account.id))


def _opened(db, w, fen=5000):
    """Open side-a compound-one accounts at `fen` per m² (households 65.50 m²)."""
    _rate(w, fen)
    compound = w.compounds["a"][0]
    deposits.open_subaccounts(compound, on=date(2025, 6, 1), actor=_admin(w), scope=scope_for(_admin(w)))
    db.session.commit()
    return [ledger.get_or_open_subaccount(h) for h in w.households["a"][:2]]


def _pay(w, account, amount, kind=EntryKind.FIRST_DEPOSIT, key=None, user=None):
    user = user or _street(w)
    return payments.record_payment(account, kind=kind, amount_fen=amount, value_on=date(2025, 6, 2), memo=None,
                                key=key, actor=user, scope=scope_for(user))


# -- money parsing and rounding ------------------------------------------------------------------
@pytest.mark.parametrize("text, fen", [("12.3", 1230), ("12", 1200), ("0.01", 1), ("1,234.50", 123450), (" 7.05 ", 705)])
def test_parse_yuan_exact(text, fen):
    """Yuan typed as text is parsed exactly to integer fen."""
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["12.345", "0", "0.00", "-5", "abc", "", "1e3", "12.", None, True])
def test_parse_yuan_refuses_bad(text):
    """Fractional fen, zero, negative and non-numbers are refused."""
    with pytest.raises(DomainError):
        parse_yuan(text)


def test_first_deposit_rounds_half_up():
    """Due = area × rate, rounded half-up to the fen with Decimal (65.55 × 3 = 196.65 → 197)."""
    assert deposits.first_deposit_due(Decimal("65.55"), 3) == 197
    assert deposits.first_deposit_due(Decimal("65.50"), 5000) == 327_500
    assert deposits.first_deposit_due(Decimal("0.01"), 49) == 0
    assert deposits.first_deposit_due(Decimal("0.01"), 50) == 1


# -- deposit standards -----------------------------------------------------------------------------
def test_rate_lookup_most_specific(db, w):
    """Compound's own beats the county default; a conditioned rate beats an unconditioned; latest in force wins."""
    h = w.households["a"][0]
    c = w.compounds["a"][0]
    county_old = _rate(w, 100, effective_on=date(2020, 1, 1))
    county_new = _rate(w, 110, effective_on=date(2024, 1, 1))
    _rate(w, 999, effective_on=date(2030, 1, 1))  # not yet in force
    assert rates.rate_for(h, D).id == county_new.id
    assert rates.rate_for(h, date(2021, 1, 1)).id == county_old.id
    cond = _rate(w, 120, has_elevator=False, min_floors=1, max_floors=7, effective_on=date(2019, 1, 1))
    _rate(w, 130, has_elevator=True, effective_on=date(2024, 6, 1))  # elevator: does not match
    assert rates.rate_for(h, D).id == cond.id
    own = _rate(w, 140, compound_id=c.id, effective_on=date(2018, 1, 1))
    assert rates.rate_for(h, D).id == own.id
    assert rates.rate_for(h, date(2017, 1, 1)) is None


def test_rate_floors_condition(db, w):
    """A floors range matches only buildings within it (an unknown floor count never matches)."""
    c = w.compounds["a"][0]
    tall = make_household(make_unit(make_building(c, floors=18, has_elevator=True)))
    unknown = make_household(make_unit(make_building(c, floors=None)))
    high = _rate(w, 300, min_floors=10)
    low = _rate(w, 200, max_floors=9)
    assert rates.rate_for(tall, D).id == high.id
    assert rates.rate_for(w.households["a"][0], D).id == low.id
    assert rates.rate_for(unknown, D) is None


@pytest.mark.parametrize("values, field", [
    ({"fen_per_m2": 0}, "fen_per_m2"), ({"fen_per_m2": -1}, "fen_per_m2"), ({"fen_per_m2": 1.5}, "fen_per_m2"),
    ({"fen_per_m2": 10, "min_floors": 9, "max_floors": 3}, "max_floors"), ({"fen_per_m2": 10, "name": ""}, "name"),
])
def test_rate_validation(db, w, values, field):
    """Bad standards are refused with the field named."""
    values = {"name": "x", "effective_on": D, **values}
    with pytest.raises(DomainError) as err:
        rates.create_rate(values, actor=_admin(w), scope=scope_for(_admin(w)))
    assert field in err.value.fields


def test_rate_needs_capability_and_scope(db, w):
    """Only county admins set standards, and only for compounds in their scope."""
    with pytest.raises(Forbidden):
        rates.create_rate({"name": "x", "fen_per_m2": 1, "effective_on": D}, actor=_street(w),
                          scope=scope_for(_street(w)))
    admin2 = make_user(Role.COUNTY_ADMIN, make_county())
    with pytest.raises(NotFound):
        rates.create_rate({"name": "x", "fen_per_m2": 1, "effective_on": D, "compound_id": w.compounds["a"][0].id},
                          actor=admin2, scope=scope_for(admin2))


def test_rate_in_use_is_fixed(db, w):
    """A standard used to open accounts cannot be changed or deleted."""
    _opened(db, w)
    rate = db.session.scalar(select(DepositRate))
    with pytest.raises(Conflict):
        rates.update_rate(rate, {"name": "y", "fen_per_m2": 1, "effective_on": D}, actor=_admin(w),
                          scope=scope_for(_admin(w)))
    with pytest.raises(Conflict):
        rates.delete_rate(rate, actor=_admin(w), scope=scope_for(_admin(w)))


# -- opening accounts ------------------------------------------------------------------------------
@pytest.mark.postgres
def test_open_accounts_idempotent_and_reports_missing(db, w):
    """Every household gets its account with area × rate; a second run opens nothing; unmatched are reported."""
    c = w.compounds["a"][0]
    lift = make_household(make_unit(make_building(c, floors=11, has_elevator=True)))
    _rate(w, 5000, has_elevator=False)
    first = deposits.open_subaccounts(c, on=date(2025, 6, 1), actor=_admin(w), scope=scope_for(_admin(w)))
    assert len(first.opened) == 2 and [h.id for h, _ in first.missing] == [lift.id]
    assert {a.first_deposit_due_fen for a in first.opened} == {327_500}
    again = deposits.open_subaccounts(c, on=date(2025, 6, 1), actor=_admin(w), scope=scope_for(_admin(w)))
    assert again.opened == [] and again.existing == 2
    assert db.session.scalar(select(func.count(SubAccount.id))) == 2


def test_public_housing_two_accounts(db, w):
    """Sold public housing opens OWNER (area × cost × 2%) and WORK_UNIT (sale price × ‰) accounts."""
    c = w.compounds["a"][0]
    h = make_household(make_unit(make_building(c)), area_m2=Decimal("55.55"), is_sold_public_housing=True)
    admin = _admin(w)
    with pytest.raises(DomainError):
        deposits.set_public_housing_terms(w.households["a"][0], {"cost_price_fen_per_m2": 1, "sale_price_fen": 1,
                                       "owner_permille": 20, "work_unit_permille": 200}, actor=admin,
                                       scope=scope_for(admin))
    deposits.set_public_housing_terms(h, {"cost_price_fen_per_m2": 150_033, "sale_price_fen": 3_000_001,
                                       "owner_permille": 20, "work_unit_permille": 300}, actor=admin,
                                   scope=scope_for(admin))
    result = deposits.open_subaccounts(c, on=D, actor=admin, scope=scope_for(admin))
    dues = {a.holder: a.first_deposit_due_fen for a in result.opened if a.household_id == h.id}
    # 55.55 × 150033 × 20 / 1000 = 166686.663 → 166687; 3000001 × 300 / 1000 = 900000.3 → 900000
    assert dues == {Holder.OWNER: 166_687, Holder.WORK_UNIT: 900_000}


# -- payments --------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_payment_posts_and_retry_posts_once(db, w):
    """A cashier's payment posts; a retry with the same key returns the same entry; another payload is 409."""
    a, _ = _opened(db, w)
    e1 = _pay(w, a, 1000, key="k-1")
    e2 = _pay(w, a, 1000, key="k-1")
    assert e1.id == e2.id
    with pytest.raises(Conflict):
        _pay(w, a, 2000, key="k-1")
    db.session.commit()
    assert _sum(db, a) == 1000


@pytest.mark.parametrize("amount", [0, -100, 1.5])
def test_payment_bad_amount_posts_nothing(db, w, amount):
    """Zero, negative or fractional fen are refused; nothing posted."""
    a, _ = _opened(db, w)
    with pytest.raises(DomainError):
        _pay(w, a, amount)
    db.session.rollback()
    assert _sum(db, a) == 0


def test_payment_refused_outside_scope_or_role(db, w):
    """A cashier outside the account's scope, or a role without fund.cashier, posts nothing."""
    _opened(db, w)
    foreign = ledger.get_or_open_subaccount(w.households["b"][0], due_fen=100)
    db.session.commit()
    with pytest.raises(NotFound):
        _pay(w, foreign, 100)
    with pytest.raises(Forbidden):
        _pay(w, foreign, 100, user=w.users[Role.COMMUNITY_WORKER])
    db.session.rollback()
    assert _sum(db, foreign) == 0


def test_payment_kind_and_date_checked(db, w):
    """Only deposit kinds may be entered by hand, and not with a future value date."""
    a, _ = _opened(db, w)
    with pytest.raises(DomainError):
        _pay(w, a, 100, kind=EntryKind.RETURNS)
    with pytest.raises(DomainError):
        payments.record_payment(a, kind=EntryKind.BACK_PAYMENT, amount_fen=1, value_on=date(2999, 1, 1), memo=None,
                             key=None, actor=_street(w), scope=scope_for(_street(w)))


@pytest.mark.postgres
def test_reversal_once_with_reason(db, w):
    """A payment is reversed once with a reason; the second attempt is refused."""
    a, _ = _opened(db, w)
    e = _pay(w, a, 700)
    with pytest.raises(DomainError):
        payments.reverse_entry(e, memo=" ", actor=_street(w), scope=scope_for(_street(w)))
    payments.reverse_entry(e, memo="金额录错", actor=_street(w), scope=scope_for(_street(w)))
    with pytest.raises(Conflict):
        payments.reverse_entry(e, memo="再次", actor=_street(w), scope=scope_for(_street(w)))
    db.session.commit()
    assert _sum(db, a) == 0


# -- lists -----------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_arrears_list_counts_reversals(db, w):
    """追缴: owed = due − net first-deposit credits (a reversed payment no longer counts); paid-up drop out."""
    a, b = _opened(db, w)
    e = _pay(w, a, 100_000)
    _pay(w, a, 50_000, kind=EntryKind.BACK_PAYMENT)
    _pay(w, a, 9_999, kind=EntryKind.REPLENISHMENT)  # not a first-deposit credit
    payments.reverse_entry(e, memo="退票", actor=_street(w), scope=scope_for(_street(w)))
    _pay(w, b, 327_500)
    db.session.commit()
    rows = db.session.execute(arrears.arrears_select(scope_for(_street(w)))).all()
    assert [(r[0].id, r.paid_fen, r.owed_fen) for r in rows] == [(a.id, 50_000, 277_500)]
    wb = arrears.arrears_workbook(rows)
    assert wb[:2] == b"PK"


def test_arrears_scoped(db, w):
    """Officials of another street never see these accounts in the lists."""
    _opened(db, w)
    other_street = make_user(Role.STREET_OFFICER, w.streets["b"])
    assert db.session.execute(arrears.arrears_select(scope_for(other_street))).all() == []
    assert len(db.session.execute(arrears.arrears_select(scope_for(_street(w)))).all()) == 2


@pytest.mark.postgres
def test_replenishment_threshold_integer(db, w):
    """续交: listed when balance×10 < due×3 exactly (30% of 327500 = 98250 is not below)."""
    a, b = _opened(db, w)
    _pay(w, a, 98_250)
    _pay(w, b, 98_249)
    db.session.commit()
    ids = [x.id for x in db.session.scalars(arrears.replenishment_select(scope_for(_street(w))))]
    assert ids == [b.id]


# -- bank import -----------------------------------------------------------------------------------
def _csv(rows, header=bank.BANK_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _import(w, data, name="s.csv"):
    return bank.import_bank_statement(w.compounds["a"][0], name, data, actor=_street(w), scope=scope_for(_street(w)))


def test_bank_import_all_or_nothing(db, w):
    """Every bad row is listed with row, column and reason; nothing is posted."""
    a, _b = _opened(db, w)
    data = _csv([
        ["S1", "2025-03-01", "1号楼", "1单元", "101", "首期", "100.00", ""],
        ["S2", "2025-03-01", "1号楼", "1单元", "999", "首期", "1.00", ""],
        ["S1", "2025-03-01", "1号楼", "1单元", "102", "首期", "12.345", ""],
        ["S3", "2025-13-01", "1号楼", "1单元", "102", "捐款", "0", ""],
    ])
    with pytest.raises(bank.BankImportRejected) as err:
        _import(w, data)
    got = {(p["row"], p["column"]) for p in err.value.problems}
    assert {(3, "房号"), (4, "流水号"), (4, "金额(元)"), (5, "日期"), (5, "类型"), (5, "金额(元)")} <= got
    db.session.rollback()
    assert _sum(db, a) == 0 and db.session.scalar(select(func.count(BankImport.id))) == 0


@pytest.mark.postgres
def test_bank_import_posts_and_reimport_is_noop(db, w):
    """A good file posts every row with key bank:<流水号>; the same file again posts nothing and says so."""
    a, b = _opened(db, w)
    data = _csv([["S1", "2025-03-01", "1号楼", "1单元", "101", "首期", "100.5", "x"],
                 ["S2", "2025/03/02", "1号楼", "1单元", "102", "补交", "0.01", ""]])
    result = _import(w, data)
    db.session.commit()
    assert not result.duplicate and result.posted == 2 and result.bank_import.total_fen == 10_051
    again = _import(w, data)
    assert again.duplicate and again.bank_import.id == result.bank_import.id
    db.session.commit()
    assert _sum(db, a) == 10_050 and _sum(db, b) == 1
    keys = set(db.session.scalars(select(LedgerEntry.idempotency_key)))
    assert keys == {"bank:S1", "bank:S2"}


@pytest.mark.postgres
def test_bank_import_xlsx_and_known_serial(db, w):
    """An xlsx statement is read too; a 流水号 already posted with a different amount is an error."""
    _opened(db, w)
    _import(w, _csv([["S1", "2025-03-01", "1号楼", "1单元", "101", "首期", "100", ""]]))
    db.session.commit()
    book = Workbook()
    sheet = book.active
    sheet.append(list(bank.BANK_COLUMNS))
    sheet.append(["S1", date(2025, 3, 1), "1号楼", "1单元", "101", "首期", 200, ""])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(bank.BankImportRejected) as err:
        _import(w, out.getvalue(), "s.xlsx")
    assert err.value.problems[0]["column"] == "流水号"


def test_bank_import_closed_account(db, w):
    """A row for a demolished household (closed account) is refused."""
    _opened(db, w)
    demolition.demolish(w.households["a"][0], on=date(2025, 5, 1), memo=None, actor=_street(w), scope=scope_for(_street(w)))
    db.session.commit()
    with pytest.raises(bank.BankImportRejected) as err:
        _import(w, _csv([["S9", "2025-03-01", "1号楼", "1单元", "101", "续交", "5", ""]]))
    assert "销户" in err.value.problems[0]["message"]


def test_bank_import_missing_column(db, w):
    """A file without the required columns is refused before anything else."""
    _opened(db, w)
    with pytest.raises(bank.BankImportRejected):
        _import(w, _csv([["S1"]], header=["流水号"]))


# -- returns ---------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_returns_by_balance_exact_and_once(db, w):
    """Returns are split by balance exactly to the fen (largest remainder); a second run for the period is refused."""
    a, b = _opened(db, w)
    _pay(w, a, 100)
    _pay(w, b, 200)
    db.session.commit()
    admin = _admin(w)
    returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=100, actor=admin, scope=scope_for(admin))
    db.session.commit()
    assert (_sum(db, a), _sum(db, b)) == (133, 267)
    with pytest.raises(Conflict):
        returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=5, actor=admin, scope=scope_for(admin))
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "fund.distribute.returns")) == 1


def test_common_income_by_area(db, w):
    """With returns_key "area", common-part income is split by floor area."""
    a, b = _opened(db, w)
    db.session.add(FundPolicy(county_id=w.county.id, returns_key="area"))
    db.session.commit()
    admin = _admin(w)
    dist = returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=101, actor=admin,
                                    scope=scope_for(admin), kind=EntryKind.COMMON_INCOME)
    db.session.commit()
    assert dist.key == "area" and sorted((_sum(db, a), _sum(db, b))) == [50, 51]
    kinds = set(db.session.scalars(select(LedgerEntry.kind)))
    assert kinds == {EntryKind.COMMON_INCOME}


def test_returns_refused_without_balances_or_capability(db, w):
    """No balance to weigh by, or a role without fund.returns: refused, nothing distributed."""
    _opened(db, w)
    admin = _admin(w)
    with pytest.raises(DomainError):
        returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=100, actor=admin, scope=scope_for(admin))
    with pytest.raises(Forbidden):
        returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=100, actor=_street(w),
                                 scope=scope_for(_street(w)))
    db.session.rollback()
    assert db.session.scalar(select(func.count(ReturnsDistribution.id))) == 0


# -- sale and demolition ---------------------------------------------------------------------------
def test_sale_keeps_account_with_dwelling(db, w):
    """After a sale the account and history stay with the dwelling: the buyer sees it, the seller no longer."""
    from pm.services.registry.people import transfer_ownership
    from tests.factories import make_person
    a, _ = _opened(db, w)
    _pay(w, a, 500)
    seller = w.users[Role.OWNER]
    assert scope_for(seller).contains(SubAccount, a.id)
    buyer = make_person(name="买方")
    transfer_ownership(w.households["a"][0], [buyer], on=date(2025, 7, 1), actor=_admin(w),
                       scope=scope_for(_admin(w)))
    buyer_user = make_user(Role.OWNER, buyer)
    db.session.commit()
    assert not scope_for(seller).contains(SubAccount, a.id)
    assert scope_for(buyer_user).contains(SubAccount, a.id)
    entries = db.session.scalars(scope_for(buyer_user).select(LedgerEntry)).all()
    assert [e.amount_fen for e in entries] == [500]
    db.session.refresh(a)
    assert a.balance_fen == 500 and a.status == SubAccountStatus.OPEN


def test_demolition_refunds_and_closes(db, w):
    """灭失: balances refunded, accounts closed, ownerships ended (DEMOLITION), household DEMOLISHED, audited."""
    a, _ = _opened(db, w)
    _pay(w, a, 12_345)
    db.session.commit()
    h = w.households["a"][0]
    refunds = demolition.demolish(h, on=date(2025, 8, 1), memo="征收", actor=_street(w), scope=scope_for(_street(w)))
    db.session.commit()
    db.session.refresh(a)
    assert [r.amount_fen for r in refunds] == [-12_345]
    assert a.balance_fen == 0 == _sum(db, a) and a.status == SubAccountStatus.CLOSED
    o = db.session.scalar(select(Ownership).where(Ownership.household_id == h.id))
    assert o.ended_on == date(2025, 8, 1) and o.end_reason == OwnershipEnd.DEMOLITION
    db.session.refresh(h)
    assert h.status == HouseholdStatus.DEMOLISHED
    assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "household.demolish"))
    with pytest.raises(DomainError):
        demolition.demolish(h, on=date(2025, 8, 1), memo=None, actor=_street(w), scope=scope_for(_street(w)))
    with pytest.raises(DomainError):
        _pay(w, a, 100)


def test_demolition_needs_role(db, w):
    """Only county admins and street officers may record a demolition."""
    with pytest.raises(Forbidden):
        demolition.demolish(w.households["a"][0], on=D, memo=None, actor=w.users[Role.COMMUNITY_WORKER],
                       scope=scope_for(w.users[Role.COMMUNITY_WORKER]))


@pytest.mark.postgres
def test_returns_and_common_income_may_share_a_period(db, w):
    """Returns and common-part income are separate distributions: both may be made for "2025", each once."""
    _opened(db, w)
    db.session.add(FundPolicy(county_id=w.county.id, returns_key="area"))
    db.session.commit()
    admin = _admin(w)
    for kind in (EntryKind.RETURNS, EntryKind.COMMON_INCOME):
        returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=10, actor=admin,
                                 scope=scope_for(admin), kind=kind)
    db.session.commit()
    with pytest.raises(DomainError):
        returns.distribute_returns(w.compounds["a"][0], period="2025", amount_fen=10, actor=admin,
                                 scope=scope_for(admin), kind=EntryKind.COMMON_INCOME)
