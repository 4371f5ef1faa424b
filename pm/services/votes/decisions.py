"""表决事项: open a decision over a snapshot of households, close it (outcome and figures stored) or cancel it."""
from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Select, func, insert, literal, select

from pm.access import Scope
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import Compound, Household, User
from pm.models.votes import (
    Decision,
    DecisionOutcome,
    DecisionStatus,
    ElectorateEntry,
    VoteChoice,
)
from pm.services import audit
from pm.services.votes.consent import consent as consent_of
from pm.services.votes.rules import Rule, as_rule
from pm.services.votes.tally import Tally, live_tally
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)


def _check_scope(scope: Scope, compound_id: int) -> None:
    if not scope.contains(Compound, compound_id):
        raise Forbidden("该小区不在您的权限范围内")


def _place(decision: Decision) -> Compound | None:
    return db.session.get(Compound, decision.compound_id)


def open_decision(
    *,
    subject_kind: str,
    subject_id: int,
    title: str,
    compound_id: int,
    households: Select,
    rule: Rule | str,
    opens_on: date,
    closes_on: date,
    actor: User | None,
    scope: Scope,
) -> Decision:
    """Open a decision of one compound: its electorate is the given households of that compound, written now
    (INSERT … SELECT, one statement whatever their number). The caller has checked the actor may open it."""
    _check_scope(scope, compound_id)
    rule = as_rule(rule)
    if closes_on is None or opens_on is None:
        raise DomainError("请填写表决的开始和截止日期", field="closes_on")
    if closes_on < opens_on:
        raise DomainError("表决截止日期不能早于开始日期", field="closes_on")
    decision = Decision(
        subject_kind=subject_kind, subject_id=subject_id, title=title[:200], compound_id=compound_id,
        rule_name=rule.name, quorum_area_num=rule.quorum_area.numerator, quorum_area_den=rule.quorum_area.denominator,
        quorum_heads_num=rule.quorum_heads.numerator, quorum_heads_den=rule.quorum_heads.denominator,
        threshold_num=rule.threshold.numerator, threshold_den=rule.threshold.denominator, strict=rule.strict,
        over_electorate=rule.over_electorate, opens_on=opens_on, closes_on=closes_on, status=DecisionStatus.OPEN,
        opened_by_id=actor.id if actor is not None else None,
    )
    db.session.add(decision)
    db.session.flush()
    ids = households.subquery()
    db.session.execute(insert(ElectorateEntry).from_select(
        ["decision_id", "household_id"],
        select(literal(decision.id), Household.id).where(Household.id.in_(select(ids.c[0])),
                                                         Household.compound_id == compound_id),
    ))
    size = db.session.scalar(select(func.count()).select_from(ElectorateEntry)
                             .where(ElectorateEntry.decision_id == decision.id))
    if not size:
        raise DomainError("表决范围内没有住户", field="households")
    audit.record("vote.open", decision, actor=actor, place=_place(decision), changes={
        "subject": f"{subject_kind}:{subject_id}", "rule": rule.name, "threshold": rule.threshold_text,
        "opens_on": opens_on, "closes_on": closes_on, "households": size,
    })
    logger.info("decision %r opened by %r over %d households", decision, actor, size)
    return decision


def _lock(decision: Decision) -> None:
    """Lock the decision row (PostgreSQL) so that two requests cannot close it at once; read it afresh."""
    db.session.execute(select(Decision.id).where(Decision.id == decision.id).with_for_update())
    db.session.refresh(decision)


def close_decision(
    decision: Decision,
    *,
    actor: User | None,
    scope: Scope,
    now: datetime | None = None,
    expect_pass: bool | None = None,
    field: str = "decision",
    consent: Collection[int] | None = None,
) -> Tally:
    """Count and close: after the closing date, or earlier once every dwelling has voted. The outcome and the
    final figures are stored. With expect_pass, a different outcome is refused and nothing changes. With
    consent (household ids; pm.services.votes.consent), a decision where any of those dwellings did not vote yes
    is rejected even when the tally passes (no consent given: the tally alone decides, as always)."""
    _check_scope(scope, decision.compound_id)
    _lock(decision)
    if decision.status != DecisionStatus.OPEN:
        raise Conflict("该事项的表决已经结束", field=field)
    now = now or utcnow()
    result = live_tally(decision)
    if not (local_today(now) > decision.closes_on or result.everyone_voted):
        raise Conflict("表决期至 %(date)s，期满后（或全部业主投票后）方可结束表决", field=field,
                       date=decision.closes_on.isoformat())
    agreed = consent_of(decision, consent) if consent is not None else None
    passes = result.passes and (agreed is None or agreed.met)
    if expect_pass is True and not passes:
        raise Conflict("计票结果为“未通过”", field=field)
    if expect_pass is False and passes:
        raise Conflict("计票结果为“通过”", field=field)
    if passes:
        decision.outcome = DecisionOutcome.PASSED
    else:
        decision.outcome = DecisionOutcome.REJECTED if result.quorum_met else DecisionOutcome.NO_QUORUM
    decision.status = DecisionStatus.CLOSED
    decision.closed_at = now
    decision.closed_by_id = actor.id if actor is not None else None
    for name in ("dwellings", "without_owner", "ballots", "paper_ballots", "total_area", "total_heads"):
        setattr(decision, name, getattr(result, name))
    for choice in VoteChoice:
        setattr(decision, f"{choice.value}_area", result.area[choice])
        setattr(decision, f"{choice.value}_heads", result.heads[choice])
    db.session.flush()
    changes = {"outcome": decision.outcome.value, "tally": result.as_dict()}
    if agreed is not None:
        changes["consent"] = agreed.as_dict()
    audit.record("vote.close", decision, actor=actor, place=_place(decision), changes=changes)
    logger.info("decision %r closed by %r: %s", decision, actor, decision.outcome)
    return result


def cancel_decision(decision: Decision, *, actor: User | None, scope: Scope, now: datetime | None = None) -> None:
    """Withdraw an open decision (its subject was withdrawn): no outcome; its ballots stay on record."""
    _check_scope(scope, decision.compound_id)
    _lock(decision)
    if decision.status != DecisionStatus.OPEN:
        raise Conflict("该事项的表决已经结束", field="decision")
    decision.status = DecisionStatus.CANCELLED
    decision.closed_at = now or utcnow()
    decision.closed_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record("vote.cancel", decision, actor=actor, place=_place(decision), changes={})
    logger.info("decision %r cancelled by %r", decision, actor)
