"""增值收益与共用部位经营收益: a period's returns or common-part income shared out to a compound's sub-accounts."""
# Split exactly to the fen by the largest-remainder method (pm.services.fund.apportion), by balance (the
# default) or by floor area, as the county's FundPolicy says; one distribution per compound, period and kind.
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Compound, LedgerEntry, ReturnsDistribution, SubAccount, SubAccountStatus, User
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


def returns_select(scope: Scope, *, compound_id: int | None = None):
    """Distributions in scope (optionally of one compound), newest first."""
    stmt = scope.select(ReturnsDistribution)
    if compound_id:
        stmt = stmt.where(ReturnsDistribution.compound_id == compound_id)
    return stmt.order_by(ReturnsDistribution.id.desc())


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


@dataclass
class Apportionment:
    """What a distribution credits: the key it weighs by and, per open sub-account (by id), its weight and share
    (shares sum to the amount, exactly)."""

    compound: Compound
    period: str
    kind: EntryKind
    amount_fen: int
    key: str
    rows: list[tuple[SubAccount, Fraction | int, int]] = field(default_factory=list)


def apportion_returns(compound: Compound, *, period: str, amount_fen: int, actor: User | None, scope: Scope,
                      kind: EntryKind | str = EntryKind.RETURNS) -> Apportionment:
    """The checks and the split of a distribution, writing nothing (the preview; distribute_returns posts it).

    Refused: a kind other than returns or common-part income, a bad period, a second distribution of the same
    kind for the period, a compound with nothing to weigh by."""
    authorise(scope, actor, "fund.returns")
    require_in_scope(scope, Compound, compound.id, field="compound_id")
    try:
        kind = EntryKind(kind)
    except ValueError:
        raise DomainError("只能分配增值收益或共用部位经营收益", field="kind") from None
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
    by_id = dict(weights)
    return Apportionment(compound, period, kind, amount_fen, key,
                         [(a, by_id[a.id], shares[a.id]) for a in subaccounts])


def replayed_distribution(key: str, digest: str) -> ReturnsDistribution | None:
    """The distribution an earlier request with this (caller-scoped) key made, or None; the same key with another
    request is a 409. Its first entry carries the key itself, the others "<key>:<account id>"."""
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))
    if entry is None:
        return None
    if entry.source_type != "returns" or entry.payload_hash != ledger.payload_hash({"request": digest}):
        raise Conflict("该幂等键已用于另一笔不同的分配", field="Idempotency-Key")
    dist = db.session.get(ReturnsDistribution, entry.source_id)
    dist._pm_replayed = True  # plain attribute (not a column): read by was_replayed()
    return dist


def request_digest(compound_id: int, *, period: str, amount_fen: int, kind: EntryKind | str, memo: str | None,
                   value_on: date | None = None) -> str:
    """What a keyed distribution request is compared by (replayed_distribution)."""
    memo = (memo or "").strip()[:200] or None
    return ledger.payload_hash({"compound": compound_id, "period": (period or "").strip(), "amount": amount_fen,
                                "kind": str(getattr(kind, "value", kind)), "memo": memo,
                                "value_on": value_on.isoformat() if value_on else None})


def was_replayed(dist: ReturnsDistribution) -> bool:
    return bool(getattr(dist, "_pm_replayed", False))


def distribute_returns(compound: Compound, *, period: str, amount_fen: int, actor: User | None, scope: Scope,
                       kind: EntryKind | str = EntryKind.RETURNS, memo: str | None = None,
                       value_on: date | None = None, key: str | None = None) -> ReturnsDistribution:
    """增值收益分配: credit `amount_fen` for a period to the compound's open sub-accounts, exact to the fen
    (apportion_returns's checks and split). `key` (caller-scoped): a retry with the same request returns the
    first distribution (was_replayed), also when a parallel one won; with another request it is a 409."""
    memo = (memo or "").strip()[:200] or None
    digest = None
    if key:
        digest = request_digest(compound.id, period=period, amount_fen=amount_fen, kind=kind, memo=memo,
                                value_on=value_on)
        replay = replayed_distribution(key, digest)
        if replay is not None:
            return replay
    try:
        plan = apportion_returns(compound, period=period, amount_fen=amount_fen, actor=actor, scope=scope, kind=kind)
    except Conflict:
        if key and (replay := replayed_distribution(key, digest)) is not None:
            return replay
        raise
    dist = ReturnsDistribution(compound_id=compound.id, period=plan.period, amount_fen=amount_fen, key=plan.key,
                               kind=plan.kind, memo=memo, created_by_id=actor.id if actor else None,
                               created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(dist)
            db.session.flush()
    except IntegrityError:
        # A parallel distribution of the same compound, period and kind committed first: the same request
        # (same key) gets its result; any other is refused.
        if key and (replay := replayed_distribution(key, digest)) is not None:
            return replay
        raise Conflict("该小区 %(period)s 期间已分配过，不能重复分配", field="period", period=plan.period) from None
    anchor = key
    for subaccount, _weight, fen in plan.rows:
        if fen > 0:
            entry_key = None
            if key:
                entry_key, anchor = (anchor or f"{key}:{subaccount.id}"), None
            ledger.post(subaccount, plan.kind, fen, actor=actor, source_type="returns", source_id=dist.id,
                        value_on=value_on, memo=plan.period,  # the entry's kind names it, in any language
                        key=entry_key, payload={"request": digest} if key else None, audited=False)
    audit.record(f"fund.distribute.{plan.kind.value}", dist, actor=actor, place=compound, changes={
        "period": plan.period, "amount_fen": amount_fen, "key": plan.key,
        "accounts": sum(1 for _, _, fen in plan.rows if fen),
    })
    return dist
