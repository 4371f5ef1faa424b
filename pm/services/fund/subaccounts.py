"""分户账查询: sub-accounts in a scope with what their first deposit asks and has received, and their entries."""
# The one read of a sub-account and of its movements: the officials' pages, the owner's pages and both APIs
# call these functions, so they show the same figures. Everything here reads; nothing posts.
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from pm.access import Scope
from pm.errors import Forbidden
from pm.extensions import db
from pm.models import Household, LedgerEntry, SubAccount
from pm.models.fund import FIRST_DEPOSIT_KINDS, EntryKind
from pm.services.labels import label
from pm.services.registry.search import search_households

logger = logging.getLogger(__name__)

MOVEMENTS_PER_PAGE = 20
SEARCH_LIMIT = 100
WITH_HOUSEHOLD = (joinedload(SubAccount.household).joinedload(Household.building),
                  joinedload(SubAccount.household).joinedload(Household.unit),
                  joinedload(SubAccount.household).joinedload(Household.compound))


def reversed_entry_alias():
    """LedgerEntry aliased as the entry a reversal reverses (outer-joined on reverses_id), so that a reversal
    can be counted under the kind, plan or source of what it corrects."""
    return aliased(LedgerEntry, name="reversed_entry")


# == first deposit paid (首期已交) ======================================================================
def _paid_select():
    """Per sub-account, first deposits and back-payments net of their reversals (a GROUP BY over the ledger)."""
    orig = reversed_entry_alias()
    is_first = or_(
        LedgerEntry.kind.in_(FIRST_DEPOSIT_KINDS),
        and_(LedgerEntry.kind == EntryKind.REVERSAL, orig.kind.in_(FIRST_DEPOSIT_KINDS)),
    )
    return (
        select(LedgerEntry.account_id.label("account_id"), func.sum(LedgerEntry.amount_fen).label("paid"))
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .where(is_first)
        .group_by(LedgerEntry.account_id)
    )


def first_deposit_paid(subaccount_ids) -> dict[int, int]:
    """首期已交 of the given sub-accounts (a list or a scoped subquery of ids) summed from the ledger, in one query:
    what the cached SubAccount.first_deposit_paid_fen (which the pages read) must always equal."""
    rows = db.session.execute(_paid_select().where(LedgerEntry.account_id.in_(subaccount_ids)))
    return {subaccount_id: int(total or 0) for subaccount_id, total in rows}


@dataclass
class SubAccountSummary:
    """One sub-account with what its first deposit asks and what has been paid towards it."""

    subaccount: SubAccount
    paid_fen: int = 0

    @property
    def due_fen(self) -> int:
        return self.subaccount.first_deposit_due_fen or 0

    @property
    def unpaid_fen(self) -> int:
        return max(self.due_fen - self.paid_fen, 0)

    @property
    def needs_replenishment(self) -> bool:
        """续交: balance × 10 < first deposit × 3 (integers)."""
        return self.subaccount.needs_replenishment

    @property
    def holder_label(self) -> str:
        """业主交存部分 / 售房单位交存部分, in the reader's language."""
        return label(self.subaccount.holder)


# == sub-accounts in a scope ==========================================================================
def subaccount_in_scope(scope: Scope, subaccount_id: int) -> SubAccountSummary:
    """One sub-account in scope (404 otherwise), with its household loaded and its first deposit paid."""
    subaccount = scope.get(SubAccount, subaccount_id, options=WITH_HOUSEHOLD)
    return SubAccountSummary(subaccount, subaccount.first_deposit_paid_fen)


def subaccounts_select(scope: Scope, *, compound_id: int | None = None, household_id: int | None = None):
    """Sub-accounts in scope, optionally of one compound or household, by compound, household and id."""
    stmt = scope.select(SubAccount).options(*WITH_HOUSEHOLD)
    if compound_id:
        stmt = stmt.where(SubAccount.compound_id == compound_id)
    if household_id:
        stmt = stmt.where(SubAccount.household_id == household_id)
    return stmt.order_by(SubAccount.compound_id, SubAccount.household_id, SubAccount.id)


