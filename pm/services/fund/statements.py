"""资金公示与分户查询: an owner's fund accounts, yearly statements per compound (公示, Order 165 arts. 30–31)
and per household, and the queries behind the fund reminders.

Everything here reads; nothing posts. Every query goes through the caller's Scope. A statement is built
from a fixed number of aggregate queries (GROUP BY), whatever the number of households. The accounting date
of an entry is its ``value_on`` (记账日期); a reversal (冲正) is counted under the kind of the entry it
reverses, so each line is net of its corrections and the figures reconcile exactly:
opening + credits − debits = closing.
"""
from __future__ import annotations

import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from pm.access import Scope
from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    SubAccount,
    Household,
    LedgerEntry,
    PlanShare,
    Unit,
    UsePlan,
)
from pm.models.fund import SubAccountStatus, EntryKind, Holder
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

KIND_LABELS = {
    EntryKind.FIRST_DEPOSIT: _l("首期交存"),
    EntryKind.BACK_PAYMENT: _l("补交"),
    EntryKind.REPLENISHMENT: _l("续交"),
    EntryKind.RETURNS: _l("增值收益"),
    EntryKind.COMMON_INCOME: _l("共用部位经营收益"),
    EntryKind.CHARGE: _l("维修分摊列支"),
    EntryKind.REFUND: _l("退还"),
    EntryKind.REVERSAL: _l("冲正"),
}
HOLDER_LABELS = {Holder.OWNER: _l("业主交存部分"), Holder.WORK_UNIT: _l("售房单位交存部分")}

# Order of the lines of a statement.
DEPOSIT_LINES = (EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT, EntryKind.REPLENISHMENT)
RETURN_LINES = (EntryKind.RETURNS, EntryKind.COMMON_INCOME)
DEBIT_LINES = (EntryKind.CHARGE, EntryKind.REFUND)
FIRST_DEPOSIT_KINDS = (EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT)  # what pays the first deposit due
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100
MOVEMENTS_PER_PAGE = 20


def kind_label(kind) -> str:
    """The Chinese label of an entry kind."""
    return str(KIND_LABELS.get(EntryKind(kind), kind))


def holder_label(holder) -> str:
    """The Chinese label of an account holder (owner's part / work-unit's part)."""
    return str(HOLDER_LABELS.get(Holder(holder), holder))


def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals, exactly."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def check_year(year: int, *, now=None) -> int:
    """A statement year: from 1990 up to the current year."""
    if not EARLIEST_YEAR <= year <= local_today(now).year:
        raise DomainError(gettext("年度超出范围：%(year)s", year=year), field="year")
    return year


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _orig():
    """The entry a reversal reverses (outer-joined), to count a reversal under the original kind."""
    return aliased(LedgerEntry, name="reversed_entry")


def _effective(kind, orig_kind) -> EntryKind:
    kind = EntryKind(kind)
    return EntryKind(orig_kind) if kind == EntryKind.REVERSAL and orig_kind is not None else kind


# -- accounts --------------------------------------------------------------------------------------
@dataclass
class AccountSummary:
    """One sub-account with what its first deposit asks and what has been paid towards it."""

    account: SubAccount
    paid_fen: int = 0

    @property
    def due_fen(self) -> int:
        return self.account.first_deposit_due_fen or 0

    @property
    def unpaid_fen(self) -> int:
        return max(self.due_fen - self.paid_fen, 0)

    @property
    def needs_replenishment(self) -> bool:
        """续交: balance × 10 < first deposit × 3 (integers)."""
        return self.account.needs_replenishment

    @property
    def holder_label(self) -> str:
        return holder_label(self.account.holder)


