"""方案草稿: draft a use plan for a compound and change it while it is a draft."""
from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from pm.access import Scope
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import Compound, User
from pm.models.fund import DecisionKind, PlanStatus, UsePlan
from pm.services import audit
from pm.services.fund.apportion import RULE
from pm.services.fund.plans.policy import (
    CONFIRMATIONS,
    MAX_BUDGET_FEN,
    audit_plan,
    require_in_scope,
)
from pm.services.fund.plans.scope import Targets, describe_scope, scope_rows
from pm.services.fund.policy import Policy, policy_for
from pm.services.text import check_text

logger = logging.getLogger(__name__)

# field → (label, longest, required): the plan's texts, checked by pm.services.text.check_text.
TEXTS = {
    "title": (_l("标题"), 120, True),
    "shared_part": (_l("共用部位"), 200, True),
    "reason": (_l("维修理由"), 5000, True),
    "contractor": (_l("施工单位"), 120, False),
}
EDITABLE = ("title", "shared_part", "reason", "budget_fen", "contractor", "decision_kind", "is_emergency",
            "emergency_reason", "repair_request_id") + CONFIRMATIONS


def _text(name: str, value) -> str | None:
    label, longest, required = TEXTS[name]
    return check_text(value, field=name, label=label, max_len=longest, required=required)


def _kind(value) -> DecisionKind:
    try:
        return DecisionKind(value)
    except ValueError:
        raise DomainError("表决事项类型无效", field="decision_kind") from None


def _budget(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError("预算必须大于 0（单位：分）", field="budget_fen")
    if value > MAX_BUDGET_FEN:
        raise DomainError("预算过大", field="budget_fen")
    return value


def _choices(policy: Policy) -> str:
    """The county's emergency cases as "code（text）", for messages that name the valid ones."""
    return "、".join(f"{code}（{text}）" for code, text in policy.emergency_reasons.items())


def check_emergency(policy: Policy, is_emergency: bool, reason: str | None) -> str | None:
    """An emergency plan names one of the county's emergency cases; any other plan none."""
    if not is_emergency:
        return None
    if not reason:
        raise DomainError("应急使用须选择应急情形（可选：%(valid)s）", field="emergency_reason",
                          valid=_choices(policy))
    if reason not in policy.emergency_reasons:
        raise DomainError("应急情形“%(reason)s”不在本县规定的清单内（可选：%(valid)s）", field="emergency_reason",
                          reason=reason, valid=_choices(policy))
    return reason


def create_plan(
    compound: Compound,
    *,
    actor: User,
    scope: Scope,
    title: str,
    shared_part: str,
    reason: str,
    budget_fen: int,
    contractor: str | None = None,
    decision_kind: DecisionKind | str = DecisionKind.USE_FUND,
    targets: Targets | None = None,
    confirmations: dict | None = None,
    is_emergency: bool = False,
    emergency_reason: str | None = None,
    repair_request_id: int | None = None,
) -> UsePlan:
    """Draft a use plan for a compound in the proposer's scope (capability fund.plan.propose)."""
    require_in_scope(scope, actor, compound.id, "fund.plan.propose")
    kind = _kind(decision_kind)
    budget_fen = _budget(budget_fen)
    policy = policy_for(compound.id)
    plan = UsePlan(
        compound_id=compound.id,
        title=_text("title", title),
        shared_part=_text("shared_part", shared_part),
        reason=_text("reason", reason),
        budget_fen=budget_fen,
        contractor=_text("contractor", contractor),
        decision_kind=kind,
        status=PlanStatus.DRAFT,
        is_emergency=bool(is_emergency),
        emergency_reason=check_emergency(policy, bool(is_emergency), emergency_reason),
        publicity_days=policy.publicity_days,
        rounding_method=RULE,
        repair_request_id=repair_request_id,
        created_by_id=actor.id,
    )
    for name in CONFIRMATIONS:
        setattr(plan, name, bool((confirmations or {}).get(name)))
    plan.scopes = scope_rows(compound.id, targets or Targets())
    db.session.add(plan)
    db.session.flush()
    audit_plan("plan.create", plan, actor, {
        "title": plan.title, "budget_fen": plan.budget_fen, "decision_kind": kind.value,
        "is_emergency": plan.is_emergency, "scope": describe_scope(plan),
    })
    logger.info("plan drafted %r by %r", plan, actor)
    return plan


def update_plan(plan: UsePlan, *, actor: User, scope: Scope, targets: Targets | None = None, **values) -> UsePlan:
    """Change a draft (only a draft: once publicised, owners have seen it)."""
    require_in_scope(scope, actor, plan.compound_id, "fund.plan.propose")
    if plan.status != PlanStatus.DRAFT:
        raise Conflict("只有草拟状态的方案可以修改", field="status")
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError("不能修改的字段：%(fields)s", field="plan", fields=", ".join(sorted(unknown)))
    new = {}
    for key, value in values.items():
        if key in TEXTS:
            value = _text(key, value)
        elif key == "budget_fen":
            value = _budget(value)
        elif key == "decision_kind":
            value = _kind(value)
        elif key in CONFIRMATIONS or key == "is_emergency":
            value = bool(value)
        new[key] = value
    is_emergency = new.get("is_emergency", plan.is_emergency)
    reason = new.get("emergency_reason", plan.emergency_reason if is_emergency else None)
    new["emergency_reason"] = check_emergency(policy_for(plan.compound_id), is_emergency, reason)
    changes = audit.diff(plan, new)
    for key, value in new.items():
        setattr(plan, key, value)
    if targets is not None:
        old = describe_scope(plan)
        plan.scopes = scope_rows(plan.compound_id, targets)
        db.session.flush()
        db.session.refresh(plan, ["scopes"])
        changes["scope"] = [old, describe_scope(plan)]
    db.session.flush()
    if changes:
        audit_plan("plan.update", plan, actor, changes)
    return plan
