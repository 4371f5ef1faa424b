"""灭失: a demolished dwelling's sub-accounts refunded and closed, its ownerships ended (Order 165 art. 29)."""
from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from pm.access import Scope, authorise
from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
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


def demolish(household: Household, *, on: date, memo: str | None, actor: User | None,
             scope: Scope) -> list[LedgerEntry]:
    """灭失: refund each sub-account's balance (REFUND), close the sub-accounts, end current ownerships, mark the
    household DEMOLISHED — in the caller's one transaction, audited. Returns the refund entries."""
    authorise(scope, actor, "fund.cashier")
    require_in_scope(scope, Household, household.id, field="household_id")
    if household.status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已登记灭失", field="household_id")
    if not isinstance(on, date) or on > local_today():
        raise DomainError("灭失日期不能晚于今天", field="on")
    owners = list(db.session.scalars(
        select(Ownership).where(Ownership.household_id == household.id, Ownership.ended_on.is_(None))))
    for o in owners:
        if on < o.started_on:
            raise DomainError("灭失日期早于现业主的产权开始日期", field="on")
    memo = (memo or "").strip()[:150] or None
    refunds = []
    for subaccount in db.session.scalars(
            select(SubAccount).where(SubAccount.household_id == household.id).order_by(SubAccount.id)):
        if subaccount.status != SubAccountStatus.OPEN:
            continue
        db.session.refresh(subaccount)
        if subaccount.balance_fen > 0:
            refunds.append(ledger.post(subaccount, EntryKind.REFUND, subaccount.balance_fen, actor=actor,
                                       source_type="demolition", source_id=household.id, value_on=on,
                                       memo=memo,  # as typed; the refund's source (demolition) says why
                                       key=f"demolition:{subaccount.id}"))
        ledger.close_subaccount(subaccount, actor=actor)
    for o in owners:
        o.ended_on = on
        o.end_reason = OwnershipEnd.DEMOLITION
    household.status = HouseholdStatus.DEMOLISHED
    db.session.flush()
    audit.record("household.demolish", household, actor=actor, changes={
        "on": on, "memo": memo, "refunded_fen": sum(-e.amount_fen for e in refunds),
        "ended_ownerships": [o.id for o in owners], "status": ["active", "demolished"],
    })
    logger.info("demolished %r: %d refunds", household, len(refunds))
    return refunds
