"""报事报修 REST API: the queue (filters, paginated, fixed number of queries), one request with its
timeline, filing, workflow steps, and monthly metrics per station. Scope as everywhere: a foreign id is a 404."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_babel import gettext
from sqlalchemy import select

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope
from pm.blueprints.repairs import schemas as s
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound, RepairRequest, Role, Station
from pm.services import repairs
from pm.timeutil import utcnow

URL_PREFIX = ""
blp = api_blueprint("repairs_api", __name__, description="报事报修：工单队列、报修、处理流程与月度统计")


class _Row:
    """A read-only view of a request with its read-time fields (location, overdue)."""

    def __init__(self, req: RepairRequest, now):
        self._req = req
        self.location = repairs.location_label(req)
        self.is_overdue = req.is_overdue(now)

    def __getattr__(self, name):
        return getattr(self._req, name)


@blp.route("/repairs")
class Repairs(MethodView):
    @blp.arguments(s.RepairArgs, location="query")
    @blp.response(200, s.RepairPage)
    def get(self, args):
        """工单队列: open requests by default, most urgent and nearest deadline first."""
        user, now = api_user(), utcnow()
        station_id = args.get("station_id")
        if user.role in (Role.STATION_MANAGER, Role.STATION_STAFF):
            station_id = user.station_id
        stmt = repairs.queue_stmt(
            api_scope(), now=now, station_id=station_id, compound_id=args.get("compound_id"),
            status=args["status"], urgency=args.get("urgency"), category=args.get("category"),
            overdue=args["overdue"], q=args.get("q"), assignee_id=user.id if args["mine"] else None,
        )
        per_page = min(args["per_page"], current_app.config["API_MAX_PAGE_SIZE"])
        items, total = repairs.queue_page(stmt, page=args["page"], per_page=per_page)
        return {"items": [_Row(r, now) for r in items], "page": args["page"], "per_page": per_page, "total": total}

    @blp.arguments(s.RepairIn)
    @blp.response(201, s.RepairDetailOut)
    def post(self, data):
        """报修: file a request in a compound of your scope (residents: their own home or a common area)."""
        user = api_user()
        compound = get_in_scope(Compound, data.pop("compound_id"), field="compound_id")
        req = repairs.file_request(compound, actor=user, scope=api_scope(), **data)
        return _Row(repairs.load(api_scope(), req.id), utcnow())


@blp.route("/repairs/<int:request_id>")
class RepairDetail(MethodView):
    @blp.response(200, s.RepairDetailOut)
    def get(self, request_id):
        """One request with its timeline (events) and photos."""
        get_in_scope(RepairRequest, request_id)
        return _Row(repairs.load(api_scope(), request_id), utcnow())


@blp.route("/repairs/<int:request_id>/transitions")
class RepairTransition(MethodView):
    @blp.arguments(s.TransitionIn)
    @blp.response(200, s.RepairDetailOut)
    def post(self, data, request_id):
        """One workflow step; out of order is a 409 and nothing changes."""
        user, scope, now = api_user(), api_scope(), utcnow()
        get_in_scope(RepairRequest, request_id)
        req = repairs.load(scope, request_id)
        action = data.pop("action")
        handler = {
            "accept": lambda: repairs.accept(req, actor=user, scope=scope, now=now),
            "reject": lambda: repairs.reject(req, actor=user, scope=scope, reason=data.get("reason"), now=now),
            "dispatch": lambda: repairs.dispatch(req, actor=user, scope=scope, team_id=data.get("team_id"),
                                                 assignee_id=data.get("assignee_id"), now=now),
            "transfer": lambda: repairs.transfer(req, actor=user, scope=scope, team_id=data.get("team_id"),
                                                 assignee_id=data.get("assignee_id"), note=data.get("note"), now=now),
            "start": lambda: repairs.start(req, actor=user, scope=scope, now=now),
            "complete": lambda: repairs.complete(req, actor=user, scope=scope, note=data.get("note"), now=now),
            "confirm": lambda: repairs.confirm(req, actor=user, rating=data.get("rating"),
                                               comment=data.get("comment"), now=now),
            "reopen": lambda: repairs.reopen(req, actor=user, reason=data.get("reason"), now=now),
            "followup": lambda: repairs.record_followup(req, actor=user, scope=scope, note=data.get("note"), now=now),
            "agree": lambda: repairs.agree_time(req, actor=user, scope=scope, at=data.get("agreed_at"), now=now),
        }[action]
        handler()
        return _Row(repairs.load(scope, request_id), now)


@blp.route("/repairs/metrics")
class RepairMetrics(MethodView):
    @blp.arguments(s.MetricsArgs, location="query")
    @blp.response(200, s.MetricsList)
    def get(self, args):
        """月度统计 per station in scope (or one station): count, on-time rates, average rating, reopen rate —
        exact fractions."""
        require(api_user(), "repair.metrics")
        year, month = (int(x) for x in args["period"].split("-"))
        try:
            repairs.month_bounds(year, month)
        except DomainError:
            raise DomainError(gettext("月份无效"), field="period") from None
        stmt = api_scope().filter(select(Station.id), Station).order_by(Station.id)
        if args.get("station_id"):
            stmt = stmt.where(Station.id == get_in_scope(Station, args["station_id"], field="station_id").id)
        ids = list(db.session.scalars(stmt.limit(1000)))
        values = repairs.station_metrics(ids, year, month, now=utcnow())
        return {"items": [values[i] for i in ids]}