def first_deposit_paid(account_ids) -> dict[int, int]:
    """首期已交: per account, first deposits and back-payments net of their reversals (one GROUP BY).

    `account_ids` is a list or a (scoped) subquery of account ids.
    """
    orig = _orig()
    is_first = or_(
        LedgerEntry.kind.in_(FIRST_DEPOSIT_KINDS),
        and_(LedgerEntry.kind == EntryKind.REVERSAL, orig.kind.in_(FIRST_DEPOSIT_KINDS)),
    )
    stmt = (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.account_id.in_(account_ids), is_first)
        .group_by(LedgerEntry.account_id)
    )
    return {account_id: int(total or 0) for account_id, total in db.session.execute(stmt)}


@dataclass
class HouseholdAccounts:
    household: Household
    accounts: list[AccountSummary] = field(default_factory=list)


def my_accounts(scope: Scope) -> list[HouseholdAccounts]:
    """An owner's or resident's households in scope, each with its sub-accounts (three queries in all)."""
    households = db.session.scalars(
        scope.select(Household)
        .options(joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound))
        .order_by(Household.compound_id, Household.id)
    ).all()
    out = {h.id: HouseholdAccounts(h) for h in households}
    if not out:
        return []
    accounts = db.session.scalars(
        scope.select(SubAccount).where(SubAccount.household_id.in_(list(out))).order_by(SubAccount.household_id,
                                                                                          SubAccount.holder)
    ).all()
    paid = first_deposit_paid([a.id for a in accounts]) if accounts else {}
    for account in accounts:
        out[account.household_id].accounts.append(AccountSummary(account, paid.get(account.id, 0)))
    return list(out.values())


def account_in_scope(scope: Scope, account_id: int) -> AccountSummary:
    """One sub-account in scope, with its household loaded and its first deposit paid."""
    account = scope.get(SubAccount, account_id, options=(
        joinedload(SubAccount.household).joinedload(Household.building),
        joinedload(SubAccount.household).joinedload(Household.unit),
        joinedload(SubAccount.household).joinedload(Household.compound),
    ))
    return AccountSummary(account, first_deposit_paid([account.id]).get(account.id, 0))


def movements_stmt(scope: Scope, account: SubAccount):
    """An account's entries in scope, newest first (served by the (account_id, id) index)."""
    return scope.select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id.desc())


