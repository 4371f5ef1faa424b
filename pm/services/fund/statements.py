"""资金公示与对账单: a compound's yearly statement (公示, Order 165 arts. 30–31) and a household's (对账单)."""
# Everything here reads; nothing posts. Every query goes through the caller's Scope, and a statement is built
# from a fixed number of aggregate queries (GROUP BY), whatever the number of households. The accounting date
# of an entry is its value_on (记账日期); a reversal (冲正) is counted under the kind of the entry it reverses,
# so each line is net of its corrections and the figures reconcile exactly: opening + credits − debits = closing.
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    Household,
    LedgerEntry,
    PlanShare,
    SubAccount,
    Unit,
    UsePlan,
)
from pm.models.fund import EntryKind, Holder
from pm.services.fund.subaccounts import reversed_by, reversed_entry_alias
from pm.services.labels import label
from pm.services.periods import Year
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

# Order of the lines of a statement.
DEPOSIT_LINES = (EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT, EntryKind.REPLENISHMENT)
RETURN_LINES = (EntryKind.RETURNS, EntryKind.COMMON_INCOME)
DEBIT_LINES = (EntryKind.CHARGE, EntryKind.REFUND)
EARLIEST_YEAR = 1990


def check_year(year: int, *, now=None) -> Year:
    """A statement year: from 1990 up to the current year."""
    if not EARLIEST_YEAR <= year <= local_today(now).year:
        raise DomainError("年度超出范围：%(year)s", field="year", year=year)
    return Year(year)


def _effective(kind, orig_kind) -> EntryKind:
    kind = EntryKind(kind)
    return EntryKind(orig_kind) if kind == EntryKind.REVERSAL and orig_kind is not None else kind


# == compound yearly statement (公示) ================================================================
@dataclass
class KindLine:
    """One line of a statement: an entry kind, its net amount in the year and how many entries."""

    kind: EntryKind
    amount_fen: int = 0
    entries: int = 0

    @property
    def label(self) -> str:
        return label(self.kind)


@dataclass
class ShareRow:
    """One household's part of a plan (from PlanShare)."""

    household_id: int
    door: str
    holder: Holder
    area_m2: Decimal
    share_fen: int
    charged_fen: int
    shortfall_fen: int


@dataclass
class PlanUse:
    """A use plan charged in the year: its cost, what was charged in the year and its apportionment."""

    plan: UsePlan
    charged_in_year_fen: int
    shares: list[ShareRow] = field(default_factory=list)

    @property
    def cost_fen(self) -> int:
        return self.plan.actual_cost_fen or self.plan.budget_fen

    @property
    def shares_total_fen(self) -> int:
        return sum(s.share_fen for s in self.shares)

    @property
    def shortfall_total_fen(self) -> int:
        return sum(s.shortfall_fen for s in self.shares)


@dataclass
class CompoundStatement:
    """年度公示: opening balance, credits by kind, debits by kind (each plan with its apportionment), closing."""

    compound: Compound
    year: int
    opening_fen: int
    closing_fen: int
    lines: dict[EntryKind, KindLine]
    uses: list[PlanUse]
    subaccounts: int  # how many sub-accounts the compound has

    def _lines(self, kinds) -> list[KindLine]:
        return [self.lines[k] for k in kinds]

    @property
    def deposit_lines(self) -> list[KindLine]:
        return self._lines(DEPOSIT_LINES)

    @property
    def return_lines(self) -> list[KindLine]:
        return self._lines(RETURN_LINES)

    @property
    def debit_lines(self) -> list[KindLine]:
        return self._lines(DEBIT_LINES)

    @property
    def deposits_fen(self) -> int:
        return sum(line.amount_fen for line in self.deposit_lines)

    @property
    def returns_fen(self) -> int:
        return sum(line.amount_fen for line in self.return_lines)

    @property
    def credits_fen(self) -> int:
        return self.deposits_fen + self.returns_fen

    @property
    def debits_fen(self) -> int:
        """Uses and refunds, as a positive number."""
        return -sum(line.amount_fen for line in self.debit_lines)

    @property
    def uses_fen(self) -> int:
        return -self.lines[EntryKind.CHARGE].amount_fen

    @property
    def other_uses_fen(self) -> int:
        """Charges not linked to a plan (should be zero; shown if not)."""
        return self.uses_fen - sum(u.charged_in_year_fen for u in self.uses)

    @property
    def previous_year(self) -> int | None:
        """The year before, if it can have a statement (none before 1990)."""
        return self.year - 1 if self.year > EARLIEST_YEAR else None

    @property
    def reconciles(self) -> bool:
        """期初 + 收入 − 支出 = 期末, exactly."""
        return self.opening_fen + self.credits_fen - self.debits_fen == self.closing_fen


