"""报事报修 factories: a world with a maintenance team at each station, and the clock the repair tests use."""
from __future__ import annotations

from datetime import UTC, datetime

from pm.extensions import db
from pm.models import Role, TeamKind
from tests.factories.accounts import make_user
from tests.factories.files import PNG, png  # noqa: F401  (the repair tests take their uploads from here)
from tests.factories.stations import make_team
from tests.factories.world import make_world

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 Beijing time


def repair_world():
    """make_world() plus a maintenance team at station a whose member is the staff user (and one at b)."""
    w = make_world()
    staff = w.users[Role.STATION_STAFF]
    team = make_team(w.stations["a"], TeamKind.MAINTENANCE, [staff], name="运维队")
    other_staff = make_user(Role.STATION_STAFF, w.stations["b"], username="staff_b")
    team_b = make_team(w.stations["b"], TeamKind.MAINTENANCE, [other_staff], name="运维队B")
    db.session.commit()
    w.team, w.team_b, w.staff_b = team, team_b, other_staff
    return w
