"""账号服务: login with per-account throttling, account administration within scope, API tokens."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash

from pm.access import Scope, require
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    ApiToken,
    Community,
    Compound,
    County,
    Person,
    Role,
    Station,
    StreetOffice,
    User,
)
from pm.models.accounts import BINDING, OFFICIAL_ROLES
from pm.services import audit
from pm.services.accounts.access import assignable_roles
from pm.services.accounts.passwords import check_against_dummy, hash_password
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)

# A short local list; the point is refusing the passwords every attacker tries first.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012", "password1234", "qwertyuiop12", "111111111111", "000000000000",
        "abc123456789", "1qaz2wsx3edc", "123123123123", "woaini1314520", "admin1234567",
        "passwordpassword", "iloveyou1234", "aaaaaaaaaaaa", "12345678", "password", "88888888",
        "11111111", "123456789", "1234567890", "66666666", "00000000", "qwerty123", "abc12345",
    }
)

BINDING_MODELS = {
    "county_id": County,
    "street_id": StreetOffice,
    "community_id": Community,
    "station_id": Station,
    "compound_id": Compound,
    "person_id": Person,
}


def new_session_token() -> str:
    return secrets.token_hex(32)


def check_password_policy(password: str, role: Role) -> None:
    """Officials: at least 12 characters; residents: 8. No composition rules; common ones refused."""
    minimum = (
        current_app.config["PASSWORD_MIN_LENGTH_OFFICIAL"]
        if role in OFFICIAL_ROLES
        else current_app.config["PASSWORD_MIN_LENGTH_RESIDENT"]
    )
    if len(password) < minimum:
        raise DomainError("密码至少需要 %(minimum)s 个字符", field="password", minimum=minimum)
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise DomainError("这个密码太常见，容易被猜中，请换一个", field="password")


def authenticate(username: str, password: str, *, now: datetime | None = None) -> User:
    """Return the user for valid credentials; count failures per account and lock after too many.

    The caller commits (failures must be persisted too, so it commits on error as well).
    """
    now = now or utcnow()
    cfg = current_app.config
    username = (username or "").strip()
    user = db.session.scalar(
        select(User).where(or_(User.username == username, User.phone == username)).with_for_update()
    )
    if user is None:
        # Same work as a real check so timing does not reveal which usernames exist.
        check_against_dummy(password or "")
        audit_login(None, "login.failure", {"username": username, "reason": "unknown"})
        raise DomainError("用户名或密码不正确", field="password")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        audit_login(user, "login.failure", {"reason": "locked"})
        raise DomainError("登录失败次数过多，账号已暂时锁定，请 %(minutes)s 分钟后再试", field="password", minutes=minutes)
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


def audit_login(user: User | None, action: str, changes: dict | None) -> None:
    if user is None:
        logger.warning("%s %r", action, changes)
        return
    audit.record(action, user, actor=user, changes=changes, place=_binding_node(user))


def _binding_node(user: User):
    """The tree node an account sits under, for placing its audit rows."""
    if user.role in (Role.OWNER, Role.RESIDENT):
        return None
    column = BINDING[user.role]
    if column == "station_id":
        station = db.session.get(Station, user.station_id)
        return db.session.get(Community, station.community_id) if station else None
    model = BINDING_MODELS[column]
    return db.session.get(model, getattr(user, column))


def _validate_binding(role: Role, binding_id: int | None) -> tuple[str, object]:
    column = BINDING[role]
    if binding_id is None:
        raise DomainError("请为该角色选择所属单位", field="binding_id")
    model = BINDING_MODELS[column]
    node = db.session.get(model, binding_id)
    if node is None:
        raise DomainError("所选单位不存在", field="binding_id")
    return column, node


def _binding_in_scope(scope: Scope, role: Role, column: str, binding_id: int) -> bool:
    model = BINDING_MODELS[column]
    return scope.contains(model, binding_id)


def create_user(
    *,
    actor: User | None,
    scope: Scope | None,
    username: str,
    display_name: str,
    password: str,
    role: Role | str,
    binding_id: int | None,
    phone: str | None = None,
) -> User:
    """Create an account. With an actor, the role must be below theirs and the binding inside their scope.

    actor=None is for the CLI (an operator on the server) and the demo loader.
    """
    role = Role(role)
    username = (username or "").strip()
    if not username:
        raise DomainError("请填写用户名", field="username")
    if db.session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise DomainError("该用户名已被使用", field="username")
    if phone and db.session.scalar(select(func.count()).select_from(User).where(User.phone == phone)):
        raise DomainError("该手机号已绑定其他账号", field="phone")
    column, _node = _validate_binding(role, binding_id)
    if actor is not None:
        require(actor, "accounts.manage")
        if role not in assignable_roles(actor):
            raise Forbidden("不能创建与您同级或更高级别的账号")
        if not _binding_in_scope(scope, role, column, binding_id):
            raise Forbidden("所选单位不在您的管理范围内")
    check_password_policy(password, role)
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        phone=phone or None,
        password_hash=hash_password(password),
        role=role,
        session_token=new_session_token(),
    )
    setattr(user, column, binding_id)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        user,
        actor=actor,
        changes={"role": role.value, column: binding_id, "username": username},
        place=_binding_node(user),
    )
    return user


def update_user(
    user: User, *, actor: User, scope: Scope, display_name: str | None = None, is_enabled: bool | None = None,
    role: Role | None = None, binding_id: int | None = None,
) -> User:
    """Change an account's name, status, role or binding (audited; disabling ends its sessions)."""
    require(actor, "accounts.manage")
    if user.id == actor.id and (is_enabled is False or role is not None):
        raise Forbidden("不能停用或更改自己的账号角色")
    if user.role not in assignable_roles(actor) or not scope.contains(User, user.id):
        raise Forbidden("该账号不在您的管理范围内")
    changes: dict = {}
    if display_name is not None and display_name.strip() != user.display_name:
        changes["display_name"] = [user.display_name, display_name.strip()]
        user.display_name = display_name.strip()
    new_role = Role(role) if role is not None else user.role
    if new_role not in assignable_roles(actor):
        raise Forbidden("不能授予与您同级或更高级别的角色")
    if role is not None or binding_id is not None:
        column, _node = _validate_binding(new_role, binding_id if binding_id is not None else user.binding_id)
        target = binding_id if binding_id is not None else user.binding_id
        if not _binding_in_scope(scope, new_role, column, target):
            raise Forbidden("所选单位不在您的管理范围内")
        old = {"role": user.role.value, "binding": user.binding_id}
        for col in BINDING_MODELS:
            setattr(user, col, None)
        user.role = new_role
        setattr(user, column, target)
        if old != {"role": new_role.value, "binding": target}:
            changes["role"] = [old["role"], new_role.value]
            changes["binding"] = [old["binding"], target]
            user.session_token = new_session_token()  # permissions changed: old sessions end
    if is_enabled is not None and is_enabled != user.is_enabled:
        changes["is_enabled"] = [user.is_enabled, is_enabled]
        user.is_enabled = is_enabled
        if not is_enabled:
            user.session_token = new_session_token()
    if changes:
        db.session.flush()
        audit.record("user.update", user, actor=actor, changes=changes, place=_binding_node(user))
    return user


