"""报事报修 REST API: the queue, one request with its timeline, filing, workflow steps, monthly metrics."""
# The queue is filtered and paginated with a fixed number of queries. Scope as everywhere: a foreign id is a 404.
from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope, page_of
from pm.blueprints.repairs import schemas as s
from pm.extensions import db
from pm.models import Compound, RepairRequest, Station
from pm.services.periods import Month
from pm.services.repairs import filing, metrics, queue, workflow
from pm.timeutil import utcnow

URL_PREFIX = ""
blp = api_blueprint("repairs_api", __name__, description="报事报修：工单队列、报修、处理流程与月度统计")


class _Row:
    """A read-only view of a request with its read-time fields (location, overdue, the filer's phone for those who
    may call back: not for another resident of the home)."""

    def __init__(self, req: RepairRequest, now, *, detail: bool = False):
        self._req = req
        self.location = queue.location_label(req)
        self.overdue_deadline = req.missed_deadline(now)
        self.is_overdue = self.overdue_deadline is not None
        user = api_user()
        self.filer_phone = (None if api_scope().is_household_bound and req.filer_user_id != user.id
                            else req.filer_phone)
        self.proposed_team_id = self.proposed_assignee_id = None
        if detail and workflow.allowed_actions(req, user, api_scope(), now) & {"dispatch", "transfer"}:
            proposed = workflow.proposed_member(req, workflow.dispatch_teams(req))
            self.proposed_team_id, self.proposed_assignee_id = proposed or (None, None)

    def __getattr__(self, name):
        return getattr(self._req, name)


@blp.route("/repairs")
class Repairs(MethodView):
    @blp.arguments(s.RepairArgs, location="query")
    @blp.response(200, s.RepairPage)
    def get(self, args):
        """工单队列: open requests by default, most urgent and nearest deadline first."""
        user, now = api_user(), utcnow()
        stmt = queue.queue_stmt(
            api_scope(), now=now, station_id=args.get("station_id"), compound_id=args.get("compound_id"),
            status=args["status"], urgency=args.get("urgency"), category=args.get("category"),
            overdue=args["overdue"], q=args.get("q"), assignee_id=user.id if args["mine"] else None,
        )
        per_page = min(args["per_page"], current_app.config["API_MAX_PAGE_SIZE"])
        items, total = queue.queue_page(stmt, page=args["page"], per_page=per_page)
        return {"items": [_Row(r, now) for r in items], "page": args["page"], "per_page": per_page, "total": total}

    @blp.arguments(s.RepairIn)
    @blp.response(201, s.RepairDetailOut)
    def post(self, data):
        """报修: file a request in a compound of your scope (residents: their own home or a common area)."""
        compound = get_in_scope(Compound, data.pop("compound_id"), field="compound_id")
        req = filing.file_request(compound, actor=api_user(), scope=api_scope(), **data)
        return _Row(queue.load(api_scope(), req.id), utcnow(), detail=True)


@blp.route("/repairs/<int:request_id>")
class RepairDetail(MethodView):
    @blp.response(200, s.RepairDetailOut)
    def get(self, request_id):
        """One request with its timeline (events) and photos."""
        get_in_scope(RepairRequest, request_id)
        return _Row(queue.load(api_scope(), request_id), utcnow(), detail=True)


# Each API action: the workflow step it takes, with the body's fields as the step's inputs.
STEPS = {
    "accept": lambda req, d, kw: workflow.accept(req, **kw),
    "reject": lambda req, d, kw: workflow.reject(req, reason=d.get("reason"), **kw),
    "dispatch": lambda req, d, kw: workflow.dispatch(req, team_id=d.get("team_id"), assignee_id=d.get("assignee_id"),
                                                     **kw),
    "transfer": lambda req, d, kw: workflow.transfer(req, team_id=d.get("team_id"), assignee_id=d.get("assignee_id"),
                                                     note=d.get("note"), **kw),
    "start": lambda req, d, kw: workflow.start(req, **kw),
    "complete": lambda req, d, kw: workflow.complete(req, note=d.get("note"), **kw),
    "confirm": lambda req, d, kw: workflow.confirm(req, rating=d.get("rating"), comment=d.get("comment"), **kw),
    "reopen": lambda req, d, kw: workflow.reopen(req, reason=d.get("reason"), **kw),
    "followup": lambda req, d, kw: workflow.record_followup(req, note=d.get("note"), **kw),
    "agree": lambda req, d, kw: workflow.agree_time(req, at=d.get("agreed_at"), **kw),
}


@blp.route("/repairs/<int:request_id>/transitions")
class RepairTransition(MethodView):
    @blp.arguments(s.TransitionIn)
    @blp.response(200, s.RepairDetailOut)
    def post(self, data, request_id):
        """One workflow step; out of order is a 409 and nothing changes."""
        scope, now = api_scope(), utcnow()
        get_in_scope(RepairRequest, request_id)
        req = queue.load(scope, request_id)
        STEPS[data.pop("action")](req, data, {"actor": api_user(), "scope": scope, "now": now})
        return _Row(queue.load(scope, request_id), now, detail=True)


@blp.route("/repairs/metrics")
class RepairMetrics(MethodView):
    @blp.arguments(s.MetricsArgs, location="query")
    @blp.response(200, s.MetricsList)
    def get(self, args):
        """月度统计 per station in scope (or one station): count, on-time rates, average rating, reopen rate —
        exact fractions."""
        require(api_user(), "repair.metrics")
        month = Month.parse(args["period"], field="period")
        stmt = metrics.visible_stations(api_scope()).with_only_columns(Station.id).order_by(Station.id)
        if args.get("station_id"):
            stmt = stmt.where(Station.id == get_in_scope(Station, args["station_id"], field="station_id").id)
        page = page_of(list(db.session.scalars(stmt)), args)  # station ids only; metrics for this page's
        values = metrics.station_metrics(page["items"], month, as_of=utcnow())
        return page | {"items": [values[i] for i in page["items"]]}
