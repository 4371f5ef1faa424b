"""Parallel writers on PostgreSQL: 16 threads posting deposits, charges and returns on overlapping accounts
lose nothing — every balance (and cached 首期已交) equals the sum of its entries, the total equals the successful requests, retried
keys post once, and no balance goes below zero. (SQLite has one writer and no row locks: skipped there.)"""
from __future__ import annotations

import random
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import DomainError
from pm.extensions import db as database
from pm.models import Compound, EntryKind, SubAccount, LedgerEntry, Role, User
from pm.services.fund import ledger, payments, returns, subaccounts
from tests.factories import (
    make_building,
    make_compound,
    make_household,
    make_unit,
    make_world,
)

# Parallel writers prove something only on PostgreSQL (SQLite has one writer): no SQLite run.
pytestmark = pytest.mark.pg_only

THREADS = 16
OPS = 12


@pytest.fixture
def setup(app, db, backend):
    if backend != "postgresql":
        pytest.skip("row locks and parallel writers need PostgreSQL")
    w = make_world()
    compound = make_compound(w.communities["a"], name="并发小区")
    unit = make_unit(make_building(compound))
    households = [make_household(unit, room_no=str(101 + i)) for i in range(6)]
    admin = w.users[Role.COUNTY_ADMIN]
    accounts = [ledger.get_or_open_subaccount(h, due_fen=300_000) for h in households]
    for a in accounts:
        ledger.post(a, EntryKind.FIRST_DEPOSIT, 10_000, actor=admin, source_type="manual")
    database.session.commit()
    return {"compound_id": compound.id, "account_ids": [a.id for a in accounts], "admin_id": admin.id,
            "street_id": w.users[Role.STREET_OFFICER].id, "initial": 60_000}


def test_parallel_writers_lose_nothing(app, setup):
    """16 writers on 6 shared accounts: Σentries = balance per account, total = successful requests, keys once."""
    successes: list[tuple[str, int]] = []  # (key or unique tag, signed amount)
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        rnd = random.Random(n)
        with app.app_context():
            session = database.session
            # Start together (the pool has fewer connections than threads: hold none while waiting).
            barrier.wait(timeout=60)
            for i in range(OPS):
                street = session.get(User, setup["street_id"])
                admin = session.get(User, setup["admin_id"])
                account = session.get(SubAccount, rnd.choice(setup["account_ids"]))
                op = "retry" if i % 4 == 0 else rnd.choice(["deposit", "deposit", "charge", "charge", "returns"])
                try:
                    if op == "deposit":
                        e = payments.record_payment(account, kind=EntryKind.BACK_PAYMENT, amount_fen=rnd.randint(1, 5000),
                                                 value_on=date(2025, 1, 1), memo=None, key=f"d-{n}-{i}", actor=street,
                                                 scope=scope_for(street))
                        tag, amount = f"d-{n}-{i}", e.amount_fen
                    elif op == "retry":
                        # Threads n and n+8 send the same request (same key, same payload): it must post once.
                        k = f"r-{n % 8}-{i}"
                        target = session.get(SubAccount, setup["account_ids"][(n % 8 + i) % 6])
                        e = payments.record_payment(target, kind=EntryKind.REPLENISHMENT, amount_fen=1000 + n % 8,
                                                 value_on=date(2025, 1, 1), memo=None, key=k, actor=street,
                                                 scope=scope_for(street))
                        tag, amount = k, e.amount_fen
                    elif op == "charge":
                        e = ledger.post(account, EntryKind.CHARGE, rnd.randint(1, 9000), actor=admin,
                                        source_type="plan", source_id=n)
                        tag, amount = f"c-{n}-{i}", e.amount_fen
                    else:
                        compound = session.get(Compound, setup["compound_id"])
                        returns.distribute_returns(compound, period=f"p{n}-{i}", amount_fen=777, actor=admin,
                                                 scope=scope_for(admin))
                        tag, amount = f"p-{n}-{i}", 777
                    session.commit()
                except DomainError:
                    session.rollback()  # e.g. insufficient balance: refused, nothing posted
                    continue
                except BaseException as exc:  # noqa: BLE001 - reported after the threads end
                    session.rollback()
                    with lock:
                        errors.append(exc)
                    continue
                with lock:
                    successes.append((tag, amount))
            session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    assert not errors, errors
    database.session.expire_all()
    accounts = database.session.scalars(select(SubAccount).where(SubAccount.id.in_(setup["account_ids"]))).all()
    for a in accounts:
        total = database.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.account_id == a.id))
        assert total == a.balance_fen >= 0
        assert a.first_deposit_paid_fen == subaccounts.first_deposit_paid([a.id])[a.id]  # cached 首期已交 = Σ
    negative = database.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.balance_after_fen < 0))
    assert negative == 0
    distinct = dict(successes)  # a retried key counts once
    grand = database.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.account_id.in_(setup["account_ids"])))
    assert grand == setup["initial"] + sum(distinct.values())
    retried = [k for k, _ in successes if k.startswith("r-")]
    assert len(retried) > len(set(retried))  # some requests really were retried
    for k in set(retried):
        assert database.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.idempotency_key == k)) == 1
    kinds = {k[0] for k in distinct}
    assert {"d", "c", "p", "r"} <= kinds
