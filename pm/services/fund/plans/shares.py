"""分摊: the actual cost of a plan split among the open sub-accounts of its scope by floor area (largest remainder),
charged through the ledger, and the share table the plan page and the API show."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import aliased, joinedload

from pm.access import Scope
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Household, LedgerEntry, SubAccount, SubAccountStatus, User
from pm.models.fund import (
    DEPOSIT_KINDS,
    EntryKind,
    Holder,
    PlanShare,
    PlanStatus,
    UsePlan,
)
from pm.services.fund import ledger
from pm.services.fund.apportion import largest_remainder
from pm.services.fund.plans.scope import scope_household_ids_stmt, scope_households_stmt
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

PREVIEW_STATES = frozenset({PlanStatus.SETTLED, PlanStatus.PAYMENT_APPROVED})


@dataclass
class ShareLine:
    """One account's part of the cost: exact share, what its balance covers, and the shortfall."""

    account_id: int
    household_id: int
    holder: Holder
    area_m2: Decimal
    share_fen: int
    balance_fen: int

    @property
    def charged_fen(self) -> int:
        return min(self.share_fen, self.balance_fen)

    @property
    def shortfall_fen(self) -> int:
        return self.share_fen - self.charged_fen


@dataclass
class Apportionment:
    total_fen: int
    lines: list[ShareLine]
    without_account: list[int]  # households in scope with no open account (not part of the split)

    @property
    def charged_fen(self) -> int:
        return sum(line.charged_fen for line in self.lines)

    @property
    def shortfall_fen(self) -> int:
        return sum(line.shortfall_fen for line in self.lines)


def _net_deposits(account_ids: list[int]) -> dict[int, int]:
    """What each account's holder deposited: deposit credits minus their reversals (one query)."""
    if not account_ids:
        return {}
    reversed_entry = aliased(LedgerEntry)
    deposit = LedgerEntry.kind.in_(list(DEPOSIT_KINDS))
    reversal_of_deposit = (LedgerEntry.kind == EntryKind.REVERSAL) & reversed_entry.kind.in_(list(DEPOSIT_KINDS))
    rows = db.session.execute(
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
        .outerjoin(reversed_entry, reversed_entry.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.account_id.in_(account_ids), or_(deposit, reversal_of_deposit))
        .group_by(LedgerEntry.account_id)
    )
    return {account_id: int(total or 0) for account_id, total in rows}


def apportion(plan: UsePlan, total_fen: int | None = None) -> Apportionment:
    """Split the cost among the open accounts of the scope's households by floor area (largest remainder).

    Ties go to the larger area, then the lower account id. A sold-public-housing household's part is then
    split between its owner and work-unit accounts by what each deposited. Nothing is written.
    """
    total = plan.actual_cost_fen if total_fen is None else total_fen
    if total is None:
        raise DomainError("方案尚未结算，没有实际费用", field="actual_cost_fen")
    households = {row.id: row for row in db.session.execute(scope_households_stmt(plan))}
    accounts_by_household: dict[int, list[tuple[int, Holder, int]]] = defaultdict(list)
    if households:
        hh_ids = scope_household_ids_stmt(plan)
        for acc_id, hh_id, holder, balance in db.session.execute(
            select(SubAccount.id, SubAccount.household_id, SubAccount.holder, SubAccount.balance_fen).where(
                SubAccount.household_id.in_(hh_ids), SubAccount.status == SubAccountStatus.OPEN,
            )
        ):
            accounts_by_household[hh_id].append((acc_id, Holder(holder), balance))
    without = sorted(h for h in households if h not in accounts_by_household)
    # The household's key is its lowest open account id, so ties fall to the lower account id.
    keyed = {min(a[0] for a in accs): hh_id for hh_id, accs in accounts_by_household.items()}
    if not keyed:
        raise DomainError("列支范围内没有开立维修资金账户的住户，无法分摊", field="scope")
    parts = largest_remainder(total, [(key, households[hh].area_m2) for key, hh in keyed.items()])
    split_ids = [a[0] for hh in keyed.values() if len(accounts_by_household[hh]) > 1 for a in accounts_by_household[hh]]
    deposits = _net_deposits(split_ids)
    lines: list[ShareLine] = []
    for key, hh_id in keyed.items():
        area = households[hh_id].area_m2
        accs = sorted(accounts_by_household[hh_id])
        if len(accs) == 1:
            acc_id, holder, balance = accs[0]
            lines.append(ShareLine(acc_id, hh_id, holder, area, parts[key], balance))
            continue
        weights = [(a[0], max(deposits.get(a[0], 0), 0)) for a in accs]
        if sum(w for _, w in weights) == 0:  # nothing deposited by either: the owner's account carries it
            weights = [(a[0], 1 if a[1] == Holder.OWNER else 0) for a in accs]
            if sum(w for _, w in weights) == 0:
                weights = [(accs[0][0], 1)] + [(a[0], 0) for a in accs[1:]]
        sub = largest_remainder(parts[key], weights)
        for acc_id, holder, balance in accs:
            lines.append(ShareLine(acc_id, hh_id, holder, area, sub[acc_id], balance))
    lines.sort(key=lambda line: line.account_id)
    return Apportionment(total_fen=total, lines=lines, without_account=without)


