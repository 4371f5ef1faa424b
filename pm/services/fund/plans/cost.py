"""每户分摊: what a plan costs one household — its part of the apportionment preview (the same largest-remainder
split that charging uses, so the figure an owner sees before voting is the fen later charged when the actual
cost equals the budget), what its fund balance covers and what it would have to pay in."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Household, Ownership, User
from pm.models.fund import PlanShare, PlanStatus, UsePlan
from pm.services.fund.plans.scope import scope_household_ids_stmt
from pm.services.fund.plans.shares import apportion

# What a household's figure rests on: the budget (before settling), the settled actual cost, or the charge.
BUDGET, ACTUAL, CHARGED = "budget", "actual", "charged"
NO_COST = frozenset({PlanStatus.CANCELLED, PlanStatus.REJECTED})


@dataclass
class HouseholdCost:
    """One household's part of a plan, in fen, summed over its open sub-accounts (owner and work-unit parts)."""

    household: Household
    basis: str  # BUDGET, ACTUAL or CHARGED
    total_fen: int  # the amount split: budget, actual cost or the charged plan's total
    area_m2: Decimal
    share_fen: int
    balance_fen: int  # what the household's accounts hold now (before charging) or held (charged: charged_fen)
    charged_fen: int  # what the fund pays of the share (min(share, balance) per account)
    shortfall_fen: int  # what the owner pays in (the balance does not cover it)
    has_account: bool = True  # False: no open sub-account, not part of the split (share 0)

    def as_dict(self) -> dict:
        return {"household_id": self.household.id, "household": self.household.label, "basis": self.basis,
                "total_fen": self.total_fen, "area_m2": self.area_m2, "share_fen": self.share_fen,
                "balance_fen": self.balance_fen, "from_fund_fen": self.charged_fen,
                "shortfall_fen": self.shortfall_fen, "has_account": self.has_account}


def own_households(plan: UsePlan, user: User | None) -> list[Household]:
    """The dwellings in the plan's scope the user currently owns (before a vote opens too), in door order."""
    if user is None or getattr(user, "person_id", None) is None:
        return []
    return list(db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .join(Ownership, (Ownership.household_id == Household.id) & Ownership.ended_on.is_(None))
        .where(Ownership.person_id == user.person_id, Household.id.in_(scope_household_ids_stmt(plan)))
        .order_by(Household.building_id, Household.unit_id, Household.room_no)
    ).unique())


def _basis(plan: UsePlan) -> tuple[str, int]:
    if plan.status == PlanStatus.CHARGED:
        return CHARGED, plan.actual_cost_fen or 0
    if plan.actual_cost_fen is not None:
        return ACTUAL, plan.actual_cost_fen
    return BUDGET, plan.budget_fen


def household_costs(plan: UsePlan, households: list[Household], scope: Scope) -> list[HouseholdCost]:
    """Each given household's part of the plan — only those in the plan's scope that the user may see (others are
    left out). Before settling the budget is split as the actual cost will be; once
    charged, the recorded shares. A cancelled or rejected plan costs nothing (empty list)."""
    if plan.status in NO_COST or not households:
        return []
    visible = set(db.session.scalars(scope.filter(
        select(Household.id).where(Household.id.in_([h.id for h in households]),
                                   Household.id.in_(scope_household_ids_stmt(plan))), Household)))
    households = [h for h in households if h.id in visible]
    if not households:
        return []
    basis, total = _basis(plan)
    wanted = {h.id for h in households}
    by_household: dict[int, list[tuple[int, int, int]]] = {}
    if basis == CHARGED:
        for hh_id, share, charged in db.session.execute(
            select(PlanShare.household_id, PlanShare.share_fen, PlanShare.charged_fen)
            .where(PlanShare.plan_id == plan.id, PlanShare.household_id.in_(wanted))
        ):
            by_household.setdefault(hh_id, []).append((share, charged, charged))
    else:
        try:
            split = apportion(plan, total)
        except DomainError:  # nobody in scope has an account: nothing would be charged to anyone
            split = None
        for line in split.lines if split else []:
            if line.household_id in wanted:
                by_household.setdefault(line.household_id, []).append(
                    (line.share_fen, line.charged_fen, line.balance_fen))
    out = []
    for h in households:
        parts = by_household.get(h.id)
        if not parts:
            out.append(HouseholdCost(h, basis, total, h.area_m2, 0, 0, 0, 0, has_account=False))
            continue
        share = sum(p[0] for p in parts)
        charged = sum(p[1] for p in parts)
        out.append(HouseholdCost(h, basis, total, h.area_m2, share, sum(p[2] for p in parts), charged,
                                 share - charged))
    return out


def my_costs(plan: UsePlan, user: User | None, scope: Scope) -> list[HouseholdCost]:
    """What the plan costs each of the user's own dwellings in its scope (an official owns none: empty)."""
    return household_costs(plan, own_households(plan, user), scope)
