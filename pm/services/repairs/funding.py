"""需动用维修资金: a repair of shared parts that needs the maintenance fund opens a draft use plan."""
from __future__ import annotations

import logging
from datetime import datetime


from pm.access import Scope
from pm.extensions import db
from pm.models import Compound, RepairRequest, User
from pm.services import audit, money
from pm.services.fund import plans as fund_plans
from pm.services.messages import Message
from pm.services.repairs.workflow import record_event, require_step
from pm.services.text import N_
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)


def parse_budget(text: str | None) -> int | None:
    """预算 typed in yuan (blank: none) → fen, within a plan's budget ceiling."""
    if text is None or not str(text).strip():
        return None
    return money.parse_yuan(text, field="budget_yuan", max_fen=fund_plans.MAX_BUDGET_FEN)


def mark_needs_fund(req: RepairRequest, *, actor: User, scope: Scope, budget_fen: int | None = None,
                    shared_part: str | None = None, now: datetime | None = None):
    """需动用维修资金: only for shared parts. With a budget and the right to propose plans, a draft use plan
    (pm.services.fund.plans) is opened and linked; otherwise the flag is recorded for the station manager."""
    now = now or utcnow()
    require_step("fund", req, actor, scope, now)
    compound = db.session.get(Compound, req.compound_id)
    plan = None
    if budget_fen is not None:
        # No words of the platform's own in the plan's text (it is shown as typed, in any language): by default the
        # plan is named by the request and what its filer wrote, and the shared part by where it is.
        place = [p.name for p in (req.building, req.unit) if p is not None]
        shared_part = shared_part or (" ".join(place) if place else compound.name)
        targets = fund_plans.Targets(
            whole=req.building_id is None,
            buildings=[req.building_id] if req.building_id and not req.unit_id else [],
            units=[req.unit_id] if req.unit_id else [],
        )
        plan = fund_plans.create_plan(
            compound, actor=actor, scope=scope, title=f"#{req.id} {req.description}"[:120],
            shared_part=shared_part, reason=req.description, budget_fen=budget_fen,
            targets=targets, repair_request_id=req.id,
        )
        req.use_plan_id = plan.id
    req.needs_fund, req.updated_at = True, now
    record_event(req, "fund", req.status, req.status, actor, now,
                 message=Message(N_("使用方案 #%(id)s"), {"id": plan.id}) if plan else None)
    db.session.flush()
    audit.record("repair.needs_fund", req, actor=actor, changes={"needs_fund": True, "use_plan_id": req.use_plan_id},
                 place=compound)
    logger.info("repair %r marked for the fund by %r (plan %r)", req, actor, plan)
    return plan
