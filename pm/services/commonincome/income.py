"""以区养区: income from a compound's common parts (parking, advertising, leased rooms) and its uses, per compound
and period, disclosed to the owners. Entries are never edited (a correction is another entry). Crediting income
to the maintenance fund goes through the fund's returns distribution (fund.returns.distribute_returns: split to
the fen over the compound's sub-accounts, audit-logged, the ledger append-only) and is recorded as a use."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    INCOME_CATEGORIES,
    CommonIncomeEntry,
    Compound,
    IncomeCategory,
    IncomeDirection,
    User,
)
from pm.models.fund import EntryKind
from pm.services import audit, locks
from pm.services.fund.returns import distribute_returns, replayed_distribution, request_digest
from pm.services.money import MAX_FEN
from pm.services.text import N_, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]|H[12]|Q[1-4]))?$")
USE_CATEGORIES = tuple(c for c in IncomeCategory if c not in INCOME_CATEGORIES)


def _period(value) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not PERIOD.match(value):
        raise DomainError("期间格式不正确（例如 2026、2026-H1、2026-Q3 或 2026-05）", field="period")
    return value


def serialise_period(compound_id: int, period: str) -> None:
    """Uses and credits of one compound's period take turns until their transaction ends: each checks the balance
    the previous one left (two at once could otherwise both spend the same income)."""
    locks.serialise(f"common-income:{compound_id}:{period}")


def balance(compound_id: int, period: str) -> int:
    """Income minus uses of a compound's period, in fen (one query)."""
    signed = case((CommonIncomeEntry.direction == IncomeDirection.INCOME, CommonIncomeEntry.amount_fen),
                  else_=-CommonIncomeEntry.amount_fen)
    return int(db.session.scalar(select(func.coalesce(func.sum(signed), 0)).where(
        CommonIncomeEntry.compound_id == compound_id, CommonIncomeEntry.period == period)))


def record_entry(actor: User, *, scope: Scope, compound_id: int, period: str, category, amount_fen: int,
                 occurred_on: date | None = None, note: str | None = None, distribution_id: int | None = None,
                 now: datetime | None = None) -> CommonIncomeEntry:
    """Record an income or a use of a compound in the actor's area. A use may not exceed what the period has left;
    money goes to the fund only through credit_to_fund()."""
    authorise(scope, actor, "income.record")
    if not scope.contains(Compound, compound_id):
        raise Forbidden("该小区不在您的权限范围内", field="compound_id")
    period = _period(period)
    try:
        category = IncomeCategory(category)
    except ValueError:
        raise DomainError("未知的收支类别", field="category") from None
    if category == IncomeCategory.FUND_CREDIT and distribution_id is None:
        raise DomainError("转入维修资金请使用“转入维修资金”，由维修资金分配到各户", field="category")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_FEN:
        raise DomainError("金额必须大于零", field="amount_fen")
    direction = IncomeDirection.INCOME if category in INCOME_CATEGORIES else IncomeDirection.USE
    today = local_today(now)
    occurred_on = occurred_on or today
    if occurred_on > today:
        raise DomainError("日期不能晚于今天", field="occurred_on")
    note = check_text(note, field="note", label=N_("说明"), max_len=200, required=False)
    if direction == IncomeDirection.USE:
        serialise_period(compound_id, period)
        left = balance(compound_id, period)
        if amount_fen > left:
            raise DomainError("支出超过该期间的结余（结余 %(left)s 分）", field="amount_fen", left=left)
    entry = CommonIncomeEntry(compound_id=compound_id, period=period, direction=direction, category=category,
                              amount_fen=amount_fen, occurred_on=occurred_on, note=note,
                              distribution_id=distribution_id, created_by_id=actor.id if actor else None,
                              created_at=now or utcnow())
    db.session.add(entry)
    db.session.flush()
    audit.record(f"income.{direction.value}", entry, actor=actor, place=db.session.get(Compound, compound_id),
                 changes={"period": period, "category": category, "amount_fen": amount_fen})
    return entry


CREDIT_MEMO = "共用部位经营收益转入"


def _credit_of(dist) -> CommonIncomeEntry:
    """The use an earlier credit recorded for its distribution (committed with it), marked as replayed."""
    entry = db.session.scalar(select(CommonIncomeEntry).where(CommonIncomeEntry.distribution_id == dist.id))
    if entry is None:  # a common-income distribution made on the fund's page, not by a credit
        raise Conflict("该幂等键已用于另一笔不同的分配", field="Idempotency-Key")
    entry._pm_replayed = True  # plain attribute (not a column): read by was_replayed()
    return entry


