"""增值收益与共用部位经营收益: a period's returns or common-part income shared out to a compound's sub-accounts."""
# Split exactly to the fen by the largest-remainder method (pm.services.fund.apportion), by balance (the
# default) or by floor area, as the county's FundPolicy says; one distribution per compound, period and kind.
from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Compound, ReturnsDistribution, SubAccount, SubAccountStatus, User
from pm.models.fund import EntryKind
from pm.services import audit
from pm.services.fund import apportion, ledger
from pm.services.fund.access import require_in_scope
from pm.services.fund.policy import policy_for
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)

RETURN_KINDS = (EntryKind.RETURNS, EntryKind.COMMON_INCOME)
HISTORY = 50
_PERIOD = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff\-_/]{1,16}$")


def returns_history(scope: Scope) -> list[ReturnsDistribution]:
    """The latest distributions in scope, newest first."""
    return list(db.session.scalars(
        scope.select(ReturnsDistribution).order_by(ReturnsDistribution.id.desc()).limit(HISTORY)))


def _weights(subaccounts: list[SubAccount], key: str) -> list[tuple[int, Fraction | int]]:
    """By balance; or by area, a household's area shared equally by its open sub-accounts."""
    if key != "area":
        return [(a.id, a.balance_fen) for a in subaccounts]
    per_household: dict[int, int] = {}
    for a in subaccounts:
        per_household[a.household_id] = per_household.get(a.household_id, 0) + 1
    return [(a.id, Fraction(Decimal(a.household.area_m2)) / per_household[a.household_id]) for a in subaccounts]


def distribute_returns(compound: Compound, *, period: str, amount_fen: int, actor: User | None, scope: Scope,
                       kind: EntryKind | str = EntryKind.RETURNS, memo: str | None = None,
                       value_on: date | None = None) -> ReturnsDistribution:
    """增值收益分配: credit `amount_fen` for a period to the compound's open sub-accounts, exact to the fen.

    Refused: a kind other than returns or common-part income, a bad period, a second distribution of the same
    kind for the period, a compound with nothing to weigh by."""
    authorise(scope, actor, "fund.returns")
    require_in_scope(scope, Compound, compound.id, field="compound_id")
    kind = EntryKind(kind)
    if kind not in RETURN_KINDS:
        raise DomainError("只能分配增值收益或共用部位经营收益", field="kind")
    period = (period or "").strip()
    if not _PERIOD.match(period):
        raise DomainError("期间格式不正确（例如 2025 或 2025-H1，最多 16 个字符）", field="period")
    ledger.check_amount(kind, amount_fen)
    if db.session.scalar(select(ReturnsDistribution.id).where(
            ReturnsDistribution.compound_id == compound.id, ReturnsDistribution.period == period,
            ReturnsDistribution.kind == kind)):
        raise Conflict("该小区 %(period)s 期间已分配过，不能重复分配", field="period", period=period)
    key = policy_for(compound.id).returns_key
    subaccounts = list(db.session.scalars(
        select(SubAccount).options(joinedload(SubAccount.household))
        .where(SubAccount.compound_id == compound.id, SubAccount.status == SubAccountStatus.OPEN)
        .order_by(SubAccount.id)
    ))
    weights = _weights(subaccounts, key)
    if not weights or sum(w for _, w in weights) == 0:
        raise DomainError("该小区没有可分配的账户（无开户或余额合计为零）", field="compound_id")
    shares = apportion.largest_remainder(amount_fen, weights)
    dist = ReturnsDistribution(compound_id=compound.id, period=period, amount_fen=amount_fen, key=key, kind=kind,
                               memo=(memo or "").strip()[:200] or None, created_by_id=actor.id if actor else None,
                               created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(dist)
            db.session.flush()
    except IntegrityError:
        raise Conflict("该小区 %(period)s 期间已分配过，不能重复分配", field="period", period=period) from None
    for subaccount in subaccounts:
        fen = shares[subaccount.id]
        if fen > 0:
            ledger.post(subaccount, kind, fen, actor=actor, source_type="returns", source_id=dist.id,
                        value_on=value_on, memo=period, audited=False)  # the entry's kind names it, in any language
    audit.record(f"fund.distribute.{kind.value}", dist, actor=actor, place=compound, changes={
        "period": period, "amount_fen": amount_fen, "key": key, "accounts": sum(1 for v in shares.values() if v),
    })
    return dist
