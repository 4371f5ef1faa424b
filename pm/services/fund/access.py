"""维修资金权限: the fund's scope rules and capabilities, and the two checks its services make."""
# By compound for officials, by own household for owners and residents; plans and their apportionment are
# disclosed to the owners of the compound (公示).
from __future__ import annotations

from sqlalchemy import false, or_, select

from pm.access import (
    OFFICIALS_ABOVE_STATION,
    Scope,
    register_capabilities,
    register_rules,
)
from pm.errors import NotFound
from pm.models import (
    BankImport,
    Compound,
    DepositRate,
    FundPolicy,
    Household,
    LedgerEntry,
    PlanDocument,
    PlanScope,
    PlanShare,
    PublicHousingTerms,
    ReturnsDistribution,
    Role,
    SubAccount,
    UsePlan,
)
from pm.services.text import N_


def _account_rule(s: Scope):
    if s.household_ids is not None:  # the owner's money: a tenant sees the home, not its fund account
        return SubAccount.household_id.in_(s.owned_household_ids)
    return SubAccount.compound_id.in_(s.compound_ids)


def _visible_accounts(s: Scope):
    return select(SubAccount.id).where(_account_rule(s))


def _visible_plans(s: Scope):
    return select(UsePlan.id).where(UsePlan.compound_id.in_(s.compound_ids))


register_rules({
    SubAccount: _account_rule,
    LedgerEntry: lambda s: LedgerEntry.account_id.in_(_visible_accounts(s)),
    PublicHousingTerms: lambda s: PublicHousingTerms.household_id.in_(
        s.owned_household_ids if s.is_household_bound else s.visible_households),
    UsePlan: lambda s: UsePlan.compound_id.in_(s.compound_ids),
    PlanScope: lambda s: PlanScope.plan_id.in_(_visible_plans(s)),
    PlanDocument: lambda s: PlanDocument.plan_id.in_(_visible_plans(s)),
    PlanShare: lambda s: PlanShare.plan_id.in_(_visible_plans(s)),
    ReturnsDistribution: lambda s: ReturnsDistribution.compound_id.in_(s.compound_ids),
    BankImport: lambda s: BankImport.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
    DepositRate: lambda s: or_(
        DepositRate.compound_id.in_(s.compound_ids),
        DepositRate.compound_id.is_(None) & DepositRate.county_id.in_(s.county_ids),
    ),
    FundPolicy: lambda s: FundPolicy.county_id.in_(s.county_ids),
})

register_capabilities({
    "fund.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER},
    "fund.cashier": {Role.COUNTY_ADMIN, Role.STREET_OFFICER},  # 资金归集/出纳 (housing fund centre, street office)
    "fund.rates": {Role.COUNTY_ADMIN},  # 交存标准, 本县使用规则
    "fund.returns": {Role.COUNTY_ADMIN},  # 增值收益分配
    "fund.plan.propose": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.COMMITTEE_MEMBER},
    "fund.ballot.paper": {Role.COMMITTEE_MEMBER, Role.COMMUNITY_WORKER},  # 录入纸质票
    "fund.statement.publish": {Role.COUNTY_ADMIN, Role.STREET_OFFICER},  # 年度资金公示 (posts the notice)
})

# Which role approves payments, by the county's FundPolicy.approver (domain.md: configurable).
APPROVER_ROLES: dict[str, Role] = {
    "housing_department": Role.COUNTY_ADMIN,
    "street_office": Role.STREET_OFFICER,
    "owners_committee": Role.COMMITTEE_MEMBER,
}


# What a fund service says when a row is not in the caller's scope (msgids, translated when raised).
NOT_IN_SCOPE = {
    Compound: N_("小区不存在或不在您的权限范围内"),
    Household: N_("房屋不存在或不在您的权限范围内"),
    SubAccount: N_("维修资金账户不存在或不在您的权限范围内"),
    DepositRate: N_("交存标准不存在或不在您的权限范围内"),
}


def require_in_scope(scope: Scope, model, ident: int | None, *, field: str) -> None:
    """Refuse (404, never revealing that the row exists) unless row `ident` of `model` is in the scope."""
    if not scope.contains(model, ident):
        raise NotFound(NOT_IN_SCOPE[model], field=field)
