"""登录: password login with per-account throttling, session tokens, and the audit of every attempt."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from werkzeug.security import check_password_hash

from pm.errors import DomainError
from pm.extensions import db
from pm.models import User
from pm.services import audit
from pm.services.accounts.bindings import binding_node
from pm.services.accounts.hashing import check_against_dummy
from pm.services.text import normalise_phone
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)



def new_session_token() -> str:
    """A fresh per-account session token: rotating it ends every session of the account."""
    return secrets.token_hex(32)


def load_by_session_token(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == token))


def audit_login(user: User | None, action: str, changes: dict | None) -> None:
    """An audit row for a login attempt on a known account (an unknown name is only logged)."""
    if user is None:
        logger.warning("%s %r", action, changes)
        return
    audit.record(action, user, actor=user, changes=changes, place=binding_node(user))


def _login_names(typed: str) -> list[str]:
    """What a typed login may match: the username or phone as typed, and the phone normalised (138 0000 1111)."""
    names = [typed]
    try:
        phone = normalise_phone(typed)
    except DomainError:
        phone = None
    if phone and phone != typed:
        names.append(phone)
    return names


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User:
    """Return the user for valid credentials (username or phone); count failures per account and lock after too many.

    The caller commits (failures must be persisted too, so it commits on error as well).
    """
    now = now or utcnow()
    cfg = current_app.config
    username = (username or "").strip()
    names = _login_names(username)
    user = db.session.scalar(
        select(User).where(or_(User.username == username, User.phone.in_(names))).order_by(User.id).with_for_update()
    )
    if user is None:
        # Same work as a real check so timing does not reveal which usernames exist.
        check_against_dummy(password or "")
        audit_login(None, "login.failure", {"username": username, "reason": "unknown"})
        raise DomainError("用户名或密码不正确", field="password")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        audit_login(user, "login.failure", {"reason": "locked"})
        raise DomainError("登录失败次数过多，账号已暂时锁定，请 %(minutes)s 分钟后再试", field="password",
                          minutes=minutes)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        audit_login(user, "login.failure", {"reason": "password"})
        raise DomainError("用户名或密码不正确", field="password")
    if not user.is_enabled:
        audit_login(user, "login.failure", {"reason": "disabled"})
        raise DomainError("该账号已停用，请联系管理员", field="username")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit_login(user, "login.success", None)
    return user
