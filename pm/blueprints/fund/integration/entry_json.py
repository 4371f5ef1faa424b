"""对账明细 as JSON without marshmallow's per-field work: the listing returns 50–500 entries a call, and dumping them
through LedgerEntryOut cost about as much CPU as the rest of the request. entry_dict(e) equals
LedgerEntryOut().dump(e) for every kind of entry (tests/fund/test_fund_integration_api.py compares them, field by
field, and fails when the schema gains a field this does not write); the OpenAPI document still shows the schema."""
from __future__ import annotations

from datetime import date, datetime

from pm.models import LedgerEntry


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def entry_dict(e: LedgerEntry) -> dict:
    """One entry (a LedgerEntry, or a row of reconcile.entries_page) as LedgerEntryOut dumps it (`is_reversed` as
    the page's statement or mark_reversed sets it)."""
    return {
        "id": e.id, "account_id": e.account_id, "kind": None if e.kind is None else e.kind.value,
        "amount_fen": e.amount_fen, "balance_after_fen": e.balance_after_fen, "value_on": _iso(e.value_on),
        "created_at": _iso(e.created_at), "actor_id": e.actor_id, "source_type": e.source_type,
        "source_id": e.source_id, "memo": e.memo, "reverses_id": e.reverses_id,
        "is_reversed": bool(getattr(e, "is_reversed", False)),
    }
