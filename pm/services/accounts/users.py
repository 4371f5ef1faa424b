"""账号管理: create and change logins within an administrator's scope; the account lists."""
from __future__ import annotations

import logging

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import Person, Role, User
from pm.models.accounts import PERSON_ROLES
from pm.services import audit
from pm.services.accounts.access import assignable_roles
from pm.services.accounts.bindings import (
    BINDING_MODELS,
    binding_in_scope,
    binding_node,
    validate_binding,
)
from pm.services.accounts.hashing import hash_password
from pm.services.accounts.loginnames import check_login_names
from pm.services.accounts.sessions import new_session_token, revoke_everywhere
from pm.services.accounts.passwords import check_password_policy, permit_manage
from pm.services.text import N_, check_phone

logger = logging.getLogger(__name__)

CLAIM_ONLY = N_("业主和住户的账号由本人凭邀请码认领并自设密码，不能由工作人员创建；请在人员页面向其发放认领邀请（邀请函或短信）")

# Every binding relationship is loaded with the user (LEFT JOINs), so a page of accounts is one query.
USER_OPTIONS = tuple(
    joinedload(rel) for rel in (User.county, User.street, User.community, User.station, User.compound, User.person)
)


def create_user(*, scope: Scope, actor: User | None, username: str, display_name: str, password: str,
                role: Role | str, binding_id: int | None, phone: str | None = None) -> User:
    """Create an account. A person may create roles below theirs bound inside their scope; SYSTEM (the CLI) any —
    except owners and residents, whose accounts only the person claims (accounts.claims). The phone (a second
    login name) follows the one phone rule and is stored as digits; usernames and phones never collide across
    accounts (pm.services.accounts.loginnames)."""
    role = Role(role)
    if role in PERSON_ROLES:
        raise DomainError(CLAIM_ONLY, field="role")
    username, phone = check_login_names(username, phone)  # never another account's phone, nor it theirs
    column = validate_binding(role, binding_id)
    authorise(scope, actor, "accounts.manage")
    if not scope.is_system:
        if role not in assignable_roles(actor):
            raise Forbidden("不能创建与您同级或更高级别的账号")
        if not binding_in_scope(scope, column, binding_id):
            raise Forbidden("所选单位不在您的管理范围内")
    check_password_policy(password, role)
    user = User(
        username=username, display_name=(display_name or username).strip(), phone=phone,
        password_hash=hash_password(password), role=role, session_token=new_session_token(),
    )
    setattr(user, column, binding_id)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor, place=binding_node(user),
                 changes={"role": role.value, column: binding_id, "username": username})
    logger.info("account %r created by %r", user, actor)
    return user


def update_user(user: User, *, scope: Scope, actor: User | None, display_name: str | None = None,
                is_enabled: bool | None = None, role: Role | None = None, binding_id: int | None = None) -> User:
    """Change an account's name, status, role or binding (audited; disabling or a new role ends its sessions
    and revokes its API tokens)."""
    authorise(scope, actor, "accounts.manage")
    if actor is not None and user.id == actor.id and (is_enabled is False or role is not None):
        raise Forbidden("不能停用或更改自己的账号角色")
    permit_manage(scope, actor, user)
    changes: dict = {}
    revoke: str | None = None
    if display_name is not None and display_name.strip() != user.display_name:
        changes["display_name"] = [user.display_name, display_name.strip()]
        user.display_name = display_name.strip()
    new_role = Role(role) if role is not None else user.role
    if (role is not None or binding_id is not None) and (new_role in PERSON_ROLES or user.role in PERSON_ROLES) \
            and (new_role != user.role or binding_id not in (None, user.binding_id)):
        # Binding an account to a person (or a person's account elsewhere) would let an official act as them.
        raise DomainError(CLAIM_ONLY, field="role")
    if not scope.is_system and new_role not in assignable_roles(actor):
        raise Forbidden("不能授予与您同级或更高级别的角色")
    if role is not None or binding_id is not None:
        target = binding_id if binding_id is not None else user.binding_id
        column = validate_binding(new_role, target)
        if not binding_in_scope(scope, column, target):
            raise Forbidden("所选单位不在您的管理范围内")
        old = {"role": user.role.value, "binding": user.binding_id}
        for col in BINDING_MODELS:
            setattr(user, col, None)
        user.role = new_role
        setattr(user, column, target)
        if old != {"role": new_role.value, "binding": target}:
            changes["role"] = [old["role"], new_role.value]
            changes["binding"] = [old["binding"], target]
            revoke = "role"  # permissions changed: its sessions and tokens end
    if is_enabled is not None and is_enabled != user.is_enabled:
        changes["is_enabled"] = [user.is_enabled, is_enabled]
        user.is_enabled = is_enabled
        if not is_enabled:
            revoke = "disabled"
    if changes:
        db.session.flush()
        audit.record("user.update", user, actor=actor, changes=changes, place=binding_node(user))
    if revoke:
        revoke_everywhere(user, actor=actor, reason=revoke)
    return user


# -- reads -----------------------------------------------------------------------------------------
def manageable(scope: Scope, actor: User, user_id: int, *, own: bool = True) -> User:
    """An account the administrator may open: in scope (NotFound otherwise), of a lower role, or (`own`) their own."""
    authorise(scope, actor, "accounts.manage")
    user = scope.get(User, user_id)
    if not (own and user.id == actor.id) and user.role not in assignable_roles(actor):
        raise Forbidden("该账号不在您的管理范围内")
    return user


def find_users(scope: Scope, *, actor: User, role: Role | None = None, is_enabled: bool | None = None,
               q: str | None = None, by_role: bool = False) -> Select:
    """Accounts bound at or below the administrator's node, filtered by role, state or name text, bindings loaded;
    ordered by username (or by role, then username)."""
    authorise(scope, actor, "accounts.manage")
    stmt = scope.select(User).options(*USER_OPTIONS)
    if role:
        stmt = stmt.where(User.role == role)
    if is_enabled is not None:
        stmt = stmt.where(User.is_enabled.is_(is_enabled))
    if q and q.strip():
        q = q.strip()
        stmt = stmt.where(or_(User.username.contains(q, autoescape=True),
                              User.display_name.contains(q, autoescape=True)))
    return stmt.order_by(User.role, User.username) if by_role else stmt.order_by(User.username, User.id)


def person_by_phone(scope: Scope, phone: str | None, *, field: str = "person_phone") -> Person:
    """The one person in scope registered with this phone, for an owner's or resident's account."""
    phone = check_phone(phone, field=field)
    if not phone:
        raise DomainError("请填写业主/住户在台账中登记的电话", field=field)
    persons = db.session.scalars(scope.select(Person).where(Person.phone == phone)).all()
    if not persons:
        raise DomainError("您的辖区内没有登记这个电话的业主或住户", field=field)
    if len(persons) > 1:
        raise DomainError("这个电话登记了多人，请先在台账中更正", field=field)
    return persons[0]
