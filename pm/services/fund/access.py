"""Scope rules and capabilities of the maintenance fund: by compound for officials, by own household for
owners and residents; plans and their apportionment are disclosed to the owners of the compound (公示)."""
from __future__ import annotations

from sqlalchemy import false, or_, select

from pm.access import (
    OFFICIALS_ABOVE_STATION,
    Scope,
    register_capabilities,
    register_rules,
)
from pm.models import (
    BankImport,
    DepositRate,
    SubAccount,
    FundPolicy,
    LedgerEntry,
    PlanDocument,
    PlanScope,
    PlanShare,
    PublicHousingTerms,
    ReturnsDistribution,
    Role,
    UsePlan,
)


def _account_rule(s: Scope):
    if s.household_ids is not None:
        return SubAccount.household_id.in_(s.household_ids)
    return SubAccount.compound_id.in_(s.compound_ids)


def _visible_accounts(s: Scope):
    return select(SubAccount.id).where(_account_rule(s))


def _visible_plans(s: Scope):
    return select(UsePlan.id).where(UsePlan.compound_id.in_(s.compound_ids))


register_rules({
    SubAccount: _account_rule,
    LedgerEntry: lambda s: LedgerEntry.account_id.in_(_visible_accounts(s)),
    PublicHousingTerms: lambda s: PublicHousingTerms.household_id.in_(s.visible_households),
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
})

# Which role approves payments, by the county's FundPolicy.approver (domain.md: configurable).
APPROVER_ROLES: dict[str, Role] = {
    "housing_department": Role.COUNTY_ADMIN,
    "street_office": Role.STREET_OFFICER,
    "owners_committee": Role.COMMITTEE_MEMBER,
}