def latest_movements(scope: Scope, account_ids: list[int], per_account: int = 5) -> dict[int, list[LedgerEntry]]:
    """The newest entries of each account (one query with a window function), newest first."""
    out: dict[int, list[LedgerEntry]] = {aid: [] for aid in account_ids}
    if not account_ids:
        return out
    rank = func.row_number().over(partition_by=LedgerEntry.account_id, order_by=LedgerEntry.id.desc()).label("rank")
    ranked = scope.filter(
        select(LedgerEntry.id, rank).where(LedgerEntry.account_id.in_(account_ids)), LedgerEntry
    ).subquery()
    for entry in db.session.scalars(
        select(LedgerEntry).join(ranked, ranked.c.id == LedgerEntry.id).where(ranked.c.rank <= per_account)
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


# -- compound yearly statement (公示) ----------------------------------------------------------------
@dataclass
class KindLine:
    """One line of a statement: an entry kind, its net amount in the year and how many entries."""

    kind: EntryKind
    amount_fen: int = 0
    entries: int = 0

    @property
    def label(self) -> str:
        return kind_label(self.kind)


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
    accounts: int

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
    def reconciles(self) -> bool:
        """期初 + 收入 − 支出 = 期末, exactly."""
        return self.opening_fen + self.credits_fen - self.debits_fen == self.closing_fen


def _year_sums(year: int):
    """Columns: before the year, in the year, entries in the year, up to the end of the year."""
    start, end = _year_bounds(year)
    in_year = and_(LedgerEntry.value_on >= start, LedgerEntry.value_on <= end)
    return (
        func.sum(case((LedgerEntry.value_on < start, LedgerEntry.amount_fen), else_=0)),
        func.sum(case((in_year, LedgerEntry.amount_fen), else_=0)),
        func.sum(case((in_year, 1), else_=0)),
        func.sum(case((LedgerEntry.value_on <= end, LedgerEntry.amount_fen), else_=0)),
    )


def compound_statement(scope: Scope, compound_id: int, year: int, *, now=None) -> CompoundStatement:
    """The yearly statement of one compound in scope (a fixed number of queries, whatever its size)."""
    check_year(year, now=now)
    compound = scope.get(Compound, compound_id)
    start, end = _year_bounds(year)
    orig = _orig()
    before, in_year, count, upto = _year_sums(year)
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
    accounts = db.session.scalar(
        scope.filter(
            select(func.count(SubAccount.id)).join(Compound, Compound.id == SubAccount.compound_id)
            .where(SubAccount.compound_id == compound.id),
            Compound,
        )
    )
    uses = _plan_uses(scope, compound, start, end)
    return CompoundStatement(compound=compound, year=year, opening_fen=opening, closing_fen=closing, lines=lines,
                             uses=uses, accounts=int(accounts or 0))


def _plan_uses(scope: Scope, compound: Compound, start: date, end: date) -> list[PlanUse]:
    """Plans charged in the year (charges posted with source plan, net of reversals) and their shares."""
    orig = _orig()
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


# -- household yearly statement ---------------------------------------------------------------------
@dataclass
class StatementRow:
    entry: LedgerEntry
    balance_fen: int  # running balance in statement order (value date, then posting order)
    reversed_by: LedgerEntry | None = None  # the later reversal that corrected this entry, if any

    @property
    def label(self) -> str:
        return kind_label(self.entry.kind)


@dataclass
class AccountYear:
    account: SubAccount
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
        return holder_label(self.account.holder)


@dataclass
class HouseholdStatement:
    household: Household
    year: int
    accounts: list[AccountYear]

    @property
    def opening_fen(self) -> int:
        return sum(a.opening_fen for a in self.accounts)

    @property
    def closing_fen(self) -> int:
        return sum(a.closing_fen for a in self.accounts)


def household_statement(scope: Scope, household_id: int, year: int, *, now=None) -> HouseholdStatement:
    """A household's movements and balances for one year (its sub-accounts; five queries)."""
    check_year(year, now=now)
    household = scope.get(Household, household_id, options=(
        joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound),
    ))
    start, end = _year_bounds(year)
    accounts = db.session.scalars(
        scope.select(SubAccount).where(SubAccount.household_id == household.id).order_by(SubAccount.holder)
    ).all()
    ids = [a.id for a in accounts]
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
    for account in accounts:
        ay = AccountYear(account, int(opening.get(account.id) or 0))
        running = ay.opening_fen
        for entry in rows[account.id]:
            running += entry.amount_fen
            ay.rows.append(StatementRow(entry, running, reversals.get(entry.id)))
        years.append(ay)
    return HouseholdStatement(household=household, year=year, accounts=years)


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


# -- spreadsheets ---------------------------------------------------------------------------------
def _fen_cell(fen: int) -> Decimal:
    """Yuan as an exact Decimal for a spreadsheet cell (openpyxl writes it as a number)."""
    return Decimal(fen).scaleb(-2)


def _workbook():
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    return wb, Font(bold=True)


