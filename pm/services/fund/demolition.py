"""灭失: a demolished dwelling's sub-accounts refunded and closed, its ownerships ended (Order 165 art. 29)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from pm.access import Scope, authorise
from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    AuditLog,
    Household,
    HouseholdStatus,
    LedgerEntry,
    Ownership,
    OwnershipEnd,
    SubAccount,
    User,
)
from pm.models.fund import EntryKind, SubAccountStatus
from pm.services import audit
from pm.services.fund import ledger
from pm.services.fund.access import require_in_scope
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


@dataclass
class DemolitionPreview:
    """What a demolition would do: refund each open sub-account's balance and close it, end these ownerships."""

    household: Household
    subaccounts: list[SubAccount] = field(default_factory=list)
    owners: list[Ownership] = field(default_factory=list)

    @property
    def refund_fen(self) -> int:
        return sum(a.balance_fen for a in self.subaccounts)


def preview_demolition(household: Household, *, on: date, actor: User | None, scope: Scope,
                       lock: bool = False) -> DemolitionPreview:
    """The checks of a demolition and what it would refund, close and end, writing nothing. `lock` (the
    demolition itself): the household row is locked first, so two demolitions of one dwelling run one after
    the other (the second is refused) on PostgreSQL."""
    authorise(scope, actor, "fund.cashier")
    require_in_scope(scope, Household, household.id, field="household_id")
    status = household.status
    if lock:  # the row alone (a FOR UPDATE over the page's outer-joined loads is refused by PostgreSQL)
        status = db.session.scalar(select(Household.status).where(Household.id == household.id).with_for_update())
    if status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已登记灭失", field="household_id")
    if not isinstance(on, date) or on > local_today():
        raise DomainError("灭失日期不能晚于今天", field="on")
    owners = list(db.session.scalars(
        select(Ownership).where(Ownership.household_id == household.id, Ownership.ended_on.is_(None))))
    for o in owners:
        if on < o.started_on:
            raise DomainError("灭失日期早于现业主的产权开始日期", field="on")
    subaccounts = list(db.session.scalars(
        select(SubAccount).where(SubAccount.household_id == household.id,
                                 SubAccount.status == SubAccountStatus.OPEN).order_by(SubAccount.id)))
    return DemolitionPreview(household, subaccounts, owners)


def _request(key: str | None, household: Household, on: date, memo: str | None) -> str | None:
    """The hash an idempotent demolition request leaves in its audit row (the caller's key with what it asked)."""
    if not key:
        return None
    return ledger.payload_hash({"key": key, "household": household.id, "on": on.isoformat(), "memo": memo})


def replayed_refunds(household: Household, *, on: date, memo: str | None, key: str | None) -> list[LedgerEntry] | None:
    """The refunds of an earlier demolition of this household made by the same request (same key and body), or
    None (then a demolished household is refused as usual)."""
    memo = (memo or "").strip()[:150] or None
    token = _request(key, household, on, memo) if isinstance(on, date) else None
    if token is None or db.session.scalar(select(Household.status).where(Household.id == household.id)) \
            != HouseholdStatus.DEMOLISHED:  # read from the row: a parallel request may have just committed it
        return None
    row = db.session.scalar(select(AuditLog).where(
        AuditLog.object_type == "Household", AuditLog.object_id == household.id,
        AuditLog.action == "household.demolish").order_by(AuditLog.id.desc()).limit(1))
    if row is None or (row.changes or {}).get("request") != token:
        return None
    return list(db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.source_type == "demolition", LedgerEntry.source_id == household.id).order_by(LedgerEntry.id)))


def demolish(household: Household, *, on: date, memo: str | None, actor: User | None,
             scope: Scope, key: str | None = None) -> list[LedgerEntry]:
    """灭失: refund each sub-account's balance (REFUND), close the sub-accounts, end current ownerships, mark the
    household DEMOLISHED — in the caller's one transaction, audited. Returns the refund entries. `key`
    (caller-scoped, optional): the same request again returns the first refunds (see replayed_refunds)."""
    plan = preview_demolition(household, on=on, actor=actor, scope=scope, lock=True)
    memo = (memo or "").strip()[:150] or None
    refunds = []
    for subaccount in plan.subaccounts:
        db.session.refresh(subaccount)
        if subaccount.balance_fen > 0:
            refunds.append(ledger.post(subaccount, EntryKind.REFUND, subaccount.balance_fen, actor=actor,
                                       source_type="demolition", source_id=household.id, value_on=on,
                                       memo=memo,  # as typed; the refund's source (demolition) says why
                                       key=f"demolition:{subaccount.id}"))
        ledger.close_subaccount(subaccount, actor=actor)
    for o in plan.owners:
        o.ended_on = on
        o.end_reason = OwnershipEnd.DEMOLITION
    household.status = HouseholdStatus.DEMOLISHED
    db.session.flush()
    changes = {"on": on, "memo": memo, "refunded_fen": sum(-e.amount_fen for e in refunds),
               "ended_ownerships": [o.id for o in plan.owners], "status": ["active", "demolished"]}
    if key:
        changes["request"] = _request(key, household, on, memo)
    audit.record("household.demolish", household, actor=actor, changes=changes)
    logger.info("demolished %r: %d refunds", household, len(refunds))
    return refunds
