"""工单队列: the scoped list of repair requests (most urgent and nearest deadline first) and one request."""
# The queue is paged ids first: COUNT, then the page's ids sorted and limited on repair_requests alone (by
# index), then those rows with their place and people joined. Joining first would make PostgreSQL join every
# matching row of a station before the LIMIT. This is the one list that does not use db.paginate.
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope
from pm.extensions import db
from pm.models import (
    Household,
    RepairCategory,
    RepairEvent,
    RepairRequest,
    RepairStatus,
    Role,
    Station,
    Urgency,
    station_compounds,
)
from pm.models.repairs import OPEN_STATUSES
from pm.services.periods import Month
from pm.services.repairs.filing import enum_value
from pm.services.text import N_
from pm.timeutil import LOCAL_TZ

STATION_ROLES = (Role.STATION_MANAGER, Role.STATION_STAFF)
TO_RATE = "to_rate"  # completed requests the user filed, waiting for their rating
STATUS_FILTERS = ("open", "all", "waiting", TO_RATE, *(s.value for s in RepairStatus))
# 待派单: filed or accepted, nobody sent yet.
WAITING_STATUSES = (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED)

LIST_OPTIONS = (
    joinedload(RepairRequest.compound),
    joinedload(RepairRequest.household).joinedload(Household.building),
    joinedload(RepairRequest.household).joinedload(Household.unit),
    joinedload(RepairRequest.building),
    joinedload(RepairRequest.unit),
    joinedload(RepairRequest.assignee),
    joinedload(RepairRequest.team),
)
URGENCY_RANK = case({Urgency.EMERGENCY.value: 0, Urgency.URGENT.value: 1}, value=RepairRequest.urgency, else_=2)
OPEN_FIRST = case((RepairRequest.status.in_(OPEN_STATUSES), 0), else_=1)


def overdue_clause(now: datetime):
    """SQL for "overdue at `now`" (the same rule as RepairRequest.is_overdue)."""
    return and_(
        RepairRequest.status.in_(OPEN_STATUSES),
        or_(
            and_(RepairRequest.status == RepairStatus.SUBMITTED, RepairRequest.response_due_at < now),
            and_(RepairRequest.status != RepairStatus.IN_PROGRESS, RepairRequest.onsite_due_at < now),
            RepairRequest.completion_due_at < now,
        ),
    )


def default_status(scope: Scope) -> str:
    """Residents see all their requests by default; the station and officials see the open ones."""
    return "all" if scope.is_household_bound else "open"


def own_station(scope: Scope) -> int | None:
    """A station user's own station (their queue is always that station's)."""
    user = scope.user
    return user.station_id if user is not None and user.role in STATION_ROLES else None