def compound_statement_xlsx(st: CompoundStatement) -> bytes:
    """The compound statement as an xlsx: a summary sheet and an apportionment sheet."""
    wb, bold = _workbook()
    ws = wb.active
    ws.title = gettext("汇总")
    ws.append([gettext("%(name)s %(year)s 年度维修资金公示", name=st.compound.name, year=st.year)])
    ws["A1"].font = bold
    ws.append([gettext("项目"), gettext("金额（元）"), gettext("笔数")])
    ws.append([gettext("期初余额"), _fen_cell(st.opening_fen)])
    for line in st.deposit_lines + st.return_lines:
        ws.append([line.label, _fen_cell(line.amount_fen), line.entries])
    ws.append([gettext("收入合计"), _fen_cell(st.credits_fen)])
    for line in st.debit_lines:
        ws.append([line.label, _fen_cell(-line.amount_fen), line.entries])
    ws.append([gettext("支出合计"), _fen_cell(st.debits_fen)])
    ws.append([gettext("期末余额"), _fen_cell(st.closing_fen)])
    ws.append([gettext("分户账户数"), st.accounts])
    uses = wb.create_sheet(gettext("使用及分摊"))
    uses.append([gettext("方案编号"), gettext("方案名称"), gettext("费用（元）"), gettext("本年列支（元）"),
                 gettext("门牌"), gettext("账户"), gettext("面积（㎡）"), gettext("应分摊（元）"),
                 gettext("已列支（元）"), gettext("差额（元）")])
    for use in st.uses:
        for s in use.shares:
            uses.append([use.plan.id, use.plan.title, _fen_cell(use.cost_fen), _fen_cell(use.charged_in_year_fen),
                         s.door, holder_label(s.holder), s.area_m2, _fen_cell(s.share_fen),
                         _fen_cell(s.charged_fen), _fen_cell(s.shortfall_fen)])
        if not use.shares:
            uses.append([use.plan.id, use.plan.title, _fen_cell(use.cost_fen), _fen_cell(use.charged_in_year_fen)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def household_statement_xlsx(st: HouseholdStatement) -> bytes:
    """The household statement as an xlsx: one block per sub-account."""
    wb, bold = _workbook()
    ws = wb.active
    ws.title = gettext("分户对账单")
    ws.append([gettext("%(door)s %(year)s 年度维修资金对账单", door=f"{st.household.compound.name} {st.household.label}",
                       year=st.year)])
    ws["A1"].font = bold
    for ay in st.accounts:
        ws.append([])
        ws.append([ay.holder_label, gettext("期初余额"), _fen_cell(ay.opening_fen)])
        ws.append([gettext("记账日期"), gettext("流水号"), gettext("类型"), gettext("金额（元）"), gettext("余额（元）"),
                   gettext("摘要")])
        for row in ay.rows:
            e = row.entry
            ws.append([e.value_on, e.id, row.label, _fen_cell(e.amount_fen), _fen_cell(row.balance_fen), e.memo or ""])
        ws.append([ay.holder_label, gettext("期末余额"), _fen_cell(ay.closing_fen)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- reminders' queries ------------------------------------------------------------------------------
def accounts_needing_replenishment():
    """Open accounts whose balance is below 30% of the first deposit (balance × 10 < due × 3), as a select."""
    return select(SubAccount).where(
        SubAccount.status == SubAccountStatus.OPEN,
        SubAccount.first_deposit_due_fen > 0,
        SubAccount.balance_fen * 10 < SubAccount.first_deposit_due_fen * 3,
    ).order_by(SubAccount.id)


def accounts_with_unpaid_first_deposit() -> list[AccountSummary]:
    """Open accounts whose first deposit due exceeds what has been paid (one GROUP BY over the ledger)."""
    orig = _orig()
    paid = (
        select(LedgerEntry.account_id.label("account_id"), func.sum(LedgerEntry.amount_fen).label("paid"))
        .outerjoin(orig, orig.id == LedgerEntry.reverses_id)
        .where(or_(
            LedgerEntry.kind.in_(FIRST_DEPOSIT_KINDS),
            and_(LedgerEntry.kind == EntryKind.REVERSAL, orig.kind.in_(FIRST_DEPOSIT_KINDS)),
        ))
        .group_by(LedgerEntry.account_id)
        .subquery()
    )
    paid_fen = func.coalesce(paid.c.paid, 0)
    rows = db.session.execute(
        select(SubAccount, paid_fen)
        .outerjoin(paid, paid.c.account_id == SubAccount.id)
        .where(SubAccount.status == SubAccountStatus.OPEN, SubAccount.first_deposit_due_fen > paid_fen)
        .order_by(SubAccount.id)
    ).all()
    return [AccountSummary(account, int(p or 0)) for account, p in rows]
