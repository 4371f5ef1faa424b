"""Parallel bank traffic on PostgreSQL through the API: 16 deposits by address onto new dwellings open each
account once and every balance equals the sum of its entries; the same statement file sent twice in parallel is
posted once. (SQLite has one writer: skipped there.)"""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as database
from pm.models import BankImport, LedgerEntry, Role, SubAccount
from pm.services.fund import rates
from tests.factories import make_building, make_household, make_unit, make_world
from tests.factories.accounts import issue_token
from tests.factories.fund import open_account
from tests.concurrency import requests_at_once

pytestmark = pytest.mark.pg_only
THREADS = 16


@pytest.fixture
def setup(app, db, backend):
    if backend != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    w = make_world()
    admin = w.users[Role.COUNTY_ADMIN]
    rates.create_rate({"name": "默认", "fen_per_m2": 5000, "effective_on": date(2020, 1, 1)}, actor=admin,
                      scope=scope_for(admin))
    compound = w.compounds["a"][0]
    unit = make_unit(make_building(compound, name="并发楼"), name="1单元")
    households = [make_household(unit, room_no=str(201 + i), area_m2=Decimal("50.00")) for i in range(4)]
    _token, raw = issue_token(w.users[Role.STREET_OFFICER])
    database.session.commit()
    return {"compound_id": compound.id, "household_ids": [h.id for h in households],
            "rooms": [h.room_no for h in households], "token": raw, "households": households}


def _parallel(app, fn, token: str) -> list:
    return requests_at_once(app, THREADS, fn, token=token)


def test_parallel_address_deposits_open_each_account_once(app, setup):
    def deposit(client, n):
        # Threads n and n+8 send the same request (same key): it must post once.
        r = client.post("/api/v1/fund-deposits", headers={"Authorization": f"Bearer {setup['token']}",
                                                           "Idempotency-Key": f"dep-{n % 8}"},
                        json={"compound_id": setup["compound_id"], "building": "并发楼", "unit": "1单元",
                              "room": setup["rooms"][n % 4], "kind": "first_deposit", "amount_fen": 1000 + n % 8,
                              "value_on": "2025-03-01"})
        return r.status_code, r.get_json()

    results = _parallel(app, deposit, setup["token"])
    assert all(status in (200, 201) for status, _ in results), results
    assert sum(status == 201 for status, _ in results) == 8
    database.session.expire_all()
    for hid in setup["household_ids"]:
        accounts = database.session.scalars(select(SubAccount).where(SubAccount.household_id == hid)).all()
        assert len(accounts) == 1
        total = database.session.scalar(select(func.sum(LedgerEntry.amount_fen))
                                        .where(LedgerEntry.account_id == accounts[0].id))
        assert accounts[0].balance_fen == total == accounts[0].first_deposit_paid_fen
        assert accounts[0].first_deposit_due_fen == 250_000
    assert database.session.scalar(select(func.count(LedgerEntry.id))) == 8


def test_same_statement_twice_in_parallel_posts_once(app, setup):
    for h in setup["households"]:
        open_account(database.session.merge(h), due_fen=250_000)
    database.session.commit()
    lines = "\n".join(f"B{i},2025-03-01,并发楼,1单元,{room},首期,100.00," for i, room in enumerate(setup["rooms"]))
    data = ("流水号,日期,楼栋,单元,房号,类型,金额(元),备注\n" + lines + "\n").encode()

    def upload(client, n):
        r = client.post(f"/api/v1/compounds/{setup['compound_id']}/bank-statements",
                        headers={"Authorization": f"Bearer {setup['token']}"},
                        data={"file": (io.BytesIO(data), "s.csv")}, content_type="multipart/form-data")
        return r.status_code, r.get_json()

    results = _parallel(app, upload, setup["token"])
    assert all(status in (200, 201) for status, _ in results), results
    assert sum(status == 201 for status, _ in results) == 1
    assert database.session.scalar(select(func.count(BankImport.id))) == 1
    assert database.session.scalar(select(func.count(LedgerEntry.id))) == 4
    assert database.session.scalar(select(func.sum(SubAccount.balance_fen))) == 40_000
