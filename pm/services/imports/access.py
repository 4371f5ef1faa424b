"""Scope rules and capabilities of registry imports (台账导入): by the compound imported into."""
from __future__ import annotations

from sqlalchemy import false

from pm.access import OFFICIALS_ABOVE_STATION, register_capabilities, register_rules
from pm.models import ImportJob, Role

register_rules({
    ImportJob: lambda s: ImportJob.compound_id.in_(s.compound_ids) if not s.is_household_bound else false(),
})
register_capabilities({"registry.import": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER}})
