"""使用规则: a county's rules for use plans (approver, publicity and vote days, emergency cases) and the checks
every plan service shares (who may act, the audit entry)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from pm.access import Scope, can
from pm.errors import Forbidden
from pm.extensions import db
from pm.models import Community, Compound, StreetOffice, User
from pm.models.fund import FundPolicy, PlanStatus, UsePlan
from pm.services import audit
from pm.services.fund.access import APPROVER_ROLES
from pm.services.labels import label_of, vocabulary_choices

DEFAULT_PUBLICITY_DAYS = 7
DEFAULT_VOTE_DAYS = 15
CANCELLABLE = frozenset({PlanStatus.DRAFT, PlanStatus.PUBLICISED, PlanStatus.VOTING})
ENDED = frozenset({PlanStatus.CHARGED, PlanStatus.CANCELLED, PlanStatus.REJECTED})  # no more documents
CONFIRMATIONS = ("not_under_warranty", "not_utility_duty", "not_caused_damage", "not_contract_duty")
MAX_BUDGET_FEN = 10**12  # 100 亿元


def default_emergency_reasons() -> dict[str, str]:
    """应急使用 typical cases (domain.md), code → label in the current language."""
    return dict(vocabulary_choices("emergency_reason"))


@dataclass
class Policy:
    """The county's rules for a compound (FundPolicy, or the national defaults when none is set).

    emergency_reasons: code → label; the default cases are labelled in the current language, a county's own
    cases keep the text it configured."""

    approver: str = "housing_department"
    publicity_days: int = DEFAULT_PUBLICITY_DAYS
    vote_days: int = DEFAULT_VOTE_DAYS
    emergency_reasons: dict[str, str] = field(default_factory=default_emergency_reasons)

    @property
    def approver_role(self):
        return APPROVER_ROLES.get(self.approver)

    @property
    def approver_label(self) -> str:
        return label_of("fund_approver", self.approver)


def county_id_of(compound_id: int) -> int | None:
    """The county a compound belongs to (compound → community → street → county), in one query."""
    return db.session.scalar(
        select(StreetOffice.county_id)
        .join(Community, Community.street_id == StreetOffice.id)
        .join(Compound, Compound.community_id == Community.id)
        .where(Compound.id == compound_id)
    )


def policy_for(compound_id: int) -> Policy:
    """The FundPolicy of the compound's county, with defaults for anything not configured."""
    row = db.session.scalar(select(FundPolicy).where(FundPolicy.county_id == county_id_of(compound_id)))
    if row is None:
        return Policy()
    defaults = default_emergency_reasons()
    reasons: dict[str, str] = {}
    for item in row.emergency_reasons or list(defaults):
        if isinstance(item, dict) and item.get("code"):
            reasons[str(item["code"])] = str(item.get("label") or item["code"])
        elif isinstance(item, str):
            reasons[item] = defaults.get(item, item)
    return Policy(
        approver=row.approver or "housing_department",
        publicity_days=row.publicity_days if row.publicity_days is not None else DEFAULT_PUBLICITY_DAYS,
        vote_days=row.vote_days if row.vote_days is not None else DEFAULT_VOTE_DAYS,
        emergency_reasons=reasons or defaults,
    )


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
