"""登录: password login against one unambiguous account, throttled (pm.services.accounts.throttle), audited.

Which account a typed name means: the account with that username; otherwise, if the name is a phone number,
the one account registered with that phone (none when no account or several accounts have it). Usernames
and phones are kept apart when accounts are created (pm.services.accounts.loginnames), so this is never a
guess. An unknown name, a wrong password and a name several accounts share all get the same answer after
the same work (a password hash is checked against a dummy for an unknown name).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from werkzeug.security import check_password_hash

from pm.errors import DomainError
from pm.extensions import db
from pm.models import User
from pm.services import audit
from pm.services.accounts import throttle
from pm.services.accounts.bindings import binding_node
from pm.services.accounts.hashing import check_against_dummy
from pm.services.accounts.sessions import new_session_token  # noqa: F401  (re-exported: the auth epoch)
from pm.services.accounts.terms import term_ended_on
from pm.services.text import N_, normalise_phone
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

WRONG = N_("用户名或密码不正确")
TERM_ENDED = N_("您的业主委员会委员任期已于 %(date)s 结束，该委员账号不能再登录")


def audit_login(user: User | None, action: str, changes: dict | None) -> None:
    """An audit row for a login attempt on a known account (an unknown name is only logged)."""
    if user is None:
        logger.warning("%s %r", action, changes)
        return
    audit.record(action, user, actor=user, changes=changes, place=binding_node(user))


def _phone(typed: str) -> str | None:
    try:
        return normalise_phone(typed)
    except DomainError:
        return None


def login_name(typed: str | None) -> str:
    """The typed login name as it is looked up and counted: trimmed; a phone number as its digits."""
    typed = (typed or "").strip()[:64]
    return _phone(typed) or typed


def find_account(typed: str | None) -> User | None:
    """The one account a typed login name means: by username, else by phone when exactly one account has it."""
    typed = (typed or "").strip()[:64]
    if not typed:
        return None
    user = db.session.scalar(select(User).where(User.username == typed))
    if user is not None:
        return user
    phone = _phone(typed)
    if phone is None:
        return None
    found = db.session.scalars(select(User).where(User.phone == phone).order_by(User.id).limit(2)).all()
    return found[0] if len(found) == 1 else None


def authenticate(username: str | None, password: str | None, *, address: str | None = None,
                 device: dict | None = None, now: datetime | None = None) -> User:
    """Return the account for valid credentials (username or phone), else raise DomainError (TooManyAttempts
    while a wait runs). Failures are counted per account (or this browser's device) and per client address.

    The caller commits on error too (the failure count must be kept).
    """
    given, now = now, now or utcnow()
    password = password or ""
    typed = login_name(username)
    user = find_account(username)
    rows = throttle.hold(throttle.keys_for(user, typed, address=address, device=device), now)
    try:
        throttle.check(rows, now)
    except throttle.TooManyAttempts as err:
        # Only logged: the wait itself was audited when it began ("login.throttled"), and a flood of refused
        # tries must not flood the append-only audit log.
        logger.warning("login refused for %s s: %s", err.retry_after, sorted(rows))
        raise
    if user is None:
        check_against_dummy(password)  # the same work as a real check: timing does not reveal the name
        ok = False
    else:
        # A service account (接口账号) has no password anyone knows and never logs in on the web.
        ok = check_password_hash(user.password_hash, password) and not user.is_service
    if not ok:
        # The wait starts when the failure is known, after the password hash (~0.8 s, more under load), not when the
        # request came in: else the first waits (1 s, 2 s) would be mostly over before the answer is sent.
        waiting = throttle.record_failure(rows, given or utcnow())
        audit_login(user, "login.failure", {"reason": "unknown" if user is None else "password"})
        if waiting:
            audit_login(user, "login.throttled", {"wait_seconds": waiting})
        raise DomainError(WRONG, field="password")
    if not user.is_enabled:
        audit_login(user, "login.failure", {"reason": "disabled"})
        raise DomainError("该账号已停用，请联系管理员", field="username")
    ended = term_ended_on(user, local_today(now))
    if ended is not None:
        audit_login(user, "login.failure", {"reason": "term_ended"})
        raise DomainError(TERM_ENDED, field="username", date=ended.isoformat())
    throttle.record_success(rows)
    user.last_login_at = now
    audit_login(user, "login.success", None)
    return user
