"""API 令牌: bearer tokens for /api/v1, issued to oneself (or by the CLI), stored as hashes, revocable."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, update

from pm.access import Scope, authorise
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import ApiToken, User
from pm.models.accounts import PERSON_ROLES
from pm.services import audit
from pm.services.accounts.bindings import binding_node
from pm.services.accounts.terms import term_ended_on
from pm.services.text import N_
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

PREFIX = "pm_"
USE_RESOLUTION_S = 60  # last_used_at is recorded at most once a minute


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _permit_own(scope: Scope, actor: User | None, user_id: int, message: str) -> None:
    """A person manages their own tokens only; SYSTEM (the CLI) anyone's."""
    authorise(scope, actor)
    if not scope.is_system and actor.id != user_id:
        raise Forbidden(message)


def create_api_token(user: User, name: str, *, scope: Scope, actor: User | None,
                     days: int | None = 365) -> tuple[ApiToken, str]:
    """Issue a bearer token to oneself; the raw value is returned once and never stored."""
    _permit_own(scope, actor, user.id, N_("只能为自己创建令牌"))
    if user.role in PERSON_ROLES:  # their accounts are for the person on the phone, not for other systems
        raise Forbidden("业主和住户的账号不能创建 API 令牌")
    if user.is_service:
        raise Forbidden("接口账号的令牌由县级管理员签发")
    return issue_token(user, name, actor=actor, days=days)


def issue_token(user: User, name: str, *, actor: User | None, days: int | None = 365,
                capabilities: list[str] | None = None) -> tuple[ApiToken, str]:
    """Write a token (the callers check who may issue it): the raw value is returned once, its hash stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("请为令牌起一个名字", field="name")
    if len(name) > 64:
        raise DomainError("令牌名称不能超过 %(max)s 个字符", field="name", max=64)
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, token_hash=_hash(raw), prefix=raw[:10], capabilities=capabilities,
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    changes = {"name": name, "user_id": user.id}
    if capabilities is not None:
        changes["capabilities"] = capabilities
    audit.record("token.create", token, actor=actor, changes=changes, place=binding_node(user))
    return token, raw


def revoke_api_token(token: ApiToken, *, scope: Scope, actor: User | None) -> None:
    """Revoke a token (one's own); revoking twice changes nothing."""
    _permit_own(scope, actor, token.user_id, N_("只能吊销自己的令牌"))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("token.revoke", token, actor=actor, place=binding_node(db.session.get(User, token.user_id)))


def revoke_all_tokens(user: User, *, now: datetime | None = None) -> int:
    """Revoke every unrevoked token of `user` (its password, role or state changed); returns how many.
    The caller audits it (pm.services.accounts.sessions.revoke_everywhere)."""
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def tokens_query(user: User) -> Select:
    """A user's tokens, newest first, as a statement to paginate."""
    return select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())


def own_token(user: User, token_id: int) -> ApiToken | None:
    """The user's token of that id (None if there is none, or it is someone else's)."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def user_for_token(raw: str, *, now: datetime | None = None) -> User | None:
    """The enabled user a valid, unexpired, unrevoked token belongs to (None otherwise)."""
    found = token_and_user(raw, now=now)
    return found[1] if found else None


def token_and_user(raw: str, *, now: datetime | None = None) -> tuple[ApiToken, User] | None:
    """The valid, unexpired, unrevoked token and its enabled user (None otherwise)."""
    now = now or utcnow()
    # One statement for the token and its user (every API call pays for this lookup: one round trip, not two).
    row = db.session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                             .where(ApiToken.token_hash == _hash(raw))).first()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not user.is_enabled or term_ended_on(user, local_today(now)) is not None:
        return None
    return token, user


def use_is_stale(token: ApiToken, now: datetime) -> bool:
    """Whether the token's last use is worth recording again (at most once a minute)."""
    return token.last_used_at is None or (now - token.last_used_at).total_seconds() > USE_RESOLUTION_S


def record_use(token_id: int, now: datetime) -> None:
    """Write the token's last use on a connection of its own, unless another call already did within the minute.

    Call it only when the request's session holds no connection (after the request, see pm.blueprints.apiutil):
    taking a second connection while holding the first let 16 parallel calls with one token exhaust the pool.
    The request's transaction stays the handler's (a GET never writes; a failed POST loses no bookkeeping)."""
    fresh = now - timedelta(seconds=USE_RESOLUTION_S)
    with db.engine.begin() as conn:
        conn.execute(update(ApiToken).where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < fresh)).values(last_used_at=now))
