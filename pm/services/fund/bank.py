"""银行流水导入: a bank statement of deposits, checked row by row and posted all-or-nothing, never twice."""
# The same file (by SHA-256) posts nothing new; each row's idempotency key is "bank:<流水号>", so a row already
# posted from another file is not posted again (and must carry the same payment).
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError, RowsRejected
from pm.extensions import db
from pm.models import (
    BankImport,
    Compound,
    Household,
    HouseholdStatus,
    LedgerEntry,
    SubAccount,
    SubAccountStatus,
    User,
)
from pm.models.fund import EntryKind, Holder
from pm.services import audit
from pm.services.fund import ledger
from pm.services.fund.access import require_in_scope
from pm.services.money import parse_yuan
from pm.services.spreadsheets import cell_text, read_table
from pm.services.text import N_
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

MAX_BANK_ROWS = 5000
MAX_BANK_BYTES = 5 * 1024 * 1024
MAX_BANK_COLUMNS = 12
MAX_UNZIPPED = 100 * 1024 * 1024
RECENT = 20
BANK_KINDS = {"首期": EntryKind.FIRST_DEPOSIT, "首期交存": EntryKind.FIRST_DEPOSIT, "补交": EntryKind.BACK_PAYMENT,
              "续交": EntryKind.REPLENISHMENT}
BANK_COLUMNS = ("流水号", "日期", "楼栋", "单元", "房号", "类型", "金额(元)", "备注")  # the file's own headers

E_COLUMN_MISSING = N_("缺少列")
E_SERIAL_EMPTY = N_("流水号不能为空")
E_SERIAL_LONG = N_("流水号过长")
E_SERIAL_REPEATED = N_("流水号与第 %(row)d 行重复")
E_DATE = N_("日期格式不正确，应为 2025-03-01")
E_DATE_FUTURE = N_("日期晚于今天")
E_KIND = N_("类型应为 %(kinds)s")
KIND_WORDS = "首期、补交 或 续交"  # what the 类型 column holds, typed as written
E_NO_HOUSEHOLD = N_("本小区没有这户：%(place)s")
E_CLOSED = N_("该户账户已销户，不能入账")
E_NOT_OPENED = N_("该户尚未开立维修资金账户（请先按交存标准开户）")
E_SERIAL_POSTED = N_("该流水号已入账，且金额或户与本行不同")


class BankImportRejected(RowsRejected):
    """The statement has errors; nothing was posted."""

    message_id = N_("银行流水有 %(n)d 处错误，未入账")


@dataclass
class BankImportResult:
    """The outcome of an import: the BankImport row, and whether the file had been imported before."""

    bank_import: BankImport | None
    duplicate: bool
    posted: int = 0
    replayed: int = 0
    preview: list[dict] | None = None  # a dry run: each row as it would be posted (nothing is written)


@dataclass
class _BankRow:
    row: int
    serial: str
    value_on: date
    subaccount: SubAccount
    kind: EntryKind
    amount_fen: int
    memo: str | None


def recent_bank_imports(scope: Scope) -> list[BankImport]:
    """The latest imports in scope, newest first."""
    return list(db.session.scalars(scope.select(BankImport).order_by(BankImport.id.desc()).limit(RECENT)))


def _bank_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        if re.match(r"^\d{8}$", text):
            try:
                return datetime.strptime(text, "%Y%m%d").date()
            except ValueError:
                pass
        raise DomainError(E_DATE) from None


def _payload(p: _BankRow) -> dict:
    return {"account": p.subaccount.id, "kind": p.kind.value, "amount": p.amount_fen,
            "value_on": p.value_on.isoformat()}


def _read(filename: str, data: bytes) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """The column index of each header and the non-blank rows (spreadsheet row number, cells)."""
    rows = read_table(filename, data, max_bytes=MAX_BANK_BYTES, max_rows=MAX_BANK_ROWS,
                      max_columns=MAX_BANK_COLUMNS, max_unzipped=MAX_UNZIPPED)
    if not rows:
        raise DomainError("文件是空的", field="file")
    header = [cell_text(h).replace("（", "(").replace("）", ")").replace(" ", "") for h in rows[0]]
    missing = [c for c in BANK_COLUMNS[:7] if c not in header]
    if missing:
        raise BankImportRejected([{"row": 1, "column": c, "message": gettext(E_COLUMN_MISSING)} for c in missing])
    columns = {name: header.index(name) for name in BANK_COLUMNS if name in header}
    body = [(i, r) for i, r in enumerate(rows[1:], start=2) if any(cell_text(v) for v in r)]
    if not body:
        raise DomainError("文件中没有流水记录", field="file")
    return columns, body