def set_password(user: User, new_password: str, *, actor: User | None, old_password: str | None = None) -> None:
    """Set a password (the user's own change needs the old one); rotates the session token."""
    if actor is not None and actor.id == user.id:
        if not check_password_hash(user.password_hash, old_password or ""):
            raise DomainError("原密码不正确", field="old_password")
    check_password_policy(new_password, user.role)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    audit.record("user.password", user, actor=actor, changes={"password": ["***", "***"]}, place=_binding_node(user))


def load_by_session_token(token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == token))


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(user: User, name: str, *, days: int | None = 365) -> tuple[ApiToken, str]:
    """Issue a bearer token; the raw value is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("请为令牌起一个名字", field="name")
    raw = "pm_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_hash_token(raw),
        prefix=raw[:10],
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record("token.create", token, actor=user, changes={"name": name}, place=_binding_node(user))
    return token, raw


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    if token.user_id != actor.id:
        raise Forbidden("只能吊销自己的令牌")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("token.revoke", token, actor=actor, place=_binding_node(actor))


def user_for_token(raw: str, *, now: datetime | None = None) -> User | None:
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_enabled:
        return None
    # Record use at most once a minute, on a connection of its own: the request's transaction stays the
    # handler's (a GET never writes; a failed POST rolls back without losing this bookkeeping).
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with db.engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return user
