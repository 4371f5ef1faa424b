"""期初余额导入: fund accounts' opening balances from a previous system, checked row by row and posted all or none.

Each row names a dwelling (楼栋, 单元, 房号, optionally 账户 业主/售房单位) with its 首期已交 and 余额 on the cut-over
day (日期). The account is opened if it has none (首期应交 from the file, or else the deposit standard in force);
首期已交 is posted as a first deposit and the rest of the balance as one carried-over entry (a credit as 续交 when
the balance is higher, a charge when lower), all with source "opening_balance". Idempotent per file and row: the
entries' keys are opening:<file hash>:<row>:<part>, so the same file again (or in parallel) posts nothing new. An
account that already has entries of its own is refused (an opening balance comes before any posting).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import DomainError, RowsRejected
from pm.extensions import db
from pm.models import Compound, Household, HouseholdStatus, LedgerEntry, SubAccount, User
from pm.models.fund import EntryKind, Holder
from pm.services import audit
from pm.services.fund import ledger
from pm.services.fund.access import require_in_scope
from pm.services.fund.address_deposits import due_for
from pm.services.fund.bank import _bank_date
from pm.services.money import parse_yuan
from pm.services.spreadsheets import cell_text, read_table
from pm.services.text import N_
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
COLUMNS = ("楼栋", "单元", "房号", "账户", "首期应交(元)", "首期已交(元)", "余额(元)", "日期", "备注")
REQUIRED = ("楼栋", "单元", "房号", "首期已交(元)", "余额(元)", "日期")
HOLDERS = {"": Holder.OWNER, "业主": Holder.OWNER, "售房单位": Holder.WORK_UNIT}
SOURCE = "opening_balance"

E_COLUMN_MISSING = N_("缺少列")
E_NO_HOUSEHOLD = N_("本小区没有这户：%(place)s")
E_DEMOLISHED = N_("该户已灭失")
E_REPEATED = N_("与第 %(row)d 行是同一账户")
E_HOLDER = N_("账户应为 %(words)s")
HOLDER_WORDS = "业主 或 售房单位（空白为业主）"  # what the 账户 column holds, typed as written
E_DATE_FUTURE = N_("日期晚于今天")
E_HAS_ENTRIES = N_("该账户已有记账记录，不能再导入期初余额")
E_PAID_OVER_DUE = N_("首期已交多于首期应交")
E_REJECTED = N_("期初余额文件有 %(n)d 处错误，未导入")


class OpeningRejected(RowsRejected):
    """The file has errors; nothing was posted."""

    message_id = E_REJECTED


@dataclass
class OpeningRow:
    row: int
    household: Household
    holder: Holder
    due_fen: int | None
    paid_fen: int
    balance_fen: int
    value_on: date
    memo: str | None


@dataclass
class OpeningResult:
    rows: list[dict]
    posted: int
    replayed: int
    dry_run: bool


def _fen(text: str, field: str) -> int:
    """Yuan → fen, zero allowed (an account may have paid nothing yet)."""
    if text.replace(".", "").replace("0", "") == "" and text:
        return 0
    return parse_yuan(text, field=field)


def _parse(compound: Compound, rows: list[tuple], key_prefix: str, today: date) -> tuple[list[OpeningRow], list]:
    header = [cell_text(h).replace("（", "(").replace("）", ")").replace(" ", "") for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise OpeningRejected([{"row": 1, "column": c, "message": gettext(E_COLUMN_MISSING)} for c in missing])
    columns = {name: header.index(name) for name in COLUMNS if name in header}
    households = {(h.building.name, h.unit.name, h.room_no): h for h in db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id))}
    problems: list[dict] = []
    parsed: list[OpeningRow] = []
    seen: dict[tuple, int] = {}

    def bad(line: int, column: str, message: str, **params) -> None:
        problems.append({"row": line, "column": column, "message": gettext(message, **params)})

    for i, r in ((i, r) for i, r in enumerate(rows[1:], start=2) if any(cell_text(v) for v in r)):
        def get(name: str, r: tuple = r) -> str:
            j = columns.get(name)
            return cell_text(r[j]) if j is not None and j < len(r) else ""

        count = len(problems)
        place = (get("楼栋"), get("单元"), get("房号"))
        household = households.get(place)
        holder = HOLDERS.get(get("账户"))
        if household is None:
            bad(i, "房号", E_NO_HOUSEHOLD, place="".join(place))
        elif household.status != HouseholdStatus.ACTIVE:
            bad(i, "房号", E_DEMOLISHED)
        if holder is None:
            bad(i, "账户", E_HOLDER, words=HOLDER_WORDS)
        elif household is not None:
            if (household.id, holder) in seen:
                bad(i, "房号", E_REPEATED, row=seen[(household.id, holder)])
            else:
                seen[(household.id, holder)] = i
        amounts = {}
        for column in ("首期应交(元)", "首期已交(元)", "余额(元)"):
            text = get(column)
            if column == "首期应交(元)" and not text:
                amounts[column] = None
                continue
            try:
                amounts[column] = _fen(text, column)
            except DomainError as err:
                problems.append({"row": i, "column": column, "message": err.message})
        value_on = None
        try:
            value_on = _bank_date(get("日期"))
            if value_on > today:
                bad(i, "日期", E_DATE_FUTURE)
        except DomainError as err:
            problems.append({"row": i, "column": "日期", "message": err.message})
        due = amounts.get("首期应交(元)")
        if due is not None and amounts.get("首期已交(元)") is not None and amounts["首期已交(元)"] > due:
            bad(i, "首期已交(元)", E_PAID_OVER_DUE)
        if len(problems) == count and due is None:
            existing = db.session.scalar(select(SubAccount.id).where(SubAccount.household_id == household.id,
                                                                     SubAccount.holder == holder))
            if existing is None:
                try:
                    due_for(household, holder, value_on)
                except DomainError as err:
                    problems.append({"row": i, "column": "首期应交(元)", "message": err.message})
        if len(problems) == count:
            parsed.append(OpeningRow(i, household, holder, due, amounts["首期已交(元)"], amounts["余额(元)"], value_on,
                                     get("备注")[:200] or None))
    # An account with entries of its own (not this file's) cannot take an opening balance.
    accounts = {(a.household_id, a.holder): a.id for a in db.session.scalars(
        select(SubAccount).where(SubAccount.compound_id == compound.id))}
    ids = {accounts[(p.household.id, p.holder)]: p for p in parsed if (p.household.id, p.holder) in accounts}
    if ids:
        for account_id in db.session.scalars(
            select(LedgerEntry.account_id).where(LedgerEntry.account_id.in_(list(ids)))
            .where(LedgerEntry.idempotency_key.is_(None) | ~LedgerEntry.idempotency_key.startswith(key_prefix))
            .distinct()
        ):
            bad(ids[account_id].row, "房号", E_HAS_ENTRIES)
    problems.sort(key=lambda p: p["row"])
    return parsed, problems


def _parts(p: OpeningRow) -> list[tuple[str, EntryKind, int]]:
    parts = []
    if p.paid_fen:
        parts.append(("first", EntryKind.FIRST_DEPOSIT, p.paid_fen))
    rest = p.balance_fen - p.paid_fen
    if rest > 0:
        parts.append(("rest", EntryKind.REPLENISHMENT, rest))
    elif rest < 0:
        parts.append(("rest", EntryKind.CHARGE, -rest))
    return parts


def import_opening_balances(compound: Compound, filename: str, data: bytes, *, actor: User | None, scope: Scope,
                            dry_run: bool = False, today: date | None = None) -> OpeningResult:
    """期初余额导入: every row checked first, then all posted or none; the same file again posts nothing new."""
    authorise(scope, actor, "fund.cashier")
    require_in_scope(scope, Compound, compound.id, field="compound_id")
    rows = read_table(filename, data, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=len(COLUMNS) + 4)
    if len(rows) < 2:
        raise DomainError("文件中没有期初余额记录", field="file")
    sha = hashlib.sha256(data).hexdigest()[:32]
    prefix = f"opening:{sha}:"
    parsed, problems = _parse(compound, rows, prefix, today or local_today())
    if problems:
        raise OpeningRejected(problems)
    keys = {f"{prefix}{p.row}:{part}" for p in parsed for part, _k, _a in _parts(p)}
    done = set(db.session.scalars(select(LedgerEntry.idempotency_key).where(LedgerEntry.idempotency_key.in_(keys))))
    preview = [{"row": p.row, "household_id": p.household.id, "holder": p.holder.value, "due_fen": p.due_fen,
                "paid_fen": p.paid_fen, "balance_fen": p.balance_fen, "value_on": p.value_on,
                "already_posted": bool(_parts(p)) and all(f"{prefix}{p.row}:{part}" in done for part, _k, _a in _parts(p))}
               for p in parsed]
    if dry_run:
        return OpeningResult(preview, posted=sum(not r["already_posted"] for r in preview),
                             replayed=sum(r["already_posted"] for r in preview), dry_run=True)
    posted = replayed = 0
    for p in parsed:
        due = p.due_fen
        rate_id = None
        if due is None:
            account = db.session.scalar(select(SubAccount).where(SubAccount.household_id == p.household.id,
                                                                 SubAccount.holder == p.holder))
            if account is None:
                due, rate_id = due_for(p.household, p.holder, p.value_on)
        account = ledger.get_or_open_subaccount(p.household, p.holder, due_fen=due, rate_id=rate_id)
        for part, kind, amount in _parts(p):
            key = f"{prefix}{p.row}:{part}"
            try:
                entry = ledger.post(account, kind, amount, actor=actor, source_type=SOURCE, value_on=p.value_on,
                                    memo=p.memo or "期初余额结转", key=key, audited=False,
                                    payload={"account": account.id, "kind": kind.value, "amount": amount,
                                             "value_on": p.value_on.isoformat()})
            except DomainError as err:
                raise OpeningRejected([{"row": p.row, "column": "余额(元)", "message": err.message}]) from None
            if ledger.was_replayed(entry):
                replayed += 1
            else:
                posted += 1
    if posted or not replayed:  # the same file again changes nothing: nothing to audit
        audit.record("fund.opening_import", compound, actor=actor, changes={
            "filename": (filename or "")[:200], "sha256": sha, "rows": len(parsed), "entries_posted": posted,
            "already_posted": replayed, "balance_fen": sum(p.balance_fen for p in parsed)})
    logger.info("opening balances: %d rows, %d entries posted in %r", len(parsed), posted, compound)
    return OpeningResult(preview, posted=posted, replayed=replayed, dry_run=False)
