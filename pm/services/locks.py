"""锁: transaction-scoped named locks, so that a count-then-insert (a rate limit) holds under parallel requests."""
from __future__ import annotations

from sqlalchemy import text

from pm.extensions import db


def serialise(*names: str) -> None:
    """Hold a lock per name until the current transaction ends (PostgreSQL advisory transaction locks, taken in
    sorted order so two requests never wait on each other). SQLite runs one writer at a time by itself."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})
