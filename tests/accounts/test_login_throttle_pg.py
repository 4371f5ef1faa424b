"""Parallel failed logins on PostgreSQL (several gunicorn workers): every failure is counted once, and tries that
arrive together are decided one after another, so a burst gets no more free guesses than a sequence.
(SQLite has one writer: skipped there.)"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from pm.errors import DomainError
from pm.extensions import db as database
from pm.models import LoginThrottle, Role
from pm.services.accounts import login, throttle
from pm.timeutil import utcnow
from tests.factories import make_county, make_user

pytestmark = pytest.mark.pg_only

THREADS = 12


def _burst(app, names: list[str], address: str | None) -> list[str]:
    """One wrong-password try per name, all threads starting together at the same moment; their outcomes."""
    now = utcnow()
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(names))

    def worker(name: str) -> None:
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                login.authenticate(name, "wrong", address=address, now=now)
                outcome = "ok"
            except throttle.TooManyAttempts:
                outcome = "wait"
            except DomainError:
                outcome = "wrong"
            database.session.commit()  # what the login view does on an error (keep_changes_on_error)
            database.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.fixture
def admin(app, db, backend):
    if backend != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    user = make_user(Role.COUNTY_ADMIN, make_county(), username="admin1")
    database.session.commit()
    return user


def test_a_parallel_burst_on_one_account_gets_five_guesses(app, admin):
    """Twelve simultaneous wrong tries on one account: exactly five are checked and counted, seven wait."""
    outcomes = _burst(app, ["admin1"] * THREADS, address=None)
    assert sorted(outcomes) == ["wait"] * 7 + ["wrong"] * 5
    database.session.expire_all()
    row = database.session.scalar(select(LoginThrottle).where(LoginThrottle.key == f"account:{admin.id}"))
    assert row.failures == 5 and row.retry_after is not None


def test_parallel_failures_from_one_address_are_all_counted(app, admin):
    """Twelve simultaneous tries on different names from one address: the address counts twelve (no lost
    update, no duplicate-key error when the rows are created together)."""
    outcomes = _burst(app, [f"guess{i}" for i in range(THREADS)], address="192.0.2.99")
    assert outcomes == ["wrong"] * THREADS
    database.session.expire_all()
    row = database.session.scalar(select(LoginThrottle).where(LoginThrottle.key == "address:192.0.2.99"))
    assert row.failures == THREADS
    names = database.session.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like("name:%"))).all()
    assert len(names) == THREADS
