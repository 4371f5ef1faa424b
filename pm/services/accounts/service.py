"""接口账号: service accounts for integrations (a bank, a county dashboard) — not a person, never a web login.

A county admin creates one bound to a node of the county's tree (county, street, community or compound) and
issues it tokens limited to named capabilities (pm.access CAPABILITIES, e.g. "fund.cashier", "fund.view"). The
account's Scope is the node's (as for an official bound there); a call outside the node finds nothing, a call
outside the token's capabilities is refused naming what is missing (pm.access.require). Its tokens are listed
and revoked by the county admin; every call made with one is attributed to it in the audit log.
"""
from __future__ import annotations

import secrets

from sqlalchemy import Select, select

from pm.access import CAPABILITIES, Scope, authorise
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import ApiToken, Role, User
from pm.services import audit
from pm.services.accounts.bindings import BINDING_MODELS, binding_in_scope, binding_node
from pm.services.accounts.hashing import hash_password
from pm.services.accounts.sessions import new_session_token, revoke_everywhere
from pm.services.accounts.tokens import issue_token
from pm.services.accounts.users import USER_OPTIONS
from pm.timeutil import utcnow

# The node kinds a service account may be bound to, and the role whose scope (and capabilities) it takes there.
NODE_ROLES: dict[str, Role] = {
    "county_id": Role.COUNTY_ADMIN,
    "street_id": Role.STREET_OFFICER,
    "community_id": Role.COMMUNITY_WORKER,
    "compound_id": Role.COMMITTEE_MEMBER,
}
# Never given to an integration: it would administer people's logins.
NOT_FOR_SERVICES = frozenset({"accounts.manage", "accounts.invite", "accounts.service"})


def grantable(node: str) -> list[str]:
    """Capabilities a token of a service account bound at this kind of node may be limited to."""
    role = NODE_ROLES[node]
    return sorted(name for name, roles in CAPABILITIES.items() if role in roles and name not in NOT_FOR_SERVICES)


def _check_capabilities(node: str, capabilities: list[str] | None) -> list[str]:
    wanted = sorted({str(c).strip() for c in capabilities or [] if str(c).strip()})
    if not wanted:
        raise DomainError("请至少选择一项权限（可选：%(valid)s）", field="capabilities", valid="、".join(grantable(node)))
    valid = grantable(node)
    wrong = [c for c in wanted if c not in valid]
    if wrong:
        raise DomainError("权限 %(wrong)s 不能授予绑定在此类单位的接口账号（可选：%(valid)s）", field="capabilities",
                          wrong="、".join(wrong), valid="、".join(valid))
    return wanted


def create_service_account(*, scope: Scope, actor: User | None, name: str, node: str, node_id: int | None,
                           capabilities: list[str], token_name: str, days: int | None = 365
                           ) -> tuple[User, ApiToken, str]:
    """A new service account bound to one node of the admin's county, with its first token (raw value once)."""
    authorise(scope, actor, "accounts.service")
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写接口账号名称（例如对接的银行）", field="name")
    if len(name) > 64:
        raise DomainError("名称不能超过 %(max)s 个字符", field="name", max=64)
    if node not in NODE_ROLES:
        raise DomainError("接口账号只能绑定到区县、街道、社区或小区（可选：%(valid)s）", field="node",
                          valid="、".join(NODE_ROLES))
    # One answer for a node outside the admin's county and one that does not exist (nothing is revealed).
    if (node_id is None or not binding_in_scope(scope, node, node_id)
            or db.session.get(BINDING_MODELS[node], node_id) is None):
        raise DomainError("所选单位不存在或不在您的管理范围内", field="node_id")
    wanted = _check_capabilities(node, capabilities)
    account = User(
        username=f"svc-{secrets.token_hex(8)}", display_name=name, role=NODE_ROLES[node], is_service=True,
        password_hash=hash_password(secrets.token_urlsafe(32)),  # never told to anyone: no web login
        session_token=new_session_token(),
    )
    setattr(account, node, node_id)
    db.session.add(account)
    db.session.flush()
    audit.record("service_account.create", account, actor=actor, place=binding_node(account),
                 changes={"name": name, node: node_id, "role": account.role.value})
    token, raw = issue_token(account, token_name, actor=actor, days=days, capabilities=wanted)
    return account, token, raw


def service_account(scope: Scope, actor: User | None, account_id: int) -> User:
    """A service account in the admin's scope (NotFound otherwise, like any account outside it)."""
    authorise(scope, actor, "accounts.service")
    account = scope.get(User, account_id)
    if not account.is_service:
        raise Forbidden("这不是接口账号")
    return account


def node_of(account: User) -> str:
    return next(column for column, role in NODE_ROLES.items() if role == account.role)


def issue_service_token(account: User, *, scope: Scope, actor: User | None, name: str, capabilities: list[str],
                        days: int | None = 365) -> tuple[ApiToken, str]:
    """Another token for a service account (e.g. to rotate one): the raw value is shown once."""
    authorise(scope, actor, "accounts.service")
    if not account.is_enabled:
        raise DomainError("该接口账号已停用", field="name")
    return issue_token(account, name, actor=actor, days=days, capabilities=_check_capabilities(
        node_of(account), capabilities))


def revoke_service_token(account: User, token_id: int, *, scope: Scope, actor: User | None) -> ApiToken:
    """Revoke one of a service account's tokens (twice changes nothing)."""
    authorise(scope, actor, "accounts.service")
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != account.id:
        raise DomainError("该接口账号没有这个令牌", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("token.revoke", token, actor=actor, place=binding_node(account))
    return token


def disable_service_account(account: User, *, scope: Scope, actor: User | None) -> None:
    """Disable the account: every token of it stops working (audited)."""
    authorise(scope, actor, "accounts.service")
    if account.is_enabled:
        account.is_enabled = False
        revoke_everywhere(account, actor=actor, reason="disabled")


def service_accounts(scope: Scope, actor: User | None) -> Select:
    """Service accounts in the admin's scope, newest first."""
    authorise(scope, actor, "accounts.service")
    return scope.select(User).options(*USER_OPTIONS).where(User.is_service.is_(True)).order_by(User.id.desc())


def tokens_by_account(account_ids: list[int]) -> dict[int, list[ApiToken]]:
    """The tokens of these accounts (one query), newest first."""
    found: dict[int, list[ApiToken]] = {i: [] for i in account_ids}
    if account_ids:
        rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id.in_(account_ids)).order_by(ApiToken.id.desc()))
        for token in rows:
            found[token.user_id].append(token)
    return found
