"""定时任务运行记录 page: every run of the scheduled jobs, filtered by job and status (county administrators)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from pm.access import current_scope, require
from pm.blueprints.webutil import paginate
from pm.models import RunStatus
from pm.services import jobs
from pm.services.labels import label

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.route("/runs")
@login_required
def runs():
    """Job runs, newest first: job, period, start, end, status, counts and error."""
    require(current_user, "jobs.view")
    scope = current_scope()
    names = jobs.job_names(scope)
    job = request.args.get("job")
    job = job if job in names else None
    status = request.args.get("status")
    status = status if status in {s.value for s in RunStatus} else None
    args = {k: v for k, v in (("job", job), ("status", status)) if v}
    return render_template("jobs/runs.html", page=paginate(jobs.runs_stmt(scope, job=job, status=status)),
                           names=names, job=job, status=status, args=args, label=label,
                           status_choices=[(s.value, label(s)) for s in RunStatus])
