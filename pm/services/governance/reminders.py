"""换届提醒: six and three months before an owners' committee's term ends, the street office, the community and the
committee are told to organise the re-election — exactly once per term and threshold (a unique key per body, term
end and threshold; a rerun or a parallel scheduler sends nothing twice). The notice links to a new re-election."""
from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pm.access import SYSTEM, Scope
from pm.extensions import db
from pm.models import Body, BodyType, Compound, Role, TermReminder
from pm.services import notifications, recipients
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

THRESHOLDS = (6, 3)  # months before the term's last day
ROLES = (Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.COMMITTEE_MEMBER)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (negative: later; the month's last day when it has fewer days)."""
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def due(body: Body, today: date) -> list[int]:
    """The thresholds reached for the body's current term (the nearest first sends only once both are due)."""
    if body.term_ends_on is None or today > body.term_ends_on:
        return []
    return [m for m in THRESHOLDS if today >= months_before(body.term_ends_on, m)]


def send_term_reminders(now: datetime, *, scope: Scope = SYSTEM) -> dict[str, int]:
    """Record and send the reminders due as of `now`; returns counts."""
    today = local_today(now)
    horizon = months_before(today, -THRESHOLDS[0])  # the latest term end a reminder may be due for
    bodies = db.session.scalars(select(Body).where(
        Body.kind == BodyType.OWNERS, Body.term_ends_on.is_not(None), Body.term_ends_on >= today,
        Body.term_ends_on <= horizon).order_by(Body.id)).all()
    sent = recorded = 0
    if not bodies:
        return {"reminders": 0, "notifications": 0}
    done = {(r.body_id, r.term_ends_on, r.months) for r in db.session.scalars(
        select(TermReminder).where(TermReminder.body_id.in_([b.id for b in bodies])))}
    people = recipients.officials_over([b.compound_id for b in bodies], ROLES)
    for body in bodies:
        new = [m for m in due(body, today) if (body.id, body.term_ends_on, m) not in done]
        if not new:
            continue
        months = min(new)
        try:
            with db.session.begin_nested():
                db.session.add_all(TermReminder(body_id=body.id, term_ends_on=body.term_ends_on, months=m) for m in new)
        except IntegrityError:  # a parallel run recorded it
            continue
        recorded += len(new)
        compound = db.session.get(Compound, body.compound_id)
        for user_id in people.get(body.compound_id, []):
            note = notifications.notify(
                user_id, "governance.term_ending",
                f"{compound.name}业主委员会任期将于 {body.term_ends_on.isoformat()} 届满（提前 {months} 个月提醒），请组织换届选举",
                link=f"/elections/new?compound_id={compound.id}&kind=re", compound_id=compound.id,
                key=f"term-ending:{body.id}:{body.term_ends_on.isoformat()}:{months}")
            sent += note is not None
    logger.info("term reminders as of %s: %d recorded, %d notifications", today, recorded, sent)
    return {"reminders": recorded, "notifications": sent}
