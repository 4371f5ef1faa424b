"""Shared setup for the repair tests: a world with a maintenance team and a station staff member in it."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from werkzeug.datastructures import FileStorage

from pm.extensions import db
from pm.models import Role, Team, TeamKind
from tests.factories import make_user, make_world

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 Beijing time
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def png(name: str = "a.png", data: bytes = PNG) -> FileStorage:
    """An in-memory PNG upload."""
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/png")


def repair_world():
    """make_world() plus a maintenance team at station a whose member is the staff user (and one at b)."""
    w = make_world()
    staff = w.users[Role.STATION_STAFF]
    team = Team(station_id=w.stations["a"].id, kind=TeamKind.MAINTENANCE, name="运维队", members=[staff])
    other_staff = make_user(Role.STATION_STAFF, w.stations["b"], username="staff_b")
    team_b = Team(station_id=w.stations["b"].id, kind=TeamKind.MAINTENANCE, name="运维队B", members=[other_staff])
    db.session.add_all([team, team_b])
    db.session.commit()
    w.team, w.team_b, w.staff_b = team, team_b, other_staff
    return w
