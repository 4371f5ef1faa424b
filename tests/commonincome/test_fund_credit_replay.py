"""转入维修资金 with an Idempotency-Key (as POST /returns-distributions): the same request again returns the first
credit (200, replayed), another request with that key is a 409, and 8 parallel credits with one key post once
(PostgreSQL)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import DomainError
from pm.extensions import db as _db
from pm.models import CommonIncomeEntry, LedgerEntry, ReturnsDistribution, Role, SubAccount, User
from pm.models.fund import EntryKind
from pm.services.commonincome import income
from pm.services.fund.payments import caller_key
from tests.asserts import assert_error
from tests.concurrency import race
from tests.factories import make_building, make_household, make_owner, make_unit
from tests.factories.fund import deposit, open_account

URL = "/api/v1/common-income/fund-credits"


def _funded(world, n: int = 2) -> int:
    """A compound with n funded sub-accounts and 100,000 fen of parking income in 2026-H1; its id."""
    compound = world.compounds["a"][0]
    unit = make_unit(make_building(compound, name="收益楼"), name="1单元")
    for i in range(n):
        h = make_household(unit, room_no=str(301 + i), area_m2=Decimal("60.00") + i)
        make_owner(h)
        deposit(open_account(h), 10_000 * (i + 1), date(2025, 3, 1))
    manager = world.users[Role.STATION_MANAGER]
    income.record_entry(manager, scope=scope_for(manager), compound_id=compound.id, period="2026-H1",
                        category="parking", amount_fen=100_000)
    return compound.id


def _credits(db) -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(ReturnsDistribution.id))),
            db.session.scalar(select(func.count(CommonIncomeEntry.id)).where(
                CommonIncomeEntry.category == "fund_credit")),
            db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
                LedgerEntry.kind == EntryKind.COMMON_INCOME)))


def test_the_same_credit_again_with_its_key_is_replayed(world, api, db):
    compound_id = _funded(world)
    db.session.commit()
    county = api(world.users[Role.COUNTY_ADMIN])
    body = {"compound_id": compound_id, "period": "2026-H1", "amount_fen": 40_001}
    first = county.post(URL, json=body, headers={"Idempotency-Key": "ci-1"})
    assert first.status_code == 201 and first.get_json()["replayed"] is False, first.get_json()
    again = county.post(URL, json=body, headers={"Idempotency-Key": "ci-1"})
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == first.get_json() | {"replayed": True}
    assert_error(county.post(URL, json=body | {"amount_fen": 40_000}, headers={"Idempotency-Key": "ci-1"}),
                 409, "Idempotency-Key")
    assert_error(county.post(URL, json=body), 409, "period")  # no key: a second credit of the period is refused
    assert_error(county.post(URL, json=body, headers={"Idempotency-Key": "x" * 91}), 422, "Idempotency-Key")
    db.session.expire_all()
    assert _credits(db) == (1, 1, 40_001)
    assert income.balance(compound_id, "2026-H1") == 59_999


@pytest.mark.pg_only
def test_parallel_credits_with_one_key_post_once(app, db, world, backend):
    if backend != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    compound_id = _funded(world, n=5)
    admin_id = world.users[Role.COUNTY_ADMIN].id
    db.session.commit()
    answers: list[int] = []

    def load(_i: int) -> tuple:
        return (_db.session.get(User, admin_id),)

    def work(_i: int, admin) -> None:
        entry = income.credit_to_fund(admin, scope=scope_for(admin), compound_id=compound_id, period="2026-H1",
                                      amount_fen=70_003, key=caller_key(admin, "income-credit", "k-parallel"))
        answers.append(entry.id)

    assert race(app, 8, work, load=load) == ["ok"] * 8
    assert len(answers) == 8 and len(set(answers)) == 1  # every answer is the one credit
    db.session.expire_all()
    assert _credits(db) == (1, 1, 70_003)
    assert income.balance(compound_id, "2026-H1") == 100_000 - 70_003
    accounts = db.session.scalars(select(SubAccount).where(SubAccount.compound_id == compound_id)).all()
    assert len(accounts) == 5
    for account in accounts:
        assert account.balance_fen == db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(
            LedgerEntry.account_id == account.id))


@pytest.mark.pg_only
def test_parallel_uses_never_spend_more_than_the_period_has(app, db, world, backend):
    """100,000 fen of income, 8 uses of 30,000 at once: exactly three are recorded, the others refused (each use
    checks the balance the previous one left); without the period's lock several read the same balance."""
    if backend != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    compound_id = _funded(world)
    manager_id = world.users[Role.STATION_MANAGER].id
    db.session.commit()

    def spend(_i: int, manager) -> None:
        income.record_entry(manager, scope=scope_for(manager), compound_id=compound_id, period="2026-H1",
                            category="maintenance", amount_fen=30_000)

    outcomes = race(app, 8, spend, load=lambda _i: (_db.session.get(User, manager_id),), refused=(DomainError,))
    assert outcomes == ["ok"] * 3 + ["refused"] * 5
    db.session.expire_all()
    assert income.balance(compound_id, "2026-H1") == 10_000
