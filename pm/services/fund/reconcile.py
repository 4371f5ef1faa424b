"""对账: ledger entries across sub-accounts — by compound, date range (记账日期), kind and source — read page by page
with a stable cursor (keyset on (value_on, id), never an offset: entries posted meanwhile neither shift nor repeat
a page); and the replenishment (续交) list as an xlsx file."""
# Served by ix_ledger_entries_value_on_id (a county's month: walked in order, accounts checked against the scope)
# and ix_ledger_entries_account_value_on (one compound's day: its ~200 accounts' entries of the day, then sorted).
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from pm.access import Scope
from pm.errors import DomainError
from pm.extensions import db
from pm.models import LedgerEntry, SubAccount
from pm.models.fund import EntryKind, Holder
from pm.services.money import format_fen
from pm.services.spreadsheets import PLAIN, Sheet, write_xlsx

MAX_LIMIT = 500
MAX_ID = 2_147_483_647
REPLENISHMENT_HEADER = ("小区", "楼栋", "单元", "房号", "面积(㎡)", "账户", "首期应交(元)", "余额(元)", "应续交至30%(元)")
HOLDER_WORDS = {Holder.OWNER: "业主", Holder.WORK_UNIT: "售房单位"}


# Whether a reversal corrects the entry, in the page's statement (uq_ledger_entries_reverses_id: one index probe per
# row of the page) rather than a second round trip (subaccounts.mark_reversed: a reversal itself is never "reversed").
# Built once: adapting a new alias on every call cost more CPU than the rest of the statement.
_REVERSAL = aliased(LedgerEntry, name="reversal")
_CORRECTED = and_(LedgerEntry.kind != EntryKind.REVERSAL,
                  exists().where(_REVERSAL.reverses_id == LedgerEntry.id)).label("is_reversed")
# The page reads rows, not ORM objects: building 50–500 instances in the identity map cost about as much CPU as the
# rest of the request. Each row has the entry's columns as attributes (those LedgerEntryOut shows) and is_reversed.
_COLUMNS = (LedgerEntry.id, LedgerEntry.account_id, LedgerEntry.kind, LedgerEntry.amount_fen,
            LedgerEntry.balance_after_fen, LedgerEntry.value_on, LedgerEntry.created_at, LedgerEntry.actor_id,
            LedgerEntry.source_type, LedgerEntry.source_id, LedgerEntry.memo, LedgerEntry.reverses_id, _CORRECTED)


@dataclass
class EntryPage:
    items: list  # rows: the entry's columns and is_reversed (see _COLUMNS)
    next_cursor: str | None
    limit: int


def encode_cursor(entry) -> str:
    """The cursor after `entry` (a LedgerEntry or a page row)."""
    return base64.urlsafe_b64encode(f"{entry.value_on.isoformat()}.{entry.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, ident = text.split(".")
        day, ident = date.fromisoformat(day), int(ident)
        if not 0 <= ident <= MAX_ID:
            raise ValueError(ident)
        return day, ident
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError("分页游标无效（请使用上一页返回的 next_cursor）", field="cursor") from None


def entries_page(scope: Scope, *, compound_id: int | None = None, date_from: date | None = None,
                 date_to: date | None = None, kinds: list[str] | None = None, source_type: str | None = None,
                 cursor: str | None = None, limit: int = 100) -> EntryPage:
    """One page of entries in scope, oldest first by (记账日期, id), as rows with `is_reversed`; `next_cursor` reads
    the next page."""
    if date_from and date_to and date_from > date_to:
        raise DomainError("起始日期晚于截止日期", field="date_from")
    # Scoped by the sub-account each entry belongs to (the LedgerEntry rule, written as a join): the planner then
    # walks the date index in order and looks each entry's account up by key, instead of hashing every account
    # of the scope (400,000 for a county) before the first row.
    stmt = scope.filter(select(*_COLUMNS).join(SubAccount, SubAccount.id == LedgerEntry.account_id), SubAccount)
    if compound_id:
        stmt = stmt.where(SubAccount.compound_id == compound_id)
    if date_from:
        stmt = stmt.where(LedgerEntry.value_on >= date_from)
    if date_to:
        stmt = stmt.where(LedgerEntry.value_on <= date_to)
    if kinds:
        stmt = stmt.where(LedgerEntry.kind.in_([EntryKind(k) for k in kinds]))
    if source_type:
        stmt = stmt.where(LedgerEntry.source_type == source_type)
    if cursor:
        day, ident = decode_cursor(cursor)
        stmt = stmt.where(or_(LedgerEntry.value_on > day, and_(LedgerEntry.value_on == day, LedgerEntry.id > ident)))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = db.session.execute(stmt.order_by(LedgerEntry.value_on, LedgerEntry.id).limit(limit + 1)).all()
    more = len(rows) > limit
    items = rows[:limit]
    return EntryPage(items, encode_cursor(items[-1]) if more else None, limit)


def replenishment_workbook(subaccounts: list[SubAccount]) -> bytes:
    """The 续交 list as an xlsx file: one row per sub-account, amounts as yuan text."""
    body = []
    for a in subaccounts:
        h = a.household
        short = max(-(-(a.first_deposit_due_fen * 3) // 10) - a.balance_fen, 0)
        body.append([h.compound.name, h.building.name, h.unit.name, h.room_no, str(h.area_m2), HOLDER_WORDS[a.holder],
                     *(format_fen(fen, grouped=False) for fen in (a.first_deposit_due_fen, a.balance_fen, short))])
    return write_xlsx(Sheet("续交清单", header=REPLENISHMENT_HEADER, header_style=PLAIN, rows=body))
