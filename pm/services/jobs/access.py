"""定时任务 access: the job runs concern the whole installation; county administrators see them, nobody else."""
from __future__ import annotations

from sqlalchemy import false, true

from pm.access import register_capabilities, register_rules
from pm.models import JobRun, Role

register_rules({JobRun: lambda s: true() if s.role == Role.COUNTY_ADMIN else false()})
register_capabilities({"jobs.view": {Role.COUNTY_ADMIN}})
