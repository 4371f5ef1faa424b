"""工作台数据: the shared figures of the home pages, each one grouped query within the user's scope.

Every count is taken from the same SELECT the list behind it runs (the repair queue, the rectification queue,
the stations and teams lists, the fund lists, the plans list), wrapped in one aggregate, so a card's number
and its list's rows cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import joinedload

from pm.extensions import db
from pm.models import (
    Compound,
    CompoundTally,
    Inspection,
    OrderStatus,
    RectificationOrder,
    RepairRequest,
    RepairStatus,
    Role,
    Station,
)
from pm.models.repairs import OPEN_STATUSES
from pm.services.dashboard.home import Home, fact
from pm.services.inspections.rectification import overdue_filter
from pm.services.periods import Month
from pm.services.repairs import metrics as repair_metrics
from pm.services.repairs import queue
from pm.services.stations import teams

TREND_DAYS = 14
TALLY_ROLES = (Role.COUNTY_ADMIN, Role.STREET_OFFICER)  # whose area-wide counts are read from compound_tallies
JOBS_SHOWN = 30


def count_if(condition):
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), never NULL."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def count_of(stmt) -> int:
    """The number of rows a list's SELECT yields."""
    return int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


# -- repairs ---------------------------------------------------------------------------------------------------
@dataclass
class RepairCounts:
    new_today: int = 0
    overdue: int = 0
    waiting: int = 0  # 待派单
    open: int = 0
    completed: int = 0  # done by the station, waiting for the filer's confirmation and rating
    to_rate: int = 0  # of those, the ones this user filed (what the list ?status=to_rate shows)
    trend: list[tuple] = field(default_factory=list)  # (day, new requests) for the last TREND_DAYS days