def _year_sums(year: Year):
    """Columns: before the year, in the year, entries in the year, up to the end of the year."""
    start, end = year.first_day, year.last_day
    in_year = and_(LedgerEntry.value_on >= start, LedgerEntry.value_on <= end)
    return (
        func.sum(case((LedgerEntry.value_on < start, LedgerEntry.amount_fen), else_=0)),
        func.sum(case((in_year, LedgerEntry.amount_fen), else_=0)),
        func.sum(case((in_year, 1), else_=0)),
        func.sum(case((LedgerEntry.value_on <= end, LedgerEntry.amount_fen), else_=0)),
    )


def compound_statement(scope: Scope, compound_id: int, year: int, *, now=None) -> CompoundStatement:
    """The yearly statement of one compound in scope (a fixed number of queries, whatever its size)."""
    period = check_year(year, now=now)
    compound = scope.get(Compound, compound_id)
    start, end = period.first_day, period.last_day
    orig = reversed_entry_alias()
    before, in_year, count, upto = _year_sums(period)
    # The Compound rule scopes the aggregate: owners see the totals of their compound (公示), not its accounts.
    stmt = scope.filter(
        select(LedgerEntry.kind, orig.kind, before, in_year, count, upto)
        .join(SubAccount, SubAccount.id == LedgerEntry.account_id)
        .join(Compound, Compound.id == SubAccount.compound_id)
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .where(SubAccount.compound_id == compound.id, LedgerEntry.value_on <= end)
        .group_by(LedgerEntry.kind, orig.kind),
        Compound,
    )
    lines = {k: KindLine(k) for k in (*DEPOSIT_LINES, *RETURN_LINES, *DEBIT_LINES)}
    opening = closing = 0
    for kind, orig_kind, s_before, s_in, n_in, s_upto in db.session.execute(stmt):
        effective = _effective(kind, orig_kind)
        line = lines.setdefault(effective, KindLine(effective))
        line.amount_fen += int(s_in or 0)
        line.entries += int(n_in or 0)
        opening += int(s_before or 0)
        closing += int(s_upto or 0)
    subaccounts = db.session.scalar(
        scope.filter(
            select(func.count(SubAccount.id)).join(Compound, Compound.id == SubAccount.compound_id)
            .where(SubAccount.compound_id == compound.id),
            Compound,
        )
    )
    uses = _plan_uses(scope, compound, start, end)
    return CompoundStatement(compound=compound, year=year, opening_fen=opening, closing_fen=closing, lines=lines,
                             uses=uses, subaccounts=int(subaccounts or 0))


def _plan_uses(scope: Scope, compound: Compound, start: date, end: date) -> list[PlanUse]:
    """Plans charged in the year (charges posted with source plan, net of reversals) and their shares."""
    orig = reversed_entry_alias()
    plan_id = case((LedgerEntry.kind == EntryKind.REVERSAL, orig.source_id), else_=LedgerEntry.source_id)
    is_plan_charge = or_(
        and_(LedgerEntry.kind == EntryKind.CHARGE, LedgerEntry.source_type == "plan"),
        and_(LedgerEntry.kind == EntryKind.REVERSAL, orig.kind == EntryKind.CHARGE, orig.source_type == "plan"),
    )
    rows = db.session.execute(
        scope.filter(
            select(LedgerEntry.kind, LedgerEntry.source_id, orig.source_id, func.sum(LedgerEntry.amount_fen))
            .join(SubAccount, SubAccount.id == LedgerEntry.account_id)
            .join(Compound, Compound.id == SubAccount.compound_id)
            .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
            .where(SubAccount.compound_id == compound.id, LedgerEntry.value_on >= start,
                   LedgerEntry.value_on <= end, is_plan_charge, plan_id.is_not(None))
            .group_by(LedgerEntry.kind, LedgerEntry.source_id, orig.source_id),
            Compound,
        )
    ).all()
    charged: dict[int, int] = defaultdict(int)
    for kind, source_id, orig_source_id, total in rows:
        pid = orig_source_id if EntryKind(kind) == EntryKind.REVERSAL else source_id
        charged[pid] -= int(total or 0)
    if not charged:
        return []
    plans = db.session.scalars(
        scope.select(UsePlan).where(UsePlan.id.in_(list(charged)), UsePlan.compound_id == compound.id)
        .order_by(UsePlan.id)
    ).all()
    uses = {p.id: PlanUse(p, charged[p.id]) for p in plans}
    shares = db.session.execute(
        scope.filter(
            select(PlanShare, Household.room_no, Building.name, Unit.name, SubAccount.holder)
            .join(Household, Household.id == PlanShare.household_id)
            .join(Building, Building.id == Household.building_id)
            .join(Unit, Unit.id == Household.unit_id)
            .join(SubAccount, SubAccount.id == PlanShare.account_id)
            .where(PlanShare.plan_id.in_(list(uses)))
            .order_by(PlanShare.plan_id, Building.name, Unit.name, Household.room_no, PlanShare.id),
            PlanShare,
        )
    ).all()
    for share, room, building, unit, holder in shares:
        uses[share.plan_id].shares.append(ShareRow(
            household_id=share.household_id, door=f"{building}{unit}{room}", holder=holder, area_m2=share.area_m2,
            share_fen=share.share_fen, charged_fen=share.charged_fen, shortfall_fen=share.shortfall_fen,
        ))
    return list(uses.values())


