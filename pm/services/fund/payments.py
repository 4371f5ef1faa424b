"""交存录入与冲正: a cashier's payments (首期/补交/续交) into a sub-account, their reversal, and who may do which."""
# Every posting goes through pm.services.fund.ledger (the one posting primitive); this module holds the rules
# around it: who may post where, which kinds a cashier may enter or reverse, the idempotency key of a form or
# an API request.
from __future__ import annotations

import hashlib
import logging
from datetime import date

from pm.access import Scope, authorise, can
from pm.errors import DomainError
from pm.extensions import db
from pm.models import LedgerEntry, SubAccount, SubAccountStatus, User
from pm.models.fund import DEPOSIT_KINDS, EntryKind
from pm.services.fund import ledger
from pm.services.fund.access import require_in_scope
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

PAYMENT_KINDS = (EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT, EntryKind.REPLENISHMENT)
MAX_MEMO = 200
MAX_KEY = 100


def _check_cashier(actor: User | None, scope: Scope, subaccount: SubAccount) -> None:
    authorise(scope, actor, "fund.cashier")
    require_in_scope(scope, SubAccount, subaccount.id, field="account_id")


def caller_key(actor: User, channel: str, key: str) -> str:
    """An idempotency key scoped to its caller: another user's identical key is another key (it neither replays
    nor blocks this one, and reveals nothing). The client's key is hashed, so any 1–90 characters fit the column."""
    return f"{channel}:{actor.id}:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


def record_payment(subaccount: SubAccount, *, kind: EntryKind | str, amount_fen: int, value_on: date,
                   memo: str | None, key: str | None, actor: User | None, scope: Scope,
                   source_type: str = "manual", source_id: int | None = None, today: date | None = None) -> LedgerEntry:
    """录入交存 (首期/补交/续交) by a cashier in scope; a retried request with the same key posts once."""
    _check_cashier(actor, scope, subaccount)
    try:
        kind = EntryKind(kind)
    except ValueError:
        raise DomainError("交存类型无效", field="kind") from None
    if kind not in DEPOSIT_KINDS:
        raise DomainError("只能录入首期交存、补交或续交", field="kind")
    if not isinstance(value_on, date) or value_on > (today or local_today()):
        raise DomainError("记账日期不能晚于今天", field="value_on")
    memo = (memo or "").strip() or None
    if memo and len(memo) > MAX_MEMO:
        raise DomainError("备注不能超过 200 字", field="memo")
    if key is not None and (not key.strip() or len(key) > MAX_KEY):
        raise DomainError("幂等键无效（1–100 个字符）", field="idempotency_key")
    payload = {"account": subaccount.id, "kind": kind.value, "amount": amount_fen, "value_on": value_on.isoformat(),
               "memo": memo}
    return ledger.post(subaccount, kind, amount_fen, actor=actor, source_type=source_type, source_id=source_id,
                       value_on=value_on, memo=memo, key=key, payload=payload)


def reverse_entry(entry: LedgerEntry, *, memo: str, actor: User | None, scope: Scope,
                  key: str | None = None) -> LedgerEntry:
    """冲正 a payment (首期/补交/续交) with a reason, once; plan charges and refunds are reversed by their process."""
    subaccount = db.session.get(SubAccount, entry.account_id)
    _check_cashier(actor, scope, subaccount)
    if entry.kind not in DEPOSIT_KINDS and entry.kind != EntryKind.REVERSAL:
        raise DomainError("只能冲正交存记录；分摊、退款等由其业务流程更正", field="entry_id")
    memo = (memo or "").strip()
    if len(memo) > MAX_MEMO:
        raise DomainError("冲正原因不能超过 200 字", field="memo")
    return ledger.reverse(entry, actor=actor, memo=memo, key=key)


# == allowed actions (what the pages offer) ===========================================================
def subaccount_actions(subaccount: SubAccount, user: User | None) -> list[str]:
    """What `user` may do to an open sub-account: "pay" (录入交存) and "demolish" (登记灭失) for a cashier."""
    if subaccount.status != SubAccountStatus.OPEN or not can(user, "fund.cashier"):
        return []
    return ["pay", "demolish"]


def entry_actions(entry: LedgerEntry, subaccount: SubAccount, user: User | None, *, is_reversed: bool) -> list[str]:
    """What `user` may do to one entry: "reverse" (冲正) a payment not yet reversed, on an open sub-account."""
    if is_reversed or entry.kind not in DEPOSIT_KINDS or "pay" not in subaccount_actions(subaccount, user):
        return []
    return ["reverse"]
