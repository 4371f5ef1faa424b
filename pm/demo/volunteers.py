"""Demo grid and volunteers: the community's grid over the station's compound, two residents with hours."""
from __future__ import annotations

import logging
from datetime import timedelta

from pm.access import SYSTEM
from pm.demo.names import ago
from pm.models import Role, VolunteerActivity
from pm.services.volunteers import volunteers
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


def populate(compound, users, now) -> dict[str, int]:
    """A grid with its worker and party group; the demo owner patrols, the tenant helps the elderly; hours."""
    worker = users[Role.COMMUNITY_WORKER]
    volunteers.create_grid(worker, scope=SYSTEM, community_id=compound.community_id, name="第一网格",
                           worker_name="李网格", worker_phone="13800000001", party_group="第一网格党小组",
                           compound_ids=[compound.id])
    today = local_today(now)
    logged = 0
    for role, activity, hours in ((Role.OWNER, VolunteerActivity.PATROL, ("2", "1.5", "3")),
                                  (Role.RESIDENT, VolunteerActivity.ELDERLY_HELP, ("2.5", "2"))):
        volunteer = volunteers.join(users[role], scope=SYSTEM, activity=activity, now=ago(now, 30))
        for n, h in enumerate(hours):
            volunteers.log_hours(volunteer, worker, scope=SYSTEM, served_on=today - timedelta(days=7 * (n + 1)),
                                 hours=h, note="小区志愿服务", now=now)
            logged += 1
    return {"grids": 1, "volunteers": 2, "volunteer_hours": logged}