def credit_to_fund(actor: User, *, scope: Scope, compound_id: int, period: str, amount_fen: int,
                   now: datetime | None = None, key: str | None = None) -> CommonIncomeEntry:
    """转入维修资金: credit part of a period's income to the compound's sub-accounts through the returns
    distribution (kind common-part income; its own rules: county admins, one per compound and period), recorded
    here as a use of the income. `key` (caller-scoped, as distribute_returns's): the same request again, also in
    parallel, returns the first credit (was_replayed) instead of a 409; the same key with another request is a
    409."""
    period = _period(period)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DomainError("金额必须大于零", field="amount_fen")
    if not scope.contains(Compound, compound_id):
        raise Forbidden("该小区不在您的权限范围内", field="compound_id")
    compound = db.session.get(Compound, compound_id)
    serialise_period(compound_id, period)  # first: a parallel retry waits here and then finds the first's credit
    if key:  # a retry is answered before the balance check (the first credit has used the income)
        replay = replayed_distribution(key, credit_digest(compound_id, period, amount_fen))
        if replay is not None:
            return _credit_of(replay)
    left = balance(compound_id, period)
    if amount_fen > left:
        raise DomainError("支出超过该期间的结余（结余 %(left)s 分）", field="amount_fen", left=left)
    dist = distribute_returns(compound, period=period, amount_fen=amount_fen, actor=actor, scope=scope,
                              kind=EntryKind.COMMON_INCOME, memo=CREDIT_MEMO, key=key)
    if was_replayed(dist):  # a parallel credit with this key committed first: its result
        return _credit_of(dist)
    return record_entry(actor, scope=scope, compound_id=compound_id, period=period,
                        category=IncomeCategory.FUND_CREDIT, amount_fen=amount_fen, distribution_id=dist.id,
                        now=now)  # no note: the page words it (按维修资金收益分配规则分入各户) in the reader's language


def credit_digest(compound_id: int, period: str, amount_fen: int) -> str:
    """The request digest distribute_returns keys a credit's distribution by (the same fields, the same memo)."""
    return request_digest(compound_id, period=period, amount_fen=amount_fen, kind=EntryKind.COMMON_INCOME,
                          memo=CREDIT_MEMO)


def was_replayed(obj) -> bool:
    return bool(getattr(obj, "_pm_replayed", False))


def entries_stmt(scope: Scope, *, compound_id: int | None = None, period: str | None = None):
    stmt = scope.select(CommonIncomeEntry).order_by(CommonIncomeEntry.period.desc(), CommonIncomeEntry.id.desc())
    if compound_id:
        stmt = stmt.where(CommonIncomeEntry.compound_id == compound_id)
    if period:
        stmt = stmt.where(CommonIncomeEntry.period == period)
    return stmt


@dataclass
class PeriodSummary:
    """One compound's period: income and uses by category (fen) and what is left."""

    compound_id: int
    period: str
    income: dict = field(default_factory=dict)
    uses: dict = field(default_factory=dict)

    @property
    def income_fen(self) -> int:
        return sum(self.income.values())

    @property
    def uses_fen(self) -> int:
        return sum(self.uses.values())

    @property
    def balance_fen(self) -> int:
        return self.income_fen - self.uses_fen


def summary(scope: Scope, *, compound_id: int | None = None) -> list[PeriodSummary]:
    """公开: per compound and period, income and uses by category within the scope (one grouped query)."""
    stmt = scope.filter(select(CommonIncomeEntry.compound_id, CommonIncomeEntry.period, CommonIncomeEntry.direction,
                               CommonIncomeEntry.category, func.sum(CommonIncomeEntry.amount_fen)),
                        CommonIncomeEntry)
    if compound_id:
        stmt = stmt.where(CommonIncomeEntry.compound_id == compound_id)
    stmt = stmt.group_by(CommonIncomeEntry.compound_id, CommonIncomeEntry.period, CommonIncomeEntry.direction,
                         CommonIncomeEntry.category).order_by(CommonIncomeEntry.compound_id,
                                                              CommonIncomeEntry.period.desc())
    out: dict[tuple[int, str], PeriodSummary] = {}
    for cid, period, direction, category, fen in db.session.execute(stmt):
        row = out.setdefault((cid, period), PeriodSummary(cid, period))
        (row.income if direction == IncomeDirection.INCOME else row.uses)[IncomeCategory(category)] = int(fen)
    return list(out.values())
