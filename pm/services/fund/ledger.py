"""分户账记账: the one place that posts to the maintenance-fund ledger (维修资金分户账)."""
# Rules kept here, once:
# - entries are append-only (the database refuses UPDATE/DELETE); a mistake is corrected by reverse();
# - the cached balance changes only together with an entry, by a guarded UPDATE (… WHERE balance + amount >= 0)
#   that also takes the row lock on PostgreSQL, so parallel writers serialise per sub-account and never overdraw;
#   the same UPDATE moves the cached 首期已交 (first_deposit_paid_fen) by the entries that pay the first deposit
#   (首期, 补交, and the reversals of either), so it always equals their sum;
# - a posting with an idempotency key posts once: a replay with the same payload returns the first entry,
#   the same key with a different payload is a 409;
# - credits are positive, debits negative, by kind; zero and non-integer amounts are refused.
from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from sqlalchemy import case, insert, select, update
from sqlalchemy.exc import IntegrityError

from pm.errors import Conflict, DomainError, NotFound
from pm.extensions import db
from pm.models import Household, LedgerEntry, SubAccount, SubAccountStatus, User
from pm.models.fund import CREDIT_KINDS, DEBIT_KINDS, FIRST_DEPOSIT_KINDS, EntryKind, Holder
from pm.services import audit, tallies
from pm.services.money import MAX_FEN
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)


