"""The county's settings for elevator motions: whether every directly affected household must agree, and whether
the cost is split by floor coefficient × floor area (else by the coefficient alone). County admins set them."""
from __future__ import annotations

from pm.access import Scope, authorise
from pm.errors import NotFound
from pm.extensions import db
from pm.models import County, StreetOffice, User
from pm.models.motions import MotionPolicy
from pm.services import audit
from pm.services.motions.access import POLICY


def policy_for(county_id: int) -> MotionPolicy:
    """The county's policy (defaults — no consent list, coefficient only — when never set; not added)."""
    return db.session.get(MotionPolicy, county_id) or MotionPolicy(county_id=county_id, affected_consent=False,
                                                                   cost_by_area=False)


def county_of(compound) -> int:
    return db.session.get(StreetOffice, compound.community.street_id).county_id


def set_policy(county_id: int, *, affected_consent: bool, cost_by_area: bool, actor: User | None,
               scope: Scope) -> MotionPolicy:
    authorise(scope, actor, POLICY)
    if not scope.contains(County, county_id):
        raise NotFound("县不存在或不在您的权限范围内", field="county_id")
    policy = db.session.get(MotionPolicy, county_id)
    if policy is None:
        policy = MotionPolicy(county_id=county_id)
        db.session.add(policy)
    before = {"affected_consent": bool(policy.affected_consent), "cost_by_area": bool(policy.cost_by_area)}
    policy.affected_consent, policy.cost_by_area = bool(affected_consent), bool(cost_by_area)
    policy.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record("motion.policy", policy, actor=actor, place=db.session.get(County, county_id),
                 changes={"before": before, "affected_consent": policy.affected_consent,
                          "cost_by_area": policy.cost_by_area})
    return policy