# == household yearly statement (对账单) ==============================================================
@dataclass
class StatementRow:
    entry: LedgerEntry
    balance_fen: int  # running balance in statement order (value date, then posting order)
    reversed_by: LedgerEntry | None = None  # the later reversal that corrected this entry, if any

    @property
    def label(self) -> str:
        return label(self.entry.kind)


@dataclass
class SubAccountYear:
    """One sub-account's year: its opening balance and its entries in statement order."""

    subaccount: SubAccount
    opening_fen: int
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def credits_fen(self) -> int:
        return sum(r.entry.amount_fen for r in self.rows if r.entry.amount_fen > 0)

    @property
    def debits_fen(self) -> int:
        return -sum(r.entry.amount_fen for r in self.rows if r.entry.amount_fen < 0)

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.credits_fen - self.debits_fen

    @property
    def holder_label(self) -> str:
        return label(self.subaccount.holder)


@dataclass
class HouseholdStatement:
    household: Household
    year: int
    subaccounts: list[SubAccountYear]

    @property
    def previous_year(self) -> int | None:
        """The year before, if it can have a statement (none before 1990)."""
        return self.year - 1 if self.year > EARLIEST_YEAR else None

    @property
    def opening_fen(self) -> int:
        return sum(a.opening_fen for a in self.subaccounts)

    @property
    def closing_fen(self) -> int:
        return sum(a.closing_fen for a in self.subaccounts)


def household_statement(scope: Scope, household_id: int, year: int, *, now=None) -> HouseholdStatement:
    """A household's movements and balances for one year (its sub-accounts; five queries)."""
    period = check_year(year, now=now)
    household = scope.get(Household, household_id, options=(
        joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound),
    ))
    if scope.is_household_bound and not db.session.scalar(
            select(Household.id).where(Household.id == household.id, Household.id.in_(scope.owned_household_ids))):
        raise NotFound("房屋不存在或不在您的权限范围内")  # a tenant's home: its fund statement is the owner's
    start, end = period.first_day, period.last_day
    subaccounts = db.session.scalars(
        scope.select(SubAccount).where(SubAccount.household_id == household.id).order_by(SubAccount.holder)
    ).all()
    ids = [a.id for a in subaccounts]
    opening: dict[int, int] = {}
    rows: dict[int, list[LedgerEntry]] = defaultdict(list)
    if ids:
        opening = dict(db.session.execute(
            scope.filter(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
                .where(LedgerEntry.account_id.in_(ids), LedgerEntry.value_on < start)
                .group_by(LedgerEntry.account_id),
                LedgerEntry,
            )
        ).all())
        for entry in db.session.scalars(
            scope.select(LedgerEntry)
            .where(LedgerEntry.account_id.in_(ids), LedgerEntry.value_on >= start, LedgerEntry.value_on <= end)
            .order_by(LedgerEntry.account_id, LedgerEntry.value_on, LedgerEntry.id)
        ):
            rows[entry.account_id].append(entry)
    reversals = reversed_by([e for entries in rows.values() for e in entries])
    years = []
    for subaccount in subaccounts:
        ay = SubAccountYear(subaccount, int(opening.get(subaccount.id) or 0))
        running = ay.opening_fen
        for entry in rows[subaccount.id]:
            running += entry.amount_fen
            ay.rows.append(StatementRow(entry, running, reversals.get(entry.id)))
        years.append(ay)
    return HouseholdStatement(household=household, year=year, subaccounts=years)


def statement_compounds(scope: Scope):
    """The compounds in scope, by name, with their community and street (the statements index, paginated)."""
    return (scope.select(Compound).options(joinedload(Compound.community).joinedload(Community.street))
            .order_by(Compound.name, Compound.id))


def statement_years(scope: Scope, compound_ids: list[int], *, now=None) -> dict[int, list[int]]:
    """Years with a statement for each compound (from its first entry to this year), newest first; one query."""
    this_year = local_today(now).year
    out = {cid: [this_year] for cid in compound_ids}
    if not compound_ids:
        return out
    rows = db.session.execute(
        scope.filter(
            select(SubAccount.compound_id, func.min(LedgerEntry.value_on))
            .join(SubAccount, SubAccount.id == LedgerEntry.account_id)
            .join(Compound, Compound.id == SubAccount.compound_id)
            .where(SubAccount.compound_id.in_(compound_ids))
            .group_by(SubAccount.compound_id),
            Compound,
        )
    )
    for cid, first in rows:
        if first is not None:
            first_year = max(first.year if isinstance(first, date) else int(str(first)[:4]), EARLIEST_YEAR)
            out[cid] = list(range(this_year, min(first_year, this_year) - 1, -1))
    return out
