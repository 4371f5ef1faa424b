"""网格与志愿者 access: scope rules and capabilities of grids, the volunteer register and logged hours."""
# Officials see the grids and volunteers of their area; an owner or resident sees only their own registrations
# and hours (the register holds other people's names and phones).
from __future__ import annotations

from sqlalchemy import or_, select

from pm.access import OFFICIALS_ABOVE_STATION, Scope, register_capabilities, register_rules
from pm.models import Grid, Role, Volunteer, VolunteerHours, grid_compounds


def volunteer_rule(s: Scope):
    if s.household_ids is not None:  # owners and residents: their own registrations
        return Volunteer.person_id == (s.user.person_id if s.user is not None and s.user.person_id else -1)
    return Volunteer.compound_id.in_(s.compound_ids)


register_rules({
    Grid: lambda s: or_(Grid.community_id.in_(s.within_communities), Grid.id.in_(
        select(grid_compounds.c.grid_id).where(grid_compounds.c.compound_id.in_(s.compound_ids)))),
    Volunteer: volunteer_rule,
    VolunteerHours: lambda s: VolunteerHours.volunteer_id.in_(select(Volunteer.id).where(volunteer_rule(s))),
})

register_capabilities({
    "volunteers.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.OWNER, Role.RESIDENT},
    "volunteers.manage": OFFICIALS_ABOVE_STATION,  # grids and hours: the community (and above)
    "volunteers.join": {Role.OWNER, Role.RESIDENT},
})