def subaccounts_of(scope: Scope, household: Household) -> list[SubAccount]:
    """A household's sub-accounts in scope (the owner's part first, then the work-unit's)."""
    return list(db.session.scalars(
        scope.select(SubAccount).where(SubAccount.household_id == household.id).order_by(SubAccount.holder)))


def find_subaccounts(scope: Scope, *, compound_id: int | None = None, building: str | None = None,
                     room: str | None = None) -> list[SubAccount]:
    """录入交存, step 1: the sub-accounts of the households found by compound, building and room (at most 100)."""
    households = search_households(scope, compound_id=compound_id, building=building or None, room=room or None)
    stmt = (scope.select(SubAccount).options(*WITH_HOUSEHOLD)
            .where(SubAccount.household_id.in_(households.with_only_columns(Household.id).order_by(None)))
            .order_by(SubAccount.household_id, SubAccount.holder).limit(SEARCH_LIMIT))
    return list(db.session.scalars(stmt).unique())


@dataclass
class HouseholdSubAccounts:
    household: Household
    subaccounts: list[SubAccountSummary] = field(default_factory=list)


def require_household_bound(scope: Scope) -> Scope:
    """“我的维修资金” is for owners and residents (403 for officials, who read the statements instead)."""
    if not scope.is_household_bound:
        raise Forbidden("“我的维修资金”供业主和住户查看；工作人员请使用资金公示")
    return scope


def my_subaccounts(scope: Scope) -> list[HouseholdSubAccounts]:
    """An owner's or resident's households in scope, each with its sub-accounts (two queries in all; 403 for
    officials)."""
    require_household_bound(scope)
    households = db.session.scalars(
        scope.select(Household).where(Household.id.in_(scope.owned_household_ids))  # a tenant's are not theirs
        .options(joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound))
        .order_by(Household.compound_id, Household.id)
    ).all()
    out = {h.id: HouseholdSubAccounts(h) for h in households}
    if not out:
        return []
    subaccounts = db.session.scalars(
        scope.select(SubAccount).where(SubAccount.household_id.in_(list(out)))
        .order_by(SubAccount.household_id, SubAccount.holder)
    ).all()
    for subaccount in subaccounts:
        out[subaccount.household_id].subaccounts.append(SubAccountSummary(subaccount, subaccount.first_deposit_paid_fen))
    return list(out.values())


# == movements (收支明细) ===============================================================================
def movements_stmt(scope: Scope, subaccount: SubAccount):
    """A sub-account's entries in scope, newest first (served by the (account_id, id) index), with who posted."""
    return (scope.select(LedgerEntry).options(joinedload(LedgerEntry.actor))
            .where(LedgerEntry.account_id == subaccount.id).order_by(LedgerEntry.id.desc()))


def latest_movements(scope: Scope, subaccount_ids: list[int], per_subaccount: int = 5) -> dict[int, list[LedgerEntry]]:
    """The newest entries of each sub-account (one query with a window function), newest first."""
    out: dict[int, list[LedgerEntry]] = {sid: [] for sid in subaccount_ids}
    if not subaccount_ids:
        return out
    rank = func.row_number().over(partition_by=LedgerEntry.account_id, order_by=LedgerEntry.id.desc()).label("rank")
    ranked = scope.filter(
        select(LedgerEntry.id, rank).where(LedgerEntry.account_id.in_(subaccount_ids)), LedgerEntry
    ).subquery()
    for entry in db.session.scalars(
        select(LedgerEntry).join(ranked, ranked.c.id == LedgerEntry.id).where(ranked.c.rank <= per_subaccount)
        .order_by(LedgerEntry.account_id, LedgerEntry.id.desc())
    ):
        out[entry.account_id].append(entry)
    return out


def reversed_by(entries: list[LedgerEntry]) -> dict[int, LedgerEntry]:
    """For entries on a page, the reversal that corrected each (one query)."""
    ids = [e.id for e in entries if e.kind != EntryKind.REVERSAL]
    if not ids:
        return {}
    rows = db.session.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id.in_(ids)))
    return {r.reverses_id: r for r in rows}


def mark_reversed(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Set `is_reversed` on a page of entries (one query), as the API's entries and the officials' page show it."""
    corrected = reversed_by(entries)
    for entry in entries:
        entry.is_reversed = entry.id in corrected
    return entries
