"""定时任务 REST API: every recorded job run (county administrators)."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, paginate
from pm.blueprints.jobs import schemas as s
from pm.services import jobs

URL_PREFIX = ""
blp = api_blueprint("jobs_api", __name__, description="定时任务运行记录：开始、结束、状态、计数和错误")


@blp.route("/jobs/runs")
class JobRuns(MethodView):
    @blp.arguments(s.JobRunArgs, location="query")
    @blp.response(200, s.JobRunPage)
    def get(self, args):
        """Job runs, newest first, optionally of one job or status (county administrators)."""
        require(api_user(), "jobs.view")
        return paginate(jobs.runs_stmt(api_scope(), job=args.get("job"), status=args.get("status")), args)
