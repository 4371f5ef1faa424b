"""Assessment factories: a month's records for the world's stations (findings, logs) and a computed period."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pm.access import scope_for
from pm.extensions import db
from pm.models import Role, Shift, TeamKind, WorkLog
from pm.services.assessments import compute
from pm.services.inspections import inspections
from pm.services.periods import Month
from tests.factories.stations import make_team

MONTH = Month(2026, 3)
IN_MONTH = date(2026, 3, 10)
AFTER = datetime(2026, 4, 2, 0, 0, tzinfo=UTC)  # after March's cut-off (1 April 02:00 Beijing = 31 March 18:00 UTC)
DURING = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


def by(user):
    return {"actor": user, "scope": scope_for(user)}


def station_finding(w, *, station=None, item_code="environment", deduction="2", level="street_weekly",
                    day=IN_MONTH, now=DURING):
    """A finding at the side's station, by the street officer (street_weekly) or the community worker."""
    role = Role.STREET_OFFICER if level == "street_weekly" else Role.COMMUNITY_WORKER
    user = w.users[role]
    inspection = inspections.create_inspection(**by(user), level=level, target_kind="station",
                                               target_id=(station or w.stations["a"]).id, inspected_on=day, now=now)
    return inspections.add_finding(inspection, **by(user), item_code=item_code, deduction=deduction, note="问题",
                                   measure="整改", due_on=max(day, now.date()) + timedelta(days=3), now=now)


def full_logs(station, month: Month = MONTH, *, author, skip: int = 0):
    """The four teams, each with a log on every day of the month (but the last `skip` days), entered on time."""
    teams = [make_team(station, kind) for kind in TeamKind]
    rows = []
    for team in teams:
        for day in month.days()[: len(month.days()) - skip]:
            rows.append(WorkLog(station_id=station.id, team_id=team.id, log_on=day, shift=Shift.FULL_DAY, content="日常",
                                author_id=author.id,
                                created_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC)))
    db.session.add_all(rows)
    db.session.flush()
    return teams


def computed(w, month: Month = MONTH, *, now=AFTER):
    period = compute.period_for(w.county.id, month)
    compute.compute_month(period, now=now)
    return period
