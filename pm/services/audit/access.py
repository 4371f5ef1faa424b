"""审计 scope rules and capabilities: officials see the entries placed in their part of the tree."""
from __future__ import annotations

from sqlalchemy import false, or_

from pm.access import (
    OFFICIALS_ABOVE_STATION,
    Scope,
    register_capabilities,
    register_rules,
)
from pm.models import AuditLog


def _audit_rule(s: Scope):
    if s.is_household_bound or s.user is None:
        return false()
    return or_(
        AuditLog.compound_id.in_(s.compound_ids),
        AuditLog.community_id.in_(s.within_communities),
        AuditLog.street_id.in_(s.within_streets),
        AuditLog.county_id.in_(s.within_counties),
    )


register_rules({AuditLog: _audit_rule})
register_capabilities({"audit.view": OFFICIALS_ABOVE_STATION})
