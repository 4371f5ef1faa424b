"""Parallel fund operations through the API on PostgreSQL: the same returns distribution sent 8× at once with one
Idempotency-Key is posted once (every answer is that one distribution) and every balance equals the sum of its
entries; the same demolition sent 8× at once refunds once. (SQLite has one writer: skipped there.)"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.extensions import db as database
from pm.models import HouseholdStatus, LedgerEntry, ReturnsDistribution, Role, SubAccount
from pm.models.fund import EntryKind
from tests.factories import make_building, make_household, make_owner, make_unit, make_world
from tests.factories.accounts import issue_token
from tests.factories.fund import deposit, open_account
from tests.concurrency import requests_at_once

pytestmark = pytest.mark.pg_only
THREADS = 8


@pytest.fixture
def setup(app, db, backend):
    if backend != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    w = make_world()
    compound = w.compounds["a"][0]
    unit = make_unit(make_building(compound, name="并发楼"), name="1单元")
    households = [make_household(unit, room_no=str(201 + i), area_m2=Decimal("50.00") + i) for i in range(5)]
    for i, h in enumerate(households):
        make_owner(h)
        deposit(open_account(h, due_fen=250_000), 10_000 * (i + 1), date(2025, 3, 1))
    _t, county = issue_token(w.users[Role.COUNTY_ADMIN])
    _t, street = issue_token(w.users[Role.STREET_OFFICER])
    database.session.commit()
    return {"compound_id": compound.id, "household_id": households[0].id, "county": county, "street": street}


def _parallel(app, fn, token: str) -> list:
    return requests_at_once(app, THREADS, fn, token=token)


def _balances_match_entries() -> None:
    database.session.expire_all()
    balances = dict(database.session.execute(select(SubAccount.id, SubAccount.balance_fen)).all())
    sums = dict(database.session.execute(select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
                                         .group_by(LedgerEntry.account_id)).all())
    assert balances == {k: int(v) for k, v in sums.items()}


def test_parallel_distribution_with_one_key_posts_once(app, setup):
    def distribute(client, n):
        r = client.post("/api/v1/returns-distributions",
                        headers={"Authorization": f"Bearer {setup['county']}", "Idempotency-Key": "dist-2025"},
                        json={"compound_id": setup["compound_id"], "period": "2025", "amount_fen": 100_003})
        return r.status_code, r.get_json()

    results = _parallel(app, distribute, setup["county"])
    assert all(status in (200, 201) for status, _ in results), results
    assert sum(status == 201 for status, _ in results) == 1
    assert len({body["id"] for _, body in results}) == 1
    assert all(sum(s["share_fen"] for s in body["shares"]) == 100_003 for _, body in results)
    assert database.session.scalar(select(func.count(ReturnsDistribution.id))) == 1
    assert database.session.scalar(select(func.sum(LedgerEntry.amount_fen))
                                   .where(LedgerEntry.kind == EntryKind.RETURNS)) == 100_003
    assert database.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == EntryKind.RETURNS)) == 5
    _balances_match_entries()


def test_parallel_demolitions_refund_once(app, setup):
    def demolish(client, n):
        r = client.post(f"/api/v1/households/{setup['household_id']}/demolition",
                        headers={"Authorization": f"Bearer {setup['street']}", "Idempotency-Key": "demolish-1"},
                        json={"on": "2025-08-01", "memo": "征收"})
        return r.status_code, r.get_json()

    results = _parallel(app, demolish, setup["street"])
    assert all(status == 200 for status, _ in results), results
    assert sum(not body["replayed"] for _, body in results) == 1
    assert all(body["refund_fen"] == 10_000 for _, body in results)
    refunds = database.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REFUND)).all()
    assert [e.amount_fen for e in refunds] == [-10_000]
    account = database.session.scalar(select(SubAccount).where(SubAccount.household_id == setup["household_id"]))
    assert account.balance_fen == 0 and account.household.status == HouseholdStatus.DEMOLISHED
    _balances_match_entries()
