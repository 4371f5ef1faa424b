"""定时任务运行记录: the runs of the scheduled jobs (JobRun), listed for county administrators."""
from __future__ import annotations

from sqlalchemy import Select, distinct, select

from pm.access import Scope, authorise
from pm.extensions import db
from pm.models import JobRun, RunStatus


def runs_stmt(scope: Scope, *, job: str | None = None, status: RunStatus | str | None = None) -> Select:
    """Every recorded run the scope may see (county admins: all), newest first, optionally of one job or status."""
    authorise(scope, scope.user, "jobs.view")
    stmt = scope.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
    if job:
        stmt = stmt.where(JobRun.job == job)
    if status:
        stmt = stmt.where(JobRun.status == status)
    return stmt


def job_names(scope: Scope) -> list[str]:
    """The ids of the jobs that have runs (for the filter), in order."""
    authorise(scope, scope.user, "jobs.view")
    return list(db.session.scalars(scope.filter(select(distinct(JobRun.job)), JobRun).order_by(JobRun.job)))
