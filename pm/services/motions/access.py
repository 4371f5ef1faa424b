"""Scope rules of motions: by compound (officials in scope, the committee, and the compound's owners and residents
see the motions and their published cost tables); the policy by county. Capabilities: who files and moves a
motion on (the owners' committee, or — where a compound has none — the community and the street office), who
enters paper ballots, who sets the county's policy."""
from __future__ import annotations

from sqlalchemy import select

from pm.access import Scope, register_capabilities, register_rules
from pm.models import Role
from pm.models.motions import Motion, MotionAffected, MotionCoefficient, MotionPolicy, MotionShare


def _visible(s: Scope):
    return select(Motion.id).where(Motion.compound_id.in_(s.compound_ids))


register_rules({
    Motion: lambda s: Motion.compound_id.in_(s.compound_ids),
    MotionCoefficient: lambda s: MotionCoefficient.motion_id.in_(_visible(s)),
    MotionAffected: lambda s: MotionAffected.motion_id.in_(_visible(s)),
    MotionShare: lambda s: MotionShare.motion_id.in_(_visible(s)),
    MotionPolicy: lambda s: MotionPolicy.county_id.in_(s.county_ids),
})

FILE, PAPER, POLICY = "motions.file", "motions.ballot.paper", "motions.policy"

register_capabilities({
    FILE: {Role.COMMITTEE_MEMBER, Role.COMMUNITY_WORKER, Role.STREET_OFFICER},
    # the same roles as the vote engine's canvass (fund.ballot.paper): those who collect ballots enter them
    PAPER: {Role.COMMITTEE_MEMBER, Role.COMMUNITY_WORKER},
    POLICY: {Role.COUNTY_ADMIN},
})
