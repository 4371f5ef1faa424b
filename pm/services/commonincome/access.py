"""以区养区 access: scope rules and capabilities of common-part income entries."""
# Disclosed to the compound's officials, its owners' committee and its owners (not to tenants: it is the owners'
# money, like the fund account).
from __future__ import annotations

from sqlalchemy import select

from pm.access import OFFICIALS_ABOVE_STATION, Scope, register_capabilities, register_rules
from pm.models import CommonIncomeEntry, Household, Role


def _rule(s: Scope):
    if s.owned_household_ids is not None:
        return CommonIncomeEntry.compound_id.in_(
            select(Household.compound_id).where(Household.id.in_(s.owned_household_ids)))
    return CommonIncomeEntry.compound_id.in_(s.compound_ids)


register_rules({CommonIncomeEntry: _rule})

register_capabilities({
    "income.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER,
                                              Role.OWNER},
    "income.record": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
})
