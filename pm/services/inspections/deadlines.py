"""整改期限: each rectification order's original deadline and every change of it, and the month rebuilt from them.

An order is *overdue at a moment t* when, at t, the responsible body still owed the fix (opened or sent back, not
yet reported or closed: the order's timeline events) and t is on or after Beijing midnight after the deadline that
was in force at t. `overdue_during` counts, per responsible unit, the orders overdue at some moment of a date range,
using only deadline changes and timeline events recorded up to a cut-off time: a month computed at its cut-off
gives the same answer whenever it is recomputed.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, bindparam, case, false, func, or_, select

from pm.extensions import db
from pm.models import (
    EventKind,
    RectificationDeadline,
    RectificationEvent,
    RectificationOrder,
    ResponsibleKind,
    StreetOffice,
    User,
)
from pm.models.types import UTCDateTime
from pm.timeutil import LOCAL_TZ, utcnow

logger = logging.getLogger(__name__)

# Timeline steps that change whether the body owes the fix; escalations do not.
_STATE_EVENTS = (EventKind.OPENED, EventKind.REPORTED, EventKind.RETURNED, EventKind.CLOSED)
_OWING_EVENTS = (EventKind.OPENED, EventKind.RETURNED)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def overdue_from(due_on: date) -> datetime:
    """The UTC instant an order with deadline `due_on` becomes overdue: Beijing midnight after that day."""
    return _utc_midnight(due_on + timedelta(days=1))


def record_deadline(order: RectificationOrder, due_on: date, *, actor: User | None, reason: str | None,
                    now: datetime | None = None) -> RectificationDeadline:
    """Record `due_on` as the order's deadline from `now` (the first record is the original deadline) and set it on
    the order. Callers check the date and write the audit entry; this only keeps the history."""
    row = RectificationDeadline(order_id=order.id, due_on=due_on, overdue_from_at=overdue_from(due_on),
                                changed_at=now or utcnow(), changed_by_id=actor.id if actor else None,
                                reason=reason)
    db.session.add(row)
    order.due_on = due_on
    db.session.flush()
    db.session.expire(order, ["deadlines"])  # the order's history, if loaded, now has one more row
    logger.info("deadline of %r set to %s by %r", order, due_on, actor)
    return row


def history(order_id: int) -> list[RectificationDeadline]:
    """The order's deadlines, original first (one query)."""
    return list(db.session.scalars(
        select(RectificationDeadline).where(RectificationDeadline.order_id == order_id)
        .order_by(RectificationDeadline.changed_at, RectificationDeadline.id)))


def responsible_id():
    """SQL: the id of an order's responsible unit (station, community or street office)."""
    return case(
        (RectificationOrder.responsible_kind == ResponsibleKind.STATION, RectificationOrder.station_id),
        (RectificationOrder.responsible_kind == ResponsibleKind.COMMUNITY, RectificationOrder.community_id),
        else_=RectificationOrder.street_id,
    )


def overdue_during(county_id: int, start: date, end: date, cutoff: datetime) -> dict[tuple[ResponsibleKind, int], int]:
    """(responsible kind, unit id) → number of the county's orders overdue at some moment from Beijing `start` to the
    end of `end` (inclusive days), by the deadlines and timeline as recorded up to `cutoff` (later changes are
    ignored; moments after `cutoff` are not looked at). The unit id is the station's, the community's or the street
    office's id. One SQL statement for any number of orders and units."""
    in_county = (select(RectificationOrder.id).join(StreetOffice, StreetOffice.id == RectificationOrder.street_id)
                 .where(StreetOffice.county_id == county_id))
    stmt = _overdue_select(start, end, cutoff, in_county)
    if stmt is None:
        return {}
    unit_id = responsible_id().label("unit_id")
    stmt = stmt.with_only_columns(RectificationOrder.responsible_kind, unit_id,
                                  func.count(func.distinct(RectificationOrder.id))).group_by(
        RectificationOrder.responsible_kind, unit_id)
    return {(ResponsibleKind(kind), unit): count for kind, unit, count in db.session.execute(stmt)}


def overdue_ids_during(start: date, end: date, cutoff: datetime):
    """The ids (a select, for `IN`) of the orders `overdue_during` counts for the range: filtered by a responsible
    unit, the records behind its assessment line "overdue rectification orders" of that month."""
    stmt = _overdue_select(start, end, cutoff, select(RectificationOrder.id))
    if stmt is None:
        return select(RectificationOrder.id).where(false())
    return stmt.with_only_columns(RectificationOrder.id).distinct()


def _overdue_select(start: date, end: date, cutoff: datetime, candidates):
    """Orders (of the `candidates` select of ids) joined to their owing steps and deadlines that overlap the window while past the
    deadline in force (None when the window is empty): the one query behind `overdue_during`."""
    window_start = _utc_midnight(start)
    window_end = min(_utc_midnight(end + timedelta(days=1)), cutoff)
    if window_end <= window_start:
        return None
    w1 = bindparam("window_start", window_start, type_=UTCDateTime())
    w2 = bindparam("window_end", window_end, type_=UTCDateTime())
    cut = bindparam("cutoff", cutoff, type_=UTCDateTime())

    orders = (candidates.where(RectificationOrder.created_at < w2,
                     or_(RectificationOrder.closed_at.is_(None), RectificationOrder.closed_at >= w1)))
    steps = (select(RectificationEvent.order_id, RectificationEvent.kind, RectificationEvent.at.label("since"),
                    func.lead(RectificationEvent.at, type_=UTCDateTime()).over(
                        partition_by=RectificationEvent.order_id,
                        order_by=(RectificationEvent.at, RectificationEvent.id)).label("until"))
             .where(RectificationEvent.order_id.in_(orders), RectificationEvent.kind.in_(_STATE_EVENTS),
                    RectificationEvent.at <= cut)
             .subquery("steps"))
    deadlines = (select(RectificationDeadline.order_id, RectificationDeadline.changed_at.label("since"),
                        RectificationDeadline.overdue_from_at.label("overdue_from"),
                        func.lead(RectificationDeadline.changed_at, type_=UTCDateTime()).over(
                            partition_by=RectificationDeadline.order_id,
                            order_by=(RectificationDeadline.changed_at, RectificationDeadline.id)).label("until"))
                 .where(RectificationDeadline.order_id.in_(orders), RectificationDeadline.changed_at <= cut)
                 .subquery("deadlines"))
    owing_until = func.coalesce(steps.c.until, w2, type_=UTCDateTime())
    deadline_until = func.coalesce(deadlines.c.until, w2, type_=UTCDateTime())
    # The moments overdue are [max(owing since, deadline since, overdue from, window start), min(owing until,
    # deadline until, window end)); written as pairwise comparisons, which every backend has.
    starts = (steps.c.since, deadlines.c.since, deadlines.c.overdue_from, w1)
    ends = (owing_until, deadline_until, w2)
    overlap = and_(*(s < e for s in starts for e in ends))
    return (select(RectificationOrder.id)
            .join(steps, steps.c.order_id == RectificationOrder.id)
            .join(deadlines, deadlines.c.order_id == RectificationOrder.id)
            .where(steps.c.kind.in_(_OWING_EVENTS), overlap))
