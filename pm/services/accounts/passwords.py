"""密码: the password policy and password changes (one's own, or an administrator's reset)."""
from __future__ import annotations

import logging

from flask import current_app
from werkzeug.security import check_password_hash

from pm.access import Scope, authorise
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import Role, User
from pm.models.accounts import OFFICIAL_ROLES, PERSON_ROLES
from pm.services import audit
from pm.services.accounts.access import assignable_roles
from pm.services.accounts.bindings import binding_node
from pm.services.accounts.hashing import hash_password
from pm.services.accounts.sessions import revoke_everywhere
from pm.services.accounts.throttle import clear_account

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


def permit_manage(scope: Scope, actor: User | None, user: User) -> None:
    """An administrator may act on an account in their scope with a role below theirs (SYSTEM on any)."""
    authorise(scope, actor, "accounts.manage")
    if scope.is_system:
        return
    if user.role not in assignable_roles(actor) or not scope.contains(User, user.id):
        raise Forbidden("该账号不在您的管理范围内")


def set_password(user: User, new_password: str, *, scope: Scope, actor: User | None,
                 old_password: str | None = None) -> None:
    """Set a password: one's own change needs the old one; an administrator resets one in their scope.
    Every login session and API token of the account ends (revoke_everywhere); the caller starts a new
    login for the browser that changed its own password."""
    if actor is not None and actor.id == user.id:
        authorise(scope, actor)
        if not check_password_hash(user.password_hash, old_password or ""):
            raise DomainError("原密码不正确", field="old_password")
    else:
        permit_manage(scope, actor, user)
        if user.role in PERSON_ROLES:
            raise Forbidden("业主和住户的密码只能由本人设置；可以向其登记的手机发送重设密码验证码")
    check_password_policy(new_password, user.role)
    user.password_hash = hash_password(new_password)
    db.session.flush()
    audit.record("user.password", user, actor=actor, changes={"password": ["***", "***"]}, place=binding_node(user))
    revoke_everywhere(user, actor=actor, reason="password")
    clear_account(user)  # the new password may be tried at once
    logger.info("password of %r set by %r", user, actor)
