"""登录会话: one row per browser login, checked on every request, so that a login ends when it should.

What the Flask session and the remember-me cookie carry is the random id of a LoginSession (User.get_id()),
never the user id; only its SHA-256 is stored. A request's login is valid while its row
- has not ended (logout ends it, wherever the cookie was copied to),
- has been used within the idle limit (officials 30 minutes, residents 7 days; remember-me included),
- has not expired (12 hours, or the remember-me duration when asked for), and
- carries the account's current auth epoch (User.session_token): a new password, a new role or disabling
  the account rotates it (revoke_everywhere), which ends every login of the account at once; the same
  call revokes the account's API tokens and writes one audit row.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from pm.extensions import db
from pm.models import LoginSession, User
from pm.services import audit
from pm.services.accounts.bindings import binding_node
from pm.services.accounts.tokens import revoke_all_tokens
from pm.services.accounts.terms import term_ended_on
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

# last_seen_at is written at most this often (on a connection of its own, so GET requests stay read-only).
SEEN_EVERY = timedelta(seconds=60)
# Ended and expired rows are kept this long (who was logged in when), then deleted by the daily housekeeping.
KEEP_ENDED = timedelta(days=30)


def new_session_token() -> str:
    """A fresh auth epoch for an account: rotating it ends every login session of the account."""
    return secrets.token_hex(32)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def idle_limit(user: User) -> timedelta:
    """How long a login of this account may stay unused (officials 30 minutes, residents 7 days)."""
    cfg = current_app.config
    minutes = cfg["SESSION_IDLE_MINUTES_OFFICIAL"] if user.is_official else cfg["SESSION_IDLE_MINUTES_RESIDENT"]
    return timedelta(minutes=minutes)


def start_login(user: User, *, remember: bool, now: datetime | None = None) -> str:
    """Open a login session for `user` and attach its raw id to the object (for login_user); returns the id."""
    now = now or utcnow()
    cfg = current_app.config
    lifetime = cfg["REMEMBER_COOKIE_DURATION"] if remember else cfg["PERMANENT_SESSION_LIFETIME"]
    raw = secrets.token_urlsafe(32)
    row = LoginSession(user_id=user.id, token_hash=_hash(raw), epoch=user.session_token, remember=bool(remember),
                       created_at=now, last_seen_at=now, expires_at=now + lifetime)
    db.session.add(row)
    db.session.flush()
    user.login_token, user.login_session = raw, row
    return raw


def load_login(raw: str | None, *, now: datetime | None = None, why: dict | None = None) -> User | None:
    """The user of a valid login session id (from the session or the remember-me cookie), else None. A refusal
    the user should be told about is put in `why` (a committee member's term ended: {"term_ended": date})."""
    if not raw:
        return None
    now = now or utcnow()
    row = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(raw)))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_enabled or row.epoch != user.session_token:
        return None
    if now - row.last_seen_at > idle_limit(user):
        return None
    ended = term_ended_on(user, local_today(now))
    if ended is not None:  # a committee member's term ended: no more requests
        if why is not None:
            why["term_ended"] = ended
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        # Bookkeeping, not the request's change: its own short transaction (a GET never writes).
        with db.engine.begin() as conn:
            conn.execute(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
    user.login_token, user.login_session = raw, row
    return user


def end_login(user: User, reason: str, *, now: datetime | None = None) -> None:
    """End the login session the current request was made with (logout): its cookies stop working anywhere."""
    row = getattr(user, "login_session", None)
    if row is None or row.ended_at is not None:
        return
    row.ended_at = now or utcnow()
    row.end_reason = reason
    db.session.flush()


def end_all_logins(user: User, reason: str, *, now: datetime | None = None) -> int:
    """End every open login session of `user`; returns how many were open."""
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def revoke_everywhere(user: User, *, actor: User | None, reason: str, now: datetime | None = None) -> dict:
    """End every login of the account and revoke its API tokens (a new password, role or disabling):
    a new auth epoch, every login session ended, every token revoked, one audit row ("user.revoke")."""
    now = now or utcnow()
    user.session_token = new_session_token()
    counts = {"reason": reason, "sessions": end_all_logins(user, reason, now=now),
              "tokens": revoke_all_tokens(user, now=now)}
    db.session.flush()
    audit.record("user.revoke", user, actor=actor, changes=counts, place=binding_node(user))
    logger.info("sessions and tokens of %r revoked (%s) by %r", user, reason, actor)
    return counts


def purge_logins(now: datetime) -> int:
    """Delete login sessions that ended or expired more than KEEP_ENDED ago; returns how many."""
    cutoff = now - KEEP_ENDED
    result = db.session.execute(
        delete(LoginSession).where(or_(LoginSession.ended_at < cutoff, LoginSession.expires_at < cutoff))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
