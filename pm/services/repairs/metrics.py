"""报修月度统计: a station's month of repair requests — count, on-time rates, ratings, reopens — as of a time."""
# Every figure is computed "as of" a given instant: steps taken after `as_of` do not count, and a request still
# open past its deadline at `as_of` counts as late. Pages pass now; an assessment passes its period's fixed
# cut-off time. One limit: a request keeps only its latest round, so a reopen after the cut-off clears the
# completion and rating it undoes (an assessment that must never move stores its figures at the cut-off).
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select

from pm.access import Scope
from pm.extensions import db
from pm.models import RepairEvent, RepairRequest, Station
from pm.services.periods import Month


@dataclass(frozen=True)
class Metrics:
    """A station's month (exact fractions; None when nothing to measure)."""

    station_id: int
    period: str
    count: int
    responded: int
    responded_on_time: int
    completed: int
    completed_on_time: int
    rated: int
    rating_sum: int
    reopened: int

    @staticmethod
    def _frac(n: int, d: int) -> Fraction | None:
        return Fraction(n, d) if d else None

    @property
    def response_on_time_rate(self) -> Fraction | None:
        return self._frac(self.responded_on_time, self.responded)

    @property
    def completion_on_time_rate(self) -> Fraction | None:
        return self._frac(self.completed_on_time, self.completed)

    @property
    def average_rating(self) -> Fraction | None:
        return self._frac(self.rating_sum, self.rated)

    @property
    def reopen_rate(self) -> Fraction | None:
        return self._frac(self.reopened, self.count)


def visible_stations(scope: Scope):
    """The stations whose metrics a user may read (a select to order, page or narrow)."""
    return scope.select(Station)


def _by(column, as_of: datetime):
    """The column's time if it happened by `as_of`, else NULL (what was known at `as_of`)."""
    return case((column <= as_of, column), else_=None)


def station_metrics(station_ids: list[int], month: Month, *, as_of: datetime) -> dict[int, Metrics]:
    """Requests filed in the month, per station, as they stood at `as_of`: count, responses within the response
    deadline, completions within the completion deadline (open past its deadline at `as_of`: late), ratings
    given and requests reopened by then. Steps taken after `as_of` do not count, so a past cut-off is stable."""
    start, end = month.bounds()
    responded_at = _by(func.coalesce(RepairRequest.accepted_at, RepairRequest.rejected_at), as_of)
    completed_at = _by(RepairRequest.completed_at, as_of)
    rejected = and_(RepairRequest.rejected_at.is_not(None), RepairRequest.rejected_at <= as_of)
    response_due = and_(RepairRequest.response_due_at.is_not(None),
                        or_(responded_at.is_not(None), RepairRequest.response_due_at < as_of))
    completion_due = and_(RepairRequest.completion_due_at.is_not(None), ~rejected,
                          or_(completed_at.is_not(None), RepairRequest.completion_due_at < as_of))
    rated = and_(RepairRequest.rating.is_not(None), RepairRequest.confirmed_at <= as_of)
    reopened = select(RepairEvent.id).where(RepairEvent.request_id == RepairRequest.id,
                                            RepairEvent.kind == "reopened", RepairEvent.at <= as_of).exists()

    def count_if(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    rows = db.session.execute(
        select(
            RepairRequest.station_id, func.count(),
            count_if(response_due),
            count_if(and_(response_due, responded_at <= RepairRequest.response_due_at)),
            count_if(completion_due),
            count_if(and_(completion_due, completed_at <= RepairRequest.completion_due_at)),
            count_if(rated), func.coalesce(func.sum(case((rated, RepairRequest.rating), else_=0)), 0),
            count_if(reopened),
        )
        .where(RepairRequest.station_id.in_(station_ids), RepairRequest.submitted_at >= start,
               RepairRequest.submitted_at < end, RepairRequest.submitted_at <= as_of)
        .group_by(RepairRequest.station_id)
    ).all()
    period = str(month)
    out = {sid: Metrics(sid, period, 0, 0, 0, 0, 0, 0, 0, 0) for sid in station_ids}
    for sid, *values in rows:
        out[sid] = Metrics(sid, period, *(int(v) for v in values))
    return out
