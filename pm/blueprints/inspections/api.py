"""巡查督查 REST API: inspections with findings, and rectification orders (report, re-check, timeline).

Reads go through the caller's Scope (a foreign id is a 404); writes call pm.services.inspections, which
checks the level, target and role, and commit once here. Lists are paginated with related rows loaded eagerly.
"""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy.orm import joinedload, selectinload

from pm.access import require
from pm.blueprints.apiutil import (
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    paginate,
)
from pm.blueprints.inspections import schemas as s
from pm.errors import DomainError
from pm.models import (
    ASSESSMENT_ITEMS,
    Finding,
    Inspection,
    RectificationEvent,
    RectificationOrder,
)
from pm.services import inspections
from pm.timeutil import local_today

URL_PREFIX = ""
blp = api_blueprint("inspections_api", __name__, description="巡查督查：三级检查、问题扣分与整改单闭合管理")

INSPECTION_OPTIONS = (
    joinedload(Inspection.created_by),
    selectinload(Inspection.inspectors),
    selectinload(Inspection.findings).selectinload(Finding.photos),
    selectinload(Inspection.findings).joinedload(Finding.order),
)
ORDER_OPTIONS = (joinedload(RectificationOrder.issued_by),)
ORDER_DETAIL_OPTIONS = ORDER_OPTIONS + (
    selectinload(RectificationOrder.events).joinedload(RectificationEvent.actor),
    selectinload(RectificationOrder.events).selectinload(RectificationEvent.photos),
    joinedload(RectificationOrder.finding),
)


def _with_totals(items):
    for i in items:
        i.total_deduction = sum((f.deduction for f in i.findings), start=0)
    return items


def _inspection(inspection_id: int) -> Inspection:
    require(api_user(), "inspection.view")
    return _with_totals([get_in_scope(Inspection, inspection_id, options=INSPECTION_OPTIONS)])[0]


def _order(order_id: int) -> RectificationOrder:
    require(api_user(), "inspection.view")
    return get_in_scope(RectificationOrder, order_id, options=ORDER_DETAIL_OPTIONS)


@blp.route("/assessment-items")
class Items(MethodView):
    @blp.response(200, s.AssessmentItemsOut)
    def get(self):
        """考核项目: the built-in sheet with each item's full points."""
        require(api_user(), "inspection.view")
        return {"items": ASSESSMENT_ITEMS}


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.arguments(s.InspectionArgs, location="query")
    @blp.response(200, s.InspectionPage)
    def get(self, args):
        """Inspections in your area, newest first."""
        require(api_user(), "inspection.view")
        stmt = api_scope().select(Inspection).options(*INSPECTION_OPTIONS)
        if args.get("level"):
            stmt = stmt.where(Inspection.level == args["level"])
        if args.get("date_from"):
            stmt = stmt.where(Inspection.inspected_on >= args["date_from"])
        if args.get("date_to"):
            stmt = stmt.where(Inspection.inspected_on <= args["date_to"])
        page = paginate(stmt.order_by(Inspection.inspected_on.desc(), Inspection.id.desc()), args)
        _with_totals(page["items"])
        return page

    @blp.arguments(s.InspectionIn)
    @blp.response(201, s.InspectionOut)
    def post(self, data):
        """Record an inspection (your level, a target in your area) with its findings; each opens an order."""
        user = api_user()
        require(user, "inspection.create")
        inspection = inspections.create_inspection(
            user, level=data["level"], target_kind=data["target_kind"], target_id=data["target_id"],
            inspected_on=data["inspected_on"], inspector_ids=data["inspector_ids"], summary=data.get("summary"))
        for n, finding in enumerate(data["findings"]):
            try:
                inspections.add_finding(inspection, user, **finding)
            except DomainError as err:
                # Named like marshmallow's nested errors: {"findings": {"0": {"deduction": [...]}}}
                err.fields = {"findings": {str(n): err.fields or {"_schema": [err.message]}}}
                raise
        return _inspection(inspection.id)


@blp.route("/inspections/<int:inspection_id>")
class InspectionDetail(MethodView):
    @blp.response(200, s.InspectionOut)
    def get(self, inspection_id):
        """One inspection with its findings."""
        return _inspection(inspection_id)


@blp.route("/inspections/<int:inspection_id>/findings")
class Findings(MethodView):
    @blp.arguments(s.FindingIn)
    @blp.response(201, s.InspectionOut)
    def post(self, data, inspection_id):
        """Add a finding (inspectors of this inspection only); it opens a rectification order."""
        inspection = _inspection(inspection_id)
        inspections.add_finding(inspection, api_user(), **data)
        return _inspection(inspection_id)


@blp.route("/rectifications")
class Orders(MethodView):
    @blp.arguments(s.RectificationOrderArgs, location="query")
    @blp.response(200, s.OrderPage)
    def get(self, args):
        """整改单 queue: owed first (overdue leading), then awaiting re-check, then closed."""
        require(api_user(), "inspection.view")
        stmt = api_scope().select(RectificationOrder).options(*ORDER_OPTIONS).order_by(*inspections.queue_order())
        if args.get("status"):
            stmt = stmt.where(RectificationOrder.status == args["status"])
        if args.get("overdue") is True:
            stmt = stmt.where(inspections.overdue_filter(local_today()))
        if args.get("issued_by_me") is True:
            stmt = stmt.where(RectificationOrder.issued_by_id == api_user().id)
        return paginate(stmt, args)


@blp.route("/rectifications/<int:order_id>")
class OrderDetail(MethodView):
    @blp.response(200, s.RectificationOrderDetailOut)
    def get(self, order_id):
        """One order with its timeline."""
        return _order(order_id)


@blp.route("/rectifications/<int:order_id>/report")
class OrderReport(MethodView):
    @blp.arguments(s.RectificationReportIn)
    @blp.response(200, s.RectificationOrderDetailOut)
    def post(self, data, order_id):
        """The responsible body reports the fix (photos are uploaded on the web page)."""
        order = _order(order_id)
        inspections.report_done(order, api_user(), note=data["note"])
        return _order(order_id)


@blp.route("/rectifications/<int:order_id>/recheck")
class OrderRecheck(MethodView):
    @blp.arguments(s.RectificationRecheckIn)
    @blp.response(200, s.RectificationOrderDetailOut)
    def post(self, data, order_id):
        """复查: close, or return with a reason (and optionally a new deadline)."""
        order = _order(order_id)
        inspections.recheck(order, api_user(), passed=data["decision"] == "close", reason=data.get("reason"),
                            due_on=data.get("due_on"))
        return _order(order_id)
