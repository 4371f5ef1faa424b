"""登录限速: failed logins slow down further tries, counted in the database (all gunicorn workers share it).

Failures are counted under keys: the account ("account:7"; a name no account has counts as "name:…", so an
unknown name is throttled exactly like a known one and the answer reveals nothing), the client address
("address:10.0.0.1", from X-Forwarded-For only when PM_TRUSTED_PROXIES says how many proxies to trust) and,
for a browser that has logged in to that account before (a signed device cookie), the device instead of the
account ("device:…"): an attacker elsewhere can slow the account down but never keep its owner out.

After LOGIN_FREE_FAILURES failures (the address: LOGIN_FREE_FAILURES_ADDRESS) each next try must wait
2^k seconds after the last failure (k = failures beyond the free ones), at most LOGIN_DELAY_CAP_SECONDS.
A try during the wait is refused without looking at the password and without counting, so nobody can renew
a wait by hammering; a failure is forgotten after LOGIN_FAILURE_MEMORY_HOURS, a success clears its account
or device key (never the address). Rows are locked while a try is decided (SELECT … FOR UPDATE on
PostgreSQL; SQLite has one writer), so parallel tries are counted one by one.
"""
from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from pm.errors import DomainError
from pm.extensions import db
from pm.models import LoginThrottle, User
from pm.services.text import N_

DEVICE_COOKIE = "pm_device"
WAIT = N_("登录尝试过于频繁，请 %(seconds)s 秒后再试")
DEVICE_COOKIE_DAYS = 365


class TooManyAttempts(DomainError):
    """A login try inside a wait: answered 429 with Retry-After."""

    status = 429

    def __init__(self, seconds: int):
        super().__init__(WAIT, field="password", seconds=seconds)
        self.retry_after = seconds


def delay_after(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after `failures` failures: none for the first `free` - 1, then 1, 2, 4, … up to `cap`."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 30), cap)


def _insert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def hold(keys: list[str], now: datetime) -> dict[str, LoginThrottle]:
    """The throttle rows of `keys`, created if missing and locked until the transaction ends (in key order,
    so two tries never wait on each other crosswise); failures older than the memory are forgotten."""
    keys = sorted(set(keys))
    table = LoginThrottle.__table__
    dialect = db.session.get_bind().dialect.name
    for key in keys:
        db.session.execute(_insert(dialect)(table).values(key=key, failures=0)
                           .on_conflict_do_nothing(index_elements=["key"]))
    rows = db.session.scalars(
        select(LoginThrottle).where(LoginThrottle.key.in_(keys)).order_by(LoginThrottle.key)
        .with_for_update().execution_options(populate_existing=True)
    ).all()
    memory = timedelta(hours=current_app.config["LOGIN_FAILURE_MEMORY_HOURS"])
    for row in rows:
        if row.last_failure_at is not None and now - row.last_failure_at > memory:
            row.failures, row.retry_after, row.last_failure_at = 0, None, None
    return {row.key: row for row in rows}


def check(rows: dict[str, LoginThrottle], now: datetime) -> None:
    """Refuse the try (TooManyAttempts, nothing counted) while any of its keys must still wait."""
    waits = [(row.retry_after - now).total_seconds() for row in rows.values()
             if row.retry_after is not None and row.retry_after > now]
    if waits:
        raise TooManyAttempts(max(1, math.ceil(max(waits))))


def free_failures(key: str) -> int:
    cfg = current_app.config
    return cfg["LOGIN_FREE_FAILURES_ADDRESS"] if key.startswith("address:") else cfg["LOGIN_FREE_FAILURES"]


def record_failure(rows: dict[str, LoginThrottle], now: datetime) -> dict[str, int]:
    """Count a failure under every key; returns {key: seconds} of the keys that must now wait."""
    cap = current_app.config["LOGIN_DELAY_CAP_SECONDS"]
    waiting = {}
    for key, row in rows.items():
        row.failures += 1
        row.last_failure_at = now
        seconds = delay_after(row.failures, free_failures(key), cap)
        row.retry_after = now + timedelta(seconds=seconds) if seconds else None
        if seconds:
            waiting[key] = seconds
    db.session.flush()
    return waiting


def record_success(rows: dict[str, LoginThrottle]) -> None:
    """A right password clears the account's (or device's) count; an address keeps its count."""
    for key, row in rows.items():
        if not key.startswith("address:"):
            row.failures, row.retry_after, row.last_failure_at = 0, None, None
    db.session.flush()


def clear_account(user: User) -> None:
    """An administrator's password reset lets the account's owner try again at once."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(user.id))
                       .execution_options(synchronize_session=False))


def account_key(user_id: int) -> str:
    return f"account:{user_id}"


def keys_for(user: User | None, typed: str, *, address: str | None, device: dict | None) -> list[str]:
    """The keys a try is counted under (see the module docstring)."""
    if user is None:
        keys = [f"name:{typed}"[:160]]
    elif device is not None and device.get("u") == user.id and isinstance(device.get("n"), str):
        keys = [f"device:{device['n']}"[:160]]
    else:
        keys = [account_key(user.id)]
    if address:
        keys.append(f"address:{address}"[:160])
    return keys


def purge(now: datetime) -> int:
    """Delete rows with nothing left to remember (no failure within the memory); returns how many."""
    cutoff = now - timedelta(hours=current_app.config["LOGIN_FAILURE_MEMORY_HOURS"])
    result = db.session.execute(
        delete(LoginThrottle).where(or_(LoginThrottle.last_failure_at.is_(None), LoginThrottle.last_failure_at < cutoff))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# -- the device cookie ------------------------------------------------------------------------------
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="pm-login-device")


def device_cookie(user: User) -> str:
    """A signed cookie value saying this browser has logged in to `user` before."""
    return _serializer().dumps({"u": user.id, "n": secrets.token_urlsafe(16)})


def read_device_cookie(value: str | None) -> dict | None:
    """The {u: user id, n: nonce} of a device cookie with a valid signature, else None."""
    if not value:
        return None
    try:
        data = _serializer().loads(value)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None
