"""账号 scope rules and capabilities (logins): who administers which accounts."""
from __future__ import annotations

from sqlalchemy import false, or_, select

from pm.access import (
    OFFICIALS_ABOVE_STATION,
    Scope,
    can,
    register_capabilities,
    register_rules,
    rule_of,
)
from pm.models import AccountGrant, ClaimCode, Person, Role, User
from pm.models.accounts import PERSON_ROLES, RANK


def _user_rule(s: Scope):
    """Accounts bound at or below the user's node (for account administration)."""
    if s.user is None:
        return false()
    return or_(
        User.id == s.user.id,
        User.county_id.in_(s.within_counties),
        User.street_id.in_(s.within_streets),
        User.community_id.in_(s.within_communities),
        User.station_id.in_(s.within_stations),
        User.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
        User.person_id.in_(select(Person.id).where(rule_of(Person)(s))) if not s.is_household_bound else false(),
    )


def _claim_code_rule(s: Scope):
    """Invitations and reset codes of the persons an official sees (never to owners and residents)."""
    if s.user is None or s.is_household_bound:
        return false()
    return ClaimCode.person_id.in_(select(Person.id).where(rule_of(Person)(s)))


register_rules({
    User: _user_rule,
    ClaimCode: _claim_code_rule,
    AccountGrant: lambda s: AccountGrant.user_id.in_(select(User.id).where(_user_rule(s))),
})

register_capabilities({
    "accounts.manage": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    # Invite owners and residents to claim their accounts; send them password-reset codes.
    "accounts.invite": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    # 接口账号: issue service accounts and their capability-limited tokens (pm.services.accounts.service).
    "accounts.service": {Role.COUNTY_ADMIN},
})


def assignable_roles(user: User) -> list[Role]:
    """Roles this user may give to accounts they administer (strictly below their own)."""
    if not can(user, "accounts.manage"):
        return []
    return [r for r in Role if RANK[r] < RANK[user.role]]


def creatable_roles(user: User) -> list[Role]:
    """Roles of accounts this user may create directly: not owners and residents, who claim theirs."""
    return [r for r in assignable_roles(user) if r not in PERSON_ROLES]
