"""What the motion pages share: loading a motion, the labels every template gets, the tally context."""
from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from pm.access import current_scope
from pm.blueprints.fund.plans.common import frac, pct
from pm.models import Household, Unit
from pm.models.motions import Motion, MotionAffected, MotionKind, MotionStatus
from pm.models.votes import DecisionOutcome, DecisionStatus, VoteChoice
from pm.services import motions, votes
from pm.services.labels import label

OPTIONS = (joinedload(Motion.compound), joinedload(Motion.unit).joinedload(Unit.building),
           selectinload(Motion.coefficients),
           selectinload(Motion.affected).joinedload(MotionAffected.household).joinedload(Household.building),
           selectinload(Motion.affected).joinedload(MotionAffected.household).joinedload(Household.unit))


def load_motion(motion_id: int) -> Motion:
    return motions.load(current_scope(), motion_id, options=OPTIONS)


def labels() -> dict:
    return {"frac": frac, "pct": pct, "kind_labels": {k.value: label(k) for k in MotionKind},
            "status_labels": {s.value: label(s) for s in MotionStatus},
            "choice_labels": {c.value: label(c) for c in VoteChoice},
            "outcome_labels": {o.value: label(o) for o in DecisionOutcome}}


def tally_context(motion: Motion) -> dict:
    """What the plan pages' tally partial needs (fund/plans/_tally.html), for a motion: figures, bars against the
    rule, whether final, the closing date, the xlsx link — plus the affected households' consent."""
    result = motions.tally(motion)
    decision = motions.decision_of(motion)
    final = decision is not None and decision.status == DecisionStatus.CLOSED
    return {"tally": result, "fractions": result.fractions(), "bars": votes.bars(result), "final": final,
            "outcome": decision.outcome.value if final and decision.outcome else None,
            "tally_closes_on": decision.closes_on if decision is not None else None,
            "tally_xlsx_endpoint": ("motions.tally_page", {"motion_id": motion.id, "format": "xlsx"}),
            "consent": motions.consent(motion), "decision": decision}