def _parse(compound: Compound, columns: dict[str, int], body: list[tuple[int, tuple]], today: date
           ) -> tuple[list[_BankRow], list[dict]]:
    """Every row checked: the rows to post, and every problem found ({row, column, message})."""
    households = {(h.building.name, h.unit.name, h.room_no): h for h in db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id))}
    subaccounts = {a.household_id: a for a in db.session.scalars(
        select(SubAccount).where(SubAccount.compound_id == compound.id, SubAccount.holder == Holder.OWNER))}
    problems: list[dict] = []
    parsed: list[_BankRow] = []
    seen: dict[str, int] = {}

    def bad(line: int, column: str, message: str, **params) -> None:
        problems.append({"row": line, "column": column, "message": gettext(message, **params)})

    for i, r in body:
        def get(name: str, r: tuple = r) -> Any:
            j = columns.get(name)
            return r[j] if j is not None and j < len(r) else None

        count = len(problems)
        serial = cell_text(get("流水号"))
        if not serial:
            bad(i, "流水号", E_SERIAL_EMPTY)
        elif len(serial) > 90:
            bad(i, "流水号", E_SERIAL_LONG)
        elif serial in seen:
            bad(i, "流水号", E_SERIAL_REPEATED, row=seen[serial])
        else:
            seen[serial] = i
        value_on = None
        try:
            value_on = _bank_date(get("日期"))
            if value_on > today:
                bad(i, "日期", E_DATE_FUTURE)
        except DomainError as err:
            problems.append({"row": i, "column": "日期", "message": err.message})
        kind = BANK_KINDS.get(cell_text(get("类型")))
        if kind is None:
            bad(i, "类型", E_KIND, kinds=KIND_WORDS)
        amount = None
        try:
            amount = parse_yuan(cell_text(get("金额(元)")))
        except DomainError as err:
            problems.append({"row": i, "column": "金额(元)", "message": err.message})
        place = (cell_text(get("楼栋")), cell_text(get("单元")), cell_text(get("房号")))
        household = households.get(place)
        subaccount = None
        if household is None:
            bad(i, "房号", E_NO_HOUSEHOLD, place="".join(place))
        else:
            subaccount = subaccounts.get(household.id)
            if household.status == HouseholdStatus.DEMOLISHED or (
                    subaccount and subaccount.status != SubAccountStatus.OPEN):
                bad(i, "房号", E_CLOSED)
            elif subaccount is None:
                bad(i, "房号", E_NOT_OPENED)
        memo = cell_text(get("备注"))[:200] or None
        if len(problems) == count:
            parsed.append(_BankRow(i, serial, value_on, subaccount, kind, amount, memo))
    # A 流水号 already posted from another file must carry the same payment.
    keys = {f"bank:{p.serial}": p for p in parsed}
    if keys:
        for entry in db.session.scalars(select(LedgerEntry).where(LedgerEntry.idempotency_key.in_(list(keys)))):
            p = keys[entry.idempotency_key]
            if entry.payload_hash != ledger.payload_hash(_payload(p)):
                bad(p.row, "流水号", E_SERIAL_POSTED)
    problems.sort(key=lambda p: p["row"])
    return parsed, problems


def _preview(parsed: list[_BankRow]) -> list[dict]:
    """A dry run's rows: what each would post, and whether its 流水号 was posted before (then nothing new)."""
    posted = set(db.session.scalars(select(LedgerEntry.idempotency_key).where(
        LedgerEntry.idempotency_key.in_([f"bank:{p.serial}" for p in parsed]))))
    return [{"row": p.row, "serial": p.serial, "value_on": p.value_on, "account_id": p.subaccount.id,
             "household_id": p.subaccount.household_id, "kind": p.kind.value, "amount_fen": p.amount_fen,
             "memo": p.memo, "already_posted": f"bank:{p.serial}" in posted} for p in parsed]


def import_bank_statement(compound: Compound, filename: str, data: bytes, *, actor: User | None,
                          scope: Scope, today: date | None = None, dry_run: bool = False) -> BankImportResult:
    """银行流水导入: validate every row first, then post all rows or none; the same file posts nothing new.
    `dry_run`: validate and return what would be posted (BankImportResult.preview), writing nothing."""
    authorise(scope, actor, "fund.cashier")
    require_in_scope(scope, Compound, compound.id, field="compound_id")
    sha = hashlib.sha256(data).hexdigest()
    previous = db.session.scalar(select(BankImport).where(BankImport.file_sha256 == sha))
    if previous is not None:
        if previous.compound_id != compound.id:
            raise Conflict("该文件已作为另一个小区的银行流水导入过", field="file")
        return BankImportResult(previous, duplicate=True)
    columns, body = _read(filename, data)
    parsed, problems = _parse(compound, columns, body, today or local_today())
    if problems:
        raise BankImportRejected(problems)
    if dry_run:
        preview = _preview(parsed)
        return BankImportResult(None, duplicate=False, posted=sum(not r["already_posted"] for r in preview),
                                replayed=sum(r["already_posted"] for r in preview), preview=preview)

    record = BankImport(compound_id=compound.id, file_sha256=sha, filename=(filename or "statement")[:200],
                        rows=len(parsed), total_fen=sum(p.amount_fen for p in parsed),
                        user_id=actor.id if actor else None, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:  # the same file, imported a moment ago by a parallel request
        return BankImportResult(db.session.scalar(select(BankImport).where(BankImport.file_sha256 == sha)),
                                duplicate=True)
    result = BankImportResult(record, duplicate=False)
    for p in parsed:
        try:
            entry = ledger.post(p.subaccount, p.kind, p.amount_fen, actor=actor, source_type="bank_import",
                                source_id=record.id, value_on=p.value_on, memo=p.memo, key=f"bank:{p.serial}",
                                payload=_payload(p), audited=False)
        except DomainError as err:
            raise BankImportRejected([{"row": p.row, "column": "金额(元)", "message": err.message}]) from None
        if entry.source_id == record.id and entry.source_type == "bank_import":
            result.posted += 1
        else:
            result.replayed += 1
    audit.record("fund.bank_import", record, actor=actor, place=compound, changes={
        "filename": record.filename, "rows": record.rows, "total_fen": record.total_fen, "posted": result.posted,
        "already_posted": result.replayed, "sha256": sha,
    })
    return result
