"""使用方案的共同检查: the plan states and limits, and the checks every plan service shares (who may act, the
audit entry). The county's rules themselves (approver, days, emergency cases) are read by pm.services.fund.policy."""
from __future__ import annotations

from pm.access import Scope, can
from pm.errors import Forbidden
from pm.extensions import db
from pm.models import Compound, User
from pm.models.fund import PlanStatus, UsePlan
from pm.services import audit
from pm.services.fund.policy import policy_for

CANCELLABLE = frozenset({PlanStatus.DRAFT, PlanStatus.PUBLICISED, PlanStatus.VOTING})
ENDED = frozenset({PlanStatus.CHARGED, PlanStatus.CANCELLED, PlanStatus.REJECTED})  # no more documents
CONFIRMATIONS = ("not_under_warranty", "not_utility_duty", "not_caused_damage", "not_contract_duty")
MAX_BUDGET_FEN = 10**12  # 100 亿元


def audit_plan(action: str, plan: UsePlan, actor: User | None, changes: dict) -> None:
    audit.record(action, plan, actor=actor, changes=changes, place=db.session.get(Compound, plan.compound_id))


def require_in_scope(scope: Scope, actor: User | None, compound_id: int, capability: str) -> None:
    """The actor's role has the capability and the compound is in the actor's scope."""
    if not can(actor, capability):
        raise Forbidden("您的角色无权进行此操作")
    if not scope.contains(Compound, compound_id):
        raise Forbidden("该小区不在您的权限范围内")


def is_approver(actor: User | None, scope: Scope, plan: UsePlan) -> bool:
    """The county's configured approver (APPROVER_ROLES[FundPolicy.approver]) with the plan's compound in scope."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    role = policy_for(plan.compound_id).approver_role
    return role is not None and actor.role == role and scope.contains(Compound, plan.compound_id)
