"""What the plan pages share: how a plan is loaded for a page, and the labels and helpers every template gets."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import joinedload, selectinload

from pm.access import current_scope
from pm.models import Household, Role, Unit
from pm.models.fund import DecisionKind, PlanScope, PlanStatus, UsePlan
from pm.models.votes import DecisionOutcome, DecisionStatus, VoteChoice
from pm.services import votes
from pm.services.fund import plans as fund_plans
from pm.services.labels import label, label_of, vocabulary_choices

PLAN_OPTIONS = (
    joinedload(UsePlan.compound),
    selectinload(UsePlan.scopes).joinedload(PlanScope.building),
    selectinload(UsePlan.scopes).joinedload(PlanScope.unit).joinedload(Unit.building),
    selectinload(UsePlan.scopes).joinedload(PlanScope.household).joinedload(Household.building),
    selectinload(UsePlan.scopes).joinedload(PlanScope.household).joinedload(Household.unit),
)


def frac(f) -> str:
    """An exact fraction with its percentage: 2/3（66.67%）."""
    if f is None:
        return "—"
    percent = Decimal(f.numerator * 100) / Decimal(f.denominator)
    return f"{f.numerator}/{f.denominator}（{percent:.2f}%）"


def pct(f) -> str:
    """A share as a percentage to 2 places (display only): 66.67%."""
    if f is None:
        return "—"
    return f"{Decimal(f.numerator * 100) / Decimal(f.denominator):.2f}%"


def labels() -> dict:
    return {"frac": frac, "pct": pct, "role_labels": {r.value: label(r) for r in Role},
            "status_labels": {s.value: label(s) for s in PlanStatus},
            "transition_labels": {t: label_of("plan_transition", t) for t in fund_plans.TRANSITION_TARGETS},
            "decision_labels": {k.value: label(k) for k in DecisionKind},
            "choice_labels": {c.value: label(c) for c in VoteChoice},
            "outcome_labels": {o.value: label(o) for o in DecisionOutcome},
            "approver_labels": dict(vocabulary_choices("fund_approver"))}


def load_plan(plan_id: int) -> UsePlan:
    return current_scope().get(UsePlan, plan_id, options=PLAN_OPTIONS)


def tally_context(plan: UsePlan) -> dict:
    """What the tally partial needs: the figures, the bars against the rule, and whether the result is final
    (the vote is closed: only then does the page say "not passed")."""
    result = fund_plans.tally(plan)
    decision = fund_plans.decision_of(plan)
    final = decision is not None and decision.status == DecisionStatus.CLOSED
    return {"tally": result, "fractions": result.fractions(), "bars": votes.bars(result), "final": final,
            "outcome": decision.outcome.value if final and decision.outcome else None}
