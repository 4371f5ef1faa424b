"""街道每周督查提醒: street offices that recorded no weekly inspection in the past ISO week, told on Monday."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select

from pm.access import Scope
from pm.extensions import db
from pm.models import Inspection, InspectionLevel, StreetOffice
from pm.services import recipients
from pm.services.messages import Message
from pm.services.notifications import notify
from pm.services.text import N_
from pm.timeutil import local_today

logger = logging.getLogger(__name__)


def past_week(now: datetime) -> tuple[date, date, str]:
    """Monday and Sunday of the ISO week before the one `now` is in (Beijing time), and its key "2026-W47"."""
    today = local_today(now)
    monday = today - timedelta(days=today.weekday() + 7)
    year, week, _day = monday.isocalendar()
    return monday, monday + timedelta(days=6), f"{year:04d}-W{week:02d}"


def streets_without_weekly(start: date, end: date, *, scope: Scope) -> list[StreetOffice]:
    """Street offices in scope with no street-weekly inspection dated from `start` to `end` (one query)."""
    inspected = select(Inspection.street_id).where(Inspection.level == InspectionLevel.STREET_WEEKLY,
                                                   Inspection.inspected_on >= start, Inspection.inspected_on <= end)
    return list(db.session.scalars(scope.select(StreetOffice).where(StreetOffice.id.not_in(inspected))
                                   .order_by(StreetOffice.id)))


def remind_missing_weekly(now: datetime, *, scope: Scope) -> dict[str, int]:
    """Tell the street officers of each street without last week's inspection (once per street, week and person)."""
    start, end, week = past_week(now)
    streets = streets_without_weekly(start, end, scope=scope)
    officers = recipients.street_officials([s.id for s in streets])
    notified = 0
    for street in streets:
        for user_id in officers.get(street.id, []):
            note = notify(user_id, "inspection.weekly_missing",
                          Message(N_("%(street)s上周（%(week)s）没有每周督查记录"), {"street": street.name, "week": week}),
                          body=Message(N_("%(start)s 至 %(end)s 没有登记街道每周督查，请尽快安排督查并录入。"),
                                       {"start": start, "end": end}),
                          link="/inspections/new", key=f"inspection.weekly_missing:{street.id}:{week}:{user_id}")
            notified += note is not None
    db.session.flush()
    logger.info("weekly inspection missing in %s for %d streets", week, len(streets))
    return {"streets_without_inspection": len(streets), "notified": notified}
