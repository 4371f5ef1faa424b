"""Parallel writers for the PostgreSQL race tests: `race` runs one piece of work in N threads that start together,
each in its own app context and session, and returns what became of each ("ok" when its transaction committed,
"refused" when it raised one of the expected refusals, "error: …" for anything else, so that an unexpected failure
shows in the assertion instead of being lost in a thread)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pm.errors import Conflict
from pm.extensions import db

THREADS = 12


def one_wins(n: int) -> list[str]:
    """The outcomes of a race that exactly one writer may win."""
    return ["ok"] + ["refused"] * (n - 1)


def race(app, n: int, work: Callable[..., Any], *, load: Callable[[int], tuple] | None = None,
         refused: tuple[type[BaseException], ...] = (Conflict,), timeout: float = 30) -> list[str]:
    """Run ``work(i, *load(i))`` in `n` threads released at once by a barrier (objects are loaded before it, so the
    race is between the writes), committing each thread's session; the sorted outcomes."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = ["error: did not finish"] * n

    def worker(i: int) -> None:
        with app.app_context():
            try:
                loaded = load(i) if load else ()
                barrier.wait(timeout)
                try:
                    work(i, *loaded)
                    db.session.commit()
                    outcomes[i] = "ok"
                except refused:
                    db.session.rollback()
                    outcomes[i] = "refused"
            except Exception as exc:  # noqa: BLE001 - reported in the outcomes
                barrier.abort()
                db.session.rollback()
                outcomes[i] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return sorted(outcomes)


def requests_at_once(app, n: int, send: Callable[[Any, int], Any], *, token: str | None = None,
                     timeout: float = 300) -> list:
    """Send `n` API requests at once, each from its own test client (`send(client, i)` returns what the test
    wants to keep, e.g. the status and JSON); the results in thread order. With a token, one call goes first: it
    records the token's last use (once a minute, on a second connection), which `n` first calls at once would each
    wait for while holding a pooled connection — a pool deadlock of the test, not of the app."""
    if token is not None:
        assert app.test_client().get("/api/v1/fund-entries?limit=1",
                                     headers={"Authorization": f"Bearer {token}"}).status_code == 200
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=60)
        results[i] = send(client, i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results