@fact("repairs")
def repair_counts(home: Home) -> RepairCounts:
    """The repair queue in scope (a station user's own station), counted in two statements that read only the
    rows they count, from the indexes alone (per compound: by status with the deadlines, and by filing time): the
    open and completed requests (a county's or street's: the kept per-compound counts and the overdue ones), and
    the requests of the last TREND_DAYS days by day."""
    base = queue.queue_stmt(home.scope, now=home.now, status="all").order_by(None)
    if home.user.role in TALLY_ROLES:
        live = _live_from_tallies(home, base)
    else:
        live = _live_counted(home, base)
    days = [home.today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    starts = [home.day_start(d) for d in days] + [home.day_start(home.today + timedelta(days=1))]
    submitted = RepairRequest.submitted_at
    # The day of each request of the last TREND_DAYS days (a CASE of the day boundaries), counted by day: one
    # comparison chain per row instead of a conditional sum per day (half the work on a county's requests).
    day = case(*((submitted < starts[i + 1], i) for i in range(len(days))))
    per_day = dict(db.session.execute(base.where(submitted >= starts[0], submitted < starts[-1]).with_only_columns(
        day, func.count()).group_by(day)).all())
    trend = [int(per_day.get(i, 0)) for i in range(len(days))]
    overdue, waiting, open_, completed, to_rate = (int(v or 0) for v in live)
    return RepairCounts(new_today=trend[-1], overdue=overdue, waiting=waiting, open=open_, completed=completed,
                        to_rate=to_rate,
                        trend=list(zip(days, trend)))


def _live_counted(home: Home, base) -> tuple:
    """(overdue, waiting, open, completed, to_rate) counted over the open and completed requests in scope."""
    return tuple(db.session.execute(base.where(RepairRequest.status.in_((*OPEN_STATUSES, RepairStatus.COMPLETED)))
                                    .with_only_columns(
        count_if(queue.overdue_clause(home.now)),
        count_if(RepairRequest.status.in_(queue.WAITING_STATUSES)),
        count_if(RepairRequest.status.in_(OPEN_STATUSES)),
        count_if(RepairRequest.status == RepairStatus.COMPLETED),
        count_if((RepairRequest.status == RepairStatus.COMPLETED) & (RepairRequest.filer_user_id == home.user.id)),
    )).one())


def _live_from_tallies(home: Home, base) -> tuple:
    """The same five figures for a county or street (whose repair scope is its compounds): waiting, open and
    completed summed from the compounds' tallies (pm.services.tallies, kept by filing and the workflow), and in the
    same statement the two that depend on the clock or the user — overdue (read from the open requests only, by
    the status index) and the user's own completed requests."""
    kept = (select(*(func.coalesce(func.sum(CompoundTally.__table__.c[c]), 0)
                     for c in ("repairs_waiting", "repairs_open", "repairs_completed")))
            .where(CompoundTally.compound_id.in_(home.scope.compound_ids)).subquery())
    overdue = base.where(RepairRequest.status.in_(OPEN_STATUSES)).with_only_columns(
        count_if(queue.overdue_clause(home.now))).scalar_subquery()
    to_rate = base.where(RepairRequest.status == RepairStatus.COMPLETED,
                         RepairRequest.filer_user_id == home.user.id).with_only_columns(func.count()).scalar_subquery()
    overdue_n, to_rate_n, waiting, open_, completed = db.session.execute(select(overdue, to_rate, *kept.c)).one()
    return overdue_n, waiting, open_, completed, to_rate_n


@dataclass
class Jobs:
    rows: list = field(default_factory=list)
    total: int = 0


@fact("my_jobs")
def my_jobs(home: Home) -> Jobs:
    """The open requests assigned to the user, nearest deadline first (the first JOBS_SHOWN, and how many)."""
    stmt = queue.queue_stmt(home.scope, now=home.now, status="open", assignee_id=home.user.id)
    total = count_of(stmt)
    rows = db.session.scalars(
        stmt.order_by(None).order_by(RepairRequest.completion_due_at.is_(None), RepairRequest.completion_due_at,
                                     queue.URGENCY_RANK, RepairRequest.id)
        .options(*queue.LIST_OPTIONS, joinedload(RepairRequest.filer)).limit(JOBS_SHOWN)
    ).unique().all()
    return Jobs(rows=list(rows), total=total)


@dataclass
class MonthFigures:
    this: repair_metrics.Metrics
    last: repair_metrics.Metrics
    period: str
    last_period: str


@fact("metrics")
def station_month(home: Home) -> MonthFigures | None:
    """The user's station: this month's repair metrics so far, and last month's (two grouped statements)."""
    station_id = home.user.station_id
    if station_id is None:
        return None
    month = Month.of(home.now)
    this = repair_metrics.station_metrics([station_id], month, as_of=home.now)[station_id]
    last = repair_metrics.station_metrics([station_id], month.prev(), as_of=home.now)[station_id]
    return MonthFigures(this, last, str(month), str(month.prev()))


# -- rectification orders --------------------------------------------------------------------------------------
@dataclass
class OrderCounts:
    by_status: dict = field(default_factory=dict)
    overdue: int = 0

    def of(self, status: OrderStatus) -> int:
        return self.by_status.get(status, 0)


@fact("orders")
def order_counts(home: Home) -> OrderCounts:
    """整改单 in scope by status, and the overdue ones: one row of conditional counts (a GROUP BY status made
    SQLite walk the status index and read every order of the city to test the scope)."""
    statuses = list(OrderStatus)
    row = db.session.execute(home.scope.filter(select(
        *(count_if(RectificationOrder.status == status) for status in statuses),
        count_if(overdue_filter(home.today))), RectificationOrder)).one()
    return OrderCounts(by_status={status: int(n) for status, n in zip(statuses, row)}, overdue=int(row[-1]))


# -- station work and inspections ------------------------------------------------------------------------------
@dataclass
class LogGaps:
    teams_without: int = 0  # the user's station: teams without today's log
    teams: int = 0
    stations_without: int = 0  # an official's area: stations without any log today
    stations: int = 0


@fact("log_gaps")
def log_gaps(home: Home) -> LogGaps:
    """Today's missing work logs: of the station's teams (station users) or the area's stations (officials)."""
    gaps = LogGaps()
    if home.user.station_id is not None:
        station = db.session.get(Station, home.user.station_id)
        stmt = teams.teams_stmt(station, home.scope).order_by(None)
        row = db.session.execute(stmt.with_only_columns(
            count_if(teams.team_without_log(home.today)), func.count())).one()
        gaps.teams_without, gaps.teams = int(row[0]), int(row[1])
    else:
        stmt = teams.stations_in_area_stmt(home.scope).order_by(None)
        row = db.session.execute(stmt.with_only_columns(
            count_if(teams.station_without_log(home.today)), func.count())).one()
        gaps.stations_without, gaps.stations = int(row[0]), int(row[1])
    return gaps


def not_inspected_since(day):
    """SQL condition: the compound has had no inspection (of any level) on or after `day`."""
    return ~exists().where(Inspection.compound_id == Compound.id, Inspection.inspected_on >= day)


def inspections_due_stmt(home: Home):
    """SELECT of the compounds in scope not inspected this week (Monday on), by name: 本周应督查."""
    return (home.scope.select(Compound).where(not_inspected_since(home.week_start))
            .order_by(Compound.name, Compound.id))


@dataclass
class InspectionsDue:
    due: int = 0
    compounds: int = 0


@fact("inspections_due")
def inspections_due(home: Home) -> InspectionsDue:
    """Compounds in scope not yet inspected this week, of all compounds in scope (one statement)."""
    stmt = home.scope.select(Compound)
    row = db.session.execute(stmt.with_only_columns(
        count_if(not_inspected_since(home.week_start)), func.count())).one()
    return InspectionsDue(int(row[0]), int(row[1]))