def charge(plan: UsePlan, *, actor: User, now: datetime | None = None) -> dict:
    """Charge each account min(share, balance) through the ledger and record PlanShare rows (bulk).

    The postings are ledger.post_batch (the ledger's set-based form of post(): same guarded balance update
    and idempotency keys "plan:<plan>:<account>"), so 5,000 households take a few statements, not 25,000.
    """
    if db.session.scalar(select(func.count()).select_from(PlanShare).where(PlanShare.plan_id == plan.id)):
        raise Conflict("该方案已分摊列支", field="to")
    result = apportion(plan)
    memo = f"#{plan.id} {plan.title}"[:200]  # the plan as its users named it; the entry's kind says "charge"
    ledger.post_batch(
        [(line.account_id, line.charged_fen, f"plan:{plan.id}:{line.account_id}")
         for line in result.lines if line.charged_fen > 0],
        EntryKind.CHARGE, actor=actor, source_type="plan", source_id=plan.id, value_on=local_today(now), memo=memo,
    )
    rows = [{
        "plan_id": plan.id, "account_id": line.account_id, "household_id": line.household_id,
        "area_m2": line.area_m2, "share_fen": line.share_fen, "charged_fen": line.charged_fen,
        "shortfall_fen": line.shortfall_fen,
    } for line in result.lines]
    if rows:
        db.session.execute(insert(PlanShare), rows)
    db.session.flush()
    return {
        "actual_cost_fen": result.total_fen, "charged_fen": result.charged_fen,
        "shortfall_fen": result.shortfall_fen, "accounts": len(rows), "rounding_method": plan.rounding_method,
        "households_without_account": len(result.without_account),
    }


@dataclass
class ShareRow:
    """One line of the share table (charged or previewed); the household is loaded for pages."""

    account_id: int
    household_id: int
    holder: Holder
    area_m2: Decimal
    share_fen: int
    charged_fen: int
    shortfall_fen: int
    household: Household | None = None


@dataclass
class Shares:
    """The share table of a plan: a preview from 'settled', the recorded shares once charged. `rows` may be
    one page of `count` rows; the totals are always the whole plan's."""

    preview: bool
    total_fen: int
    charged_fen: int
    shortfall_fen: int
    without_account: list[int]
    rows: list[ShareRow]
    count: int


def _with_households(rows: list[ShareRow]) -> None:
    ids = {r.household_id for r in rows}
    households = {h.id: h for h in db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.id.in_(ids))
    )} if ids else {}
    for r in rows:
        r.household = households.get(r.household_id)


def plan_shares(plan: UsePlan, scope: Scope, *, page: int | None = None, per_page: int | None = None,
                households: bool = False) -> Shares | None:
    """The plan's share table, or None before it is settled: the whole plan's totals, and the rows the user may
    see (an owner: their own dwellings'). A preview whose split is impossible (no account in scope) raises
    DomainError. With page/per_page only that page of rows; households=True loads each row's
    dwelling (for its door number)."""
    window = slice((page - 1) * per_page, page * per_page) if page and per_page else slice(None)
    if plan.status == PlanStatus.CHARGED:
        totals = db.session.execute(
            select(func.count(), func.coalesce(func.sum(PlanShare.share_fen), 0),
                   func.coalesce(func.sum(PlanShare.charged_fen), 0),
                   func.coalesce(func.sum(PlanShare.shortfall_fen), 0)).where(PlanShare.plan_id == plan.id)
        ).one()
        stmt = (scope.select(PlanShare).options(joinedload(PlanShare.account))
                .where(PlanShare.plan_id == plan.id).order_by(PlanShare.account_id))
        count = int(totals[0])
        if scope.is_household_bound:  # an owner sees the totals and their own dwellings' shares only
            stmt = stmt.where(PlanShare.household_id.in_(scope.household_ids))
            count = db.session.scalar(select(func.count()).select_from(PlanShare).where(
                PlanShare.plan_id == plan.id, PlanShare.household_id.in_(scope.household_ids)))
        if window.start is not None:
            stmt = stmt.offset(window.start).limit(window.stop - window.start)
        rows = [ShareRow(s.account_id, s.household_id, s.account.holder, s.area_m2, s.share_fen, s.charged_fen,
                         s.shortfall_fen) for s in db.session.scalars(stmt)]
        result = Shares(False, int(totals[1]), int(totals[2]), int(totals[3]), [], rows, count)
    elif plan.status in PREVIEW_STATES:
        split = apportion(plan)
        lines, without = split.lines, split.without_account
        if scope.is_household_bound:  # an owner sees their own dwellings' lines, as with the charged shares
            mine = set(db.session.scalars(scope.household_ids))
            lines = [x for x in lines if x.household_id in mine]
            without = [h for h in without if h in mine]
        rows = [ShareRow(x.account_id, x.household_id, x.holder, x.area_m2, x.share_fen, x.charged_fen,
                         x.shortfall_fen) for x in lines[window]]
        result = Shares(True, split.total_fen, split.charged_fen, split.shortfall_fen, without, rows, len(lines))
    else:
        return None
    if households:
        _with_households(result.rows)
    return result
