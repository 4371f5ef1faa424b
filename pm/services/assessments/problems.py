"""本月主要问题: a published month's deductions by category — written once per street when the month is published
(one INSERT … SELECT), read by the county's and streets' bulletins; other users' (a community's, a station's)
are counted from their own few lines."""
from __future__ import annotations

from sqlalchemy import func, insert, select

from pm.access import Scope
from pm.extensions import db
from pm.models import AssessmentLine, AssessmentPeriod, AssessmentProblemTotal, AssessmentScore, Role


def record(period: AssessmentPeriod) -> None:
    """The month's problem totals by street and category (once: nothing is added when they exist)."""
    if db.session.scalar(select(AssessmentProblemTotal.id).where(AssessmentProblemTotal.period_id == period.id)
                         .limit(1)):
        return
    rows = (select(AssessmentScore.period_id, AssessmentScore.street_id, AssessmentLine.category_name,
                   func.count(), func.count(func.distinct(AssessmentLine.score_id)), -func.sum(AssessmentLine.points))
            .join(AssessmentScore, AssessmentScore.id == AssessmentLine.score_id)
            .where(AssessmentScore.period_id == period.id, AssessmentLine.points < 0)
            .group_by(AssessmentScore.period_id, AssessmentScore.street_id, AssessmentLine.category_name))
    db.session.execute(insert(AssessmentProblemTotal).from_select(
        ["period_id", "street_id", "category_name", "lines", "units", "points_lost"], rows))
    db.session.flush()


def of(scope: Scope, period: AssessmentPeriod, scores, *, street_id: int | None = None) -> list[tuple]:
    """(category, lines, units, points lost), the most lost first, for what the user sees of the month."""
    if scope.is_system or scope.role in (Role.COUNTY_ADMIN, Role.STREET_OFFICER):
        stmt = (scope.select(AssessmentProblemTotal).where(AssessmentProblemTotal.period_id == period.id)
                .with_only_columns(AssessmentProblemTotal.category_name, func.sum(AssessmentProblemTotal.lines),
                                   func.sum(AssessmentProblemTotal.units), func.sum(AssessmentProblemTotal.points_lost))
                .group_by(AssessmentProblemTotal.category_name))
        if street_id:
            stmt = stmt.where(AssessmentProblemTotal.street_id == street_id)
        found = db.session.execute(stmt).all()
        if found or db.session.scalar(select(AssessmentProblemTotal.id).where(
                AssessmentProblemTotal.period_id == period.id).limit(1)):
            return sorted(((c, int(n), int(u), p) for c, n, u, p in found), key=lambda r: (-r[3], r[0]))
    return live(scores)


def live(scores) -> list[tuple]:
    """The same figures counted from the lines of `scores` (a select of AssessmentScore)."""
    ids = scores.with_only_columns(AssessmentScore.id).order_by(None)
    return [(name, n, units, -lost) for name, n, units, lost in db.session.execute(
        select(AssessmentLine.category_name, func.count(), func.count(func.distinct(AssessmentLine.score_id)),
               func.sum(AssessmentLine.points))
        .where(AssessmentLine.score_id.in_(ids), AssessmentLine.points < 0)
        .group_by(AssessmentLine.category_name).order_by(func.sum(AssessmentLine.points), AssessmentLine.category_name))]