def queue_stmt(scope: Scope, *, now: datetime, station_id: int | None = None, compound_id: int | None = None,
               status: str | None = None, urgency: str | None = None, category: str | None = None,
               overdue: bool = False, assignee_id: int | None = None, q: str | None = None,
               created_on: date | None = None, late_in: Month | None = None):
    """The scoped queue: open requests by default, most urgent and nearest deadline first (no eager loads:
    fetch a page with queue_page). A station user always sees their own station's queue. A resident's own list is
    open before closed, newest first; status "to_rate" is what the user filed that waits for their rating.
    `created_on`: filed on that Beijing day. `late_in`: filed in that month and answered or finished after its
    deadline, or still unfinished past it (the assessment's "late repairs" of a station)."""
    stmt = scope.select(RepairRequest)
    station_id = own_station(scope) or station_id
    if station_id is not None:
        stmt = stmt.where(RepairRequest.station_id == station_id)
    if compound_id is not None:
        stmt = stmt.where(RepairRequest.compound_id == compound_id)
    if status == "open" or status is None:
        stmt = stmt.where(RepairRequest.status.in_(OPEN_STATUSES))
    elif status == TO_RATE:
        stmt = stmt.where(RepairRequest.status == RepairStatus.COMPLETED,
                          RepairRequest.filer_user_id == (scope.user.id if scope.user is not None else -1))
    elif status == "waiting":
        stmt = stmt.where(RepairRequest.status.in_(WAITING_STATUSES))
    elif status != "all":
        stmt = stmt.where(RepairRequest.status == enum_value(RepairStatus, status, "status", N_("状态无效")))
    if urgency:
        stmt = stmt.where(RepairRequest.urgency == enum_value(Urgency, urgency, "urgency", N_("紧急程度无效")))
    if category:
        stmt = stmt.where(RepairRequest.category == enum_value(RepairCategory, category, "category", N_("类别无效")))
    if overdue:
        stmt = stmt.where(overdue_clause(now))
    if assignee_id is not None:
        stmt = stmt.where(RepairRequest.assignee_id == assignee_id)
    if created_on is not None:
        start = datetime.combine(created_on, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)
        stmt = stmt.where(RepairRequest.submitted_at >= start, RepairRequest.submitted_at < start + timedelta(days=1))
    if late_in is not None:
        start, end = late_in.bounds()
        responded = func.coalesce(RepairRequest.accepted_at, RepairRequest.rejected_at)
        stmt = stmt.where(RepairRequest.submitted_at >= start, RepairRequest.submitted_at < end, or_(
            RepairRequest.completed_at > RepairRequest.completion_due_at,
            and_(RepairRequest.completed_at.is_(None), RepairRequest.rejected_at.is_(None),
                 RepairRequest.completion_due_at < now),
            responded > RepairRequest.response_due_at))
    q = (q or "").strip()
    if q:
        if q.lstrip("#").isdigit() and len(q) <= 9:
            stmt = stmt.where(RepairRequest.id == int(q.lstrip("#")))
        elif q.isdigit():
            stmt = stmt.where(RepairRequest.filer_phone == q)
        else:
            stmt = stmt.where(RepairRequest.description.contains(q[:50], autoescape=True))
    if scope.is_household_bound:
        return stmt.order_by(OPEN_FIRST, RepairRequest.submitted_at.desc(), RepairRequest.id.desc())
    return stmt.order_by(URGENCY_RANK, RepairRequest.completion_due_at.is_(None),
                         RepairRequest.completion_due_at, RepairRequest.id)


def to_rate_count(scope: Scope) -> int:
    """How many of the user's own requests are completed and wait for their rating (the "please rate" banner)."""
    if scope.user is None:
        return 0
    return db.session.scalar(queue_stmt(scope, now=None, status=TO_RATE).order_by(None)
                             .with_only_columns(func.count(RepairRequest.id)))


def queue_page(stmt, *, page: int, per_page: int) -> tuple[list[RepairRequest], int]:
    """One page of a queue and the total, in three statements whatever the page size (see the module note)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    ids = list(db.session.scalars(stmt.with_only_columns(RepairRequest.id).limit(per_page)
                                  .offset((page - 1) * per_page)))
    if not ids:
        return [], total
    rows = {r.id: r for r in db.session.scalars(
        select(RepairRequest).options(*LIST_OPTIONS).where(RepairRequest.id.in_(ids))).unique()}
    return [rows[i] for i in ids if i in rows], total


def load(scope: Scope, request_id: int) -> RepairRequest:
    """One request in scope with its place, people, timeline and photos (or NotFound)."""
    return scope.get(RepairRequest, request_id, options=LIST_OPTIONS + (
        joinedload(RepairRequest.filer), joinedload(RepairRequest.station),
        selectinload(RepairRequest.events).joinedload(RepairEvent.actor),
        selectinload(RepairRequest.photos),
    ))


def stations_of_scope(scope: Scope) -> list[Station]:
    """The stations keeping the compounds of a resident's scope (their phone numbers: a one-tap call)."""
    if not scope.is_household_bound:
        return []
    keeps = select(station_compounds.c.station_id).where(station_compounds.c.compound_id.in_(scope.compound_ids))
    return list(db.session.scalars(select(Station).where(Station.id.in_(keeps)).order_by(Station.id)))


def location_label(req: RepairRequest) -> str:
    """Where: 3号楼2单元501, or a common area (公共区域 · 3号楼2单元)."""
    if req.household is not None:
        return req.household.label
    parts = [p.name for p in (req.building, req.unit) if p is not None]
    return gettext("公共区域") + (" · " + "".join(parts) if parts else "") + (f" · {req.location_note}" if req.location_note else "")