def payload_hash(payload: dict) -> str:
    """A stable hash of what a request asked for, to tell a replay from a reused key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def get_or_open_subaccount(household: Household, holder: Holder = Holder.OWNER, *, due_fen: int | None = None,
                           rate_id: int | None = None) -> SubAccount:
    """The household's sub-account for `holder`, opened on first use (keyed by the dwelling, never the person)."""
    account = db.session.scalar(
        select(SubAccount).where(SubAccount.household_id == household.id, SubAccount.holder == holder)
    )
    if account is not None:
        return account
    account = SubAccount(
        household_id=household.id, compound_id=household.compound_id, holder=holder, balance_fen=0,
        first_deposit_due_fen=due_fen, rate_id=rate_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(account)
            db.session.flush()
            tallies.bump(account.compound_id, tallies.fund_flags(SubAccountStatus.OPEN, due_fen, 0, 0))
    except IntegrityError:  # opened by a parallel request a moment ago
        account = db.session.scalar(
            select(SubAccount).where(SubAccount.household_id == household.id, SubAccount.holder == holder)
        )
    return account


def check_amount(kind: EntryKind, amount_fen: int) -> int:
    """The signed amount for a kind: callers pass a positive number of fen."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise DomainError("金额必须是整数（单位：分）", field="amount_fen")
    if amount_fen <= 0:
        raise DomainError("金额必须大于 0", field="amount_fen")
    if amount_fen > MAX_FEN:
        raise DomainError("金额过大", field="amount_fen")
    if kind in CREDIT_KINDS:
        return amount_fen
    if kind in DEBIT_KINDS:
        return -amount_fen
    raise DomainError("冲正请使用冲正功能", field="kind")


def post(
    account: SubAccount,
    kind: EntryKind,
    amount_fen: int,
    *,
    actor: User | None,
    source_type: str,
    source_id: int | None = None,
    value_on: date | None = None,
    memo: str | None = None,
    key: str | None = None,
    payload: dict | None = None,
    audited: bool = True,
) -> LedgerEntry:
    """Post one entry and move the cached balance with it, atomically. Returns the entry (or the replayed one)."""
    kind = EntryKind(kind)
    signed = check_amount(kind, amount_fen)
    digest = payload_hash(payload if payload is not None else {
        "account": account.id, "kind": kind.value, "amount": amount_fen, "source": source_type, "source_id": source_id,
    }) if key else None
    if key:
        existing = _replay(key, digest)
        if existing is not None:
            return existing
    try:
        with db.session.begin_nested():
            entry = _apply(account, kind, signed, actor=actor, source_type=source_type, source_id=source_id,
                           value_on=value_on, memo=memo, key=key, digest=digest,
                           pays_first_deposit=kind in FIRST_DEPOSIT_KINDS)
    except IntegrityError:
        if not key:
            raise
        existing = _replay(key, digest)  # a parallel request with the same key won the race
        if existing is None:
            raise
        return existing
    if audited:
        audit.record(
            f"fund.{kind.value}", entry, actor=actor, place=account.household,
            changes={"account_id": account.id, "amount_fen": signed, "balance_after_fen": entry.balance_after_fen,
                     "source": source_type, "source_id": source_id},
        )
    return entry


def _replay(key: str, digest: str | None) -> LedgerEntry | None:
    existing = db.session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))
    if existing is None:
        return None
    if existing.payload_hash != digest:
        raise Conflict("该幂等键已用于另一笔不同的入账", field="idempotency_key")
    existing._pm_replayed = True  # plain attribute (not a column): read by was_replayed()
    return existing


def was_replayed(entry: LedgerEntry) -> bool:
    """Whether post() returned an entry posted earlier with the same key (also when a parallel request won)."""
    return bool(getattr(entry, "_pm_replayed", False))


def _apply(account: SubAccount, kind: EntryKind, signed: int, *, actor, source_type, source_id, value_on, memo,
           key, digest, pays_first_deposit: bool, reverses_id: int | None = None) -> LedgerEntry:
    """The guarded balance update and the entry insert, in the caller's savepoint. `pays_first_deposit`: the
    entry also moves 首期已交 (a first deposit or back-payment, or the reversal of one)."""
    paid = {"first_deposit_paid_fen": SubAccount.first_deposit_paid_fen + signed} if pays_first_deposit else {}
    row = db.session.execute(
        update(SubAccount)
        .where(
            SubAccount.id == account.id,
            SubAccount.status == SubAccountStatus.OPEN,
            SubAccount.balance_fen + signed >= 0,
        )
        .values(balance_fen=SubAccount.balance_fen + signed, **paid)
        .returning(SubAccount.balance_fen, SubAccount.first_deposit_paid_fen, SubAccount.first_deposit_due_fen,
                   SubAccount.compound_id)
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        fresh = db.session.get(SubAccount, account.id, populate_existing=True)
        if fresh is None:
            raise NotFound("维修资金账户不存在", field="account_id")
        if fresh.status != SubAccountStatus.OPEN:
            raise DomainError("该账户已销户，不能记账", field="account_id")
        raise DomainError("余额不足：当前余额 %(balance)s 分，本笔 %(amount)s 分", field="amount_fen",
                          balance=fresh.balance_fen, amount=signed)
    # The row is locked by the UPDATE: its state before is the one returned less the entry.
    balance_after, paid_after, due, compound_id = row
    tallies.bump(compound_id, tallies.change(
        tallies.fund_flags(SubAccountStatus.OPEN, due, paid_after - (signed if pays_first_deposit else 0),
                           balance_after - signed),
        tallies.fund_flags(SubAccountStatus.OPEN, due, paid_after, balance_after)))
    entry = LedgerEntry(
        account_id=account.id, kind=kind, amount_fen=signed, balance_after_fen=row[0], created_at=utcnow(),
        value_on=value_on or local_today(), actor_id=actor.id if actor is not None else None,
        source_type=source_type, source_id=source_id, memo=(memo or None) and memo[:200],
        idempotency_key=key, payload_hash=digest, reverses_id=reverses_id,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.expire(account, ["balance_fen", "first_deposit_paid_fen"])
    return entry


def reverse(entry: LedgerEntry, *, actor: User | None, memo: str, key: str | None = None) -> LedgerEntry:
    """冲正: a linked entry of the opposite amount. A reversal itself, or an entry already reversed, is refused."""
    if not (memo or "").strip():
        raise DomainError("请填写冲正原因", field="memo")
    if entry.kind == EntryKind.REVERSAL:
        raise DomainError("冲正记录不能再冲正", field="entry_id")
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry.id)):
        raise Conflict("该笔记录已冲正过", field="entry_id")
    account = db.session.get(SubAccount, entry.account_id)
    digest = payload_hash({"reverses": entry.id}) if key else None
    if key:
        existing = _replay(key, digest)
        if existing is not None:
            return existing
    try:
        with db.session.begin_nested():
            reversal = _apply(account, EntryKind.REVERSAL, -entry.amount_fen, actor=actor, source_type="reversal",
                              source_id=entry.id, value_on=None, memo=memo.strip(), key=key, digest=digest,
                              pays_first_deposit=entry.kind in FIRST_DEPOSIT_KINDS, reverses_id=entry.id)
    except IntegrityError:
        raise Conflict("该笔记录已冲正过", field="entry_id") from None
    audit.record(
        "fund.reversal", reversal, actor=actor, place=account.household,
        changes={"reverses": entry.id, "amount_fen": reversal.amount_fen, "memo": memo.strip()},
    )
    return reversal


def close_subaccount(account: SubAccount, *, actor: User | None) -> None:
    """销户 (after a refund has brought the balance to zero). The row is locked first (a posting in parallel waits,
    then finds it closed), so the compound's counts lose exactly what this account added."""
    db.session.refresh(account, with_for_update=True)
    if account.balance_fen != 0:
        raise DomainError("余额不为零，不能销户", field="account_id")
    state = (account.first_deposit_due_fen, account.first_deposit_paid_fen, account.balance_fen)
    tallies.bump(account.compound_id, tallies.change(tallies.fund_flags(account.status, *state),
                                                     tallies.fund_flags(SubAccountStatus.CLOSED, *state)))
    account.status = SubAccountStatus.CLOSED
    account.closed_at = utcnow()
    db.session.flush()
    audit.record("fund.close", account, actor=actor, place=account.household, changes={"status": ["open", "closed"]})


BATCH_CHUNK = 1000


def post_batch(
    postings: list[tuple[int, int, str]],
    kind: EntryKind,
    *,
    actor: User | None,
    source_type: str,
    source_id: int | None = None,
    value_on: date | None = None,
    memo: str | None = None,
) -> int:
    """Post one entry of `kind` to each of many accounts — (account_id, amount_fen, key) — set-based.

    The same rules as post(), in a few statements per 1,000 accounts instead of five per entry: amounts
    checked; keys replayed (same payload → skipped, different → 409) with post()'s payload hash; rows locked
    in id order, then one guarded UPDATE (… WHERE balance + amount >= 0 AND open) and one bulk INSERT of the
    entries with their balance_after. If any account would go below zero or is closed, nothing is posted.
    Returns the number of entries posted (replays excluded). Callers audit the batch as a whole.
    """
    kind = EntryKind(kind)
    if kind == EntryKind.REVERSAL:
        raise DomainError("冲正请使用冲正功能", field="kind")
    rows: dict[int, tuple[int, int, str, str]] = {}
    for account_id, amount_fen, key in postings:
        signed = check_amount(kind, amount_fen)
        if account_id in rows:
            raise DomainError("同一批次中账户重复", field="account_id")
        digest = payload_hash({"account": account_id, "kind": kind.value, "amount": amount_fen, "source": source_type,
                               "source_id": source_id})
        rows[account_id] = (signed, amount_fen, key, digest)
    by_key = {r[2]: (account_id, r[3]) for account_id, r in rows.items()}
    keys = list(by_key)
    for i in range(0, len(keys), BATCH_CHUNK):
        for key, digest in db.session.execute(
            select(LedgerEntry.idempotency_key, LedgerEntry.payload_hash)
            .where(LedgerEntry.idempotency_key.in_(keys[i:i + BATCH_CHUNK]))
        ):
            account_id, expected = by_key[key]
            if digest != expected:
                raise Conflict("该幂等键已用于另一笔不同的入账", field="idempotency_key")
            rows.pop(account_id)  # posted before: a replay posts nothing new
    ids = sorted(rows)
    day = value_on or local_today()
    now = utcnow()
    counts: dict[int, dict[str, int]] = {}  # the compounds' fund counts moved by this batch
    try:
        with db.session.begin_nested():
            for i in range(0, len(ids), BATCH_CHUNK):
                chunk = ids[i:i + BATCH_CHUNK]
                # Lock in id order (PostgreSQL) so parallel batches and single posts cannot deadlock.
                db.session.execute(select(SubAccount.id).where(SubAccount.id.in_(chunk))
                                   .order_by(SubAccount.id).with_for_update())
                delta = case({a: rows[a][0] for a in chunk}, value=SubAccount.id)
                paid = ({"first_deposit_paid_fen": SubAccount.first_deposit_paid_fen + delta}
                        if kind in FIRST_DEPOSIT_KINDS else {})
                returned = db.session.execute(
                    update(SubAccount)
                    .where(SubAccount.id.in_(chunk), SubAccount.status == SubAccountStatus.OPEN,
                           SubAccount.balance_fen + delta >= 0)
                    .values(balance_fen=SubAccount.balance_fen + delta, **paid)
                    .returning(SubAccount.id, SubAccount.balance_fen, SubAccount.first_deposit_paid_fen,
                               SubAccount.first_deposit_due_fen, SubAccount.compound_id)
                    .execution_options(synchronize_session=False)
                ).all()
                after = {r[0]: r[1] for r in returned}
                for a, balance_after, paid_after, due, compound_id in returned:
                    moved = tallies.change(
                        tallies.fund_flags(SubAccountStatus.OPEN, due, paid_after - (rows[a][0] if paid else 0),
                                           balance_after - rows[a][0]),
                        tallies.fund_flags(SubAccountStatus.OPEN, due, paid_after, balance_after))
                    for k, v in moved.items():
                        counts.setdefault(compound_id, {}).setdefault(k, 0)
                        counts[compound_id][k] += v
                missing = [a for a in chunk if a not in after]
                if missing:
                    raise DomainError("账户 %(id)s 余额不足或已销户，本批次未入账", field="account_id", id=missing[0])
                db.session.execute(insert(LedgerEntry), [{
                    "account_id": a, "kind": kind, "amount_fen": rows[a][0], "balance_after_fen": after[a],
                    "created_at": now, "value_on": day, "actor_id": actor.id if actor is not None else None,
                    "source_type": source_type, "source_id": source_id, "memo": (memo or None) and memo[:200],
                    "idempotency_key": rows[a][2], "payload_hash": rows[a][3],
                } for a in chunk])
            tallies.bump_many(counts)  # after every row lock of the batch, in compound order
    except IntegrityError:
        raise Conflict("部分入账已由另一请求完成，请刷新后重试", field="idempotency_key") from None
    posted = set(ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, SubAccount) and obj.id in posted:
            db.session.expire(obj, ["balance_fen", "first_deposit_paid_fen"])
    logger.info("batch of %d %s postings (%s %r) by %r", len(ids), kind.value, source_type, source_id, actor)
    return len(ids)
