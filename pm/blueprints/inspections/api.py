"""巡查督查 REST API: inspections with findings, and rectification orders (report, re-check, timeline)."""
# Reads go through the caller's Scope (a foreign id is a 404); writes call pm.services.inspections, which checks
# the level, target and role. Lists are paginated with related rows loaded eagerly.
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import (
    PageArgs,
    api_blueprint,
    api_scope,
    api_user,
    page_of,
    paginate,
)
from pm.blueprints.inspections import schemas as s
from pm.blueprints.inspections.views import assessment_filters
from pm.errors import DomainError
from pm.models import Inspection, RectificationOrder, UnitKind
from pm.services.inspections import inspections, rectification
from pm.timeutil import local_today

URL_PREFIX = ""
blp = api_blueprint("inspections_api", __name__, description="巡查督查：三级检查、问题扣分与整改单闭合管理")


def _with_totals(items: list[Inspection]) -> list[Inspection]:
    for i in items:
        i.total_deduction = inspections.total_deduction(i)
    return items


def _inspection(inspection_id: int) -> Inspection:
    require(api_user(), "inspection.view")
    return _with_totals([inspections.load_inspection(api_scope(), inspection_id)])[0]


def _order(order_id: int) -> RectificationOrder:
    require(api_user(), "inspection.view")
    return rectification.load_order(api_scope(), order_id)


@blp.route("/assessment-items")
class Items(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.AssessmentItemsOut)
    def get(self, args):
        """考核项目: the findings items of your county's station scheme in force today, with their full points."""
        user = api_user()
        require(user, "inspection.view")
        return page_of(inspections.county_finding_items(api_scope(), UnitKind.STATION, local_today()), args)


@blp.route("/inspections")
class Inspections(MethodView):
    @blp.arguments(s.InspectionArgs, location="query")
    @blp.response(200, s.InspectionPage)
    def get(self, args):
        """Inspections in your area, newest first."""
        require(api_user(), "inspection.view")
        stmt = inspections.inspections_stmt(api_scope(), level=args.get("level"), date_from=args.get("date_from"),
                                            date_to=args.get("date_to"))
        page = paginate(stmt, args)
        _with_totals(page["items"])
        return page

    @blp.arguments(s.InspectionIn)
    @blp.response(201, s.InspectionOut)
    def post(self, data):
        """Record an inspection (your level, a target in your area) with its findings; each opens an order."""
        user, scope = api_user(), api_scope()
        require(user, "inspection.create")
        inspection = inspections.create_inspection(
            user, scope=scope, level=data["level"], target_kind=data["target_kind"], target_id=data["target_id"],
            inspected_on=data["inspected_on"], inspector_ids=data["inspector_ids"], summary=data.get("summary"))
        for n, finding in enumerate(data["findings"]):
            try:
                inspections.add_finding(inspection, user, scope=scope, **finding)
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
        inspections.add_finding(inspection, api_user(), scope=api_scope(), **data)
        return _inspection(inspection_id)


@blp.route("/rectifications")
class Orders(MethodView):
    @blp.arguments(s.RectificationOrderArgs, location="query")
    @blp.response(200, s.OrderPage)
    def get(self, args):
        """整改单 queue: owed first (overdue leading), then awaiting re-check, then closed; by responsible unit and
        "overdue at some moment of a month" (the orders an assessment line counted)."""
        user = api_user()
        require(user, "inspection.view")
        stmt = rectification.orders_stmt(api_scope(), status=args.get("status"),
                                         overdue_on=local_today() if args.get("overdue") is True else None,
                                         issued_by_id=user.id if args.get("issued_by_me") is True else None,
                                         **assessment_filters(args.get("responsible_kind"), args.get("responsible_id"),
                                                              args.get("overdue_in")))
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
        rectification.report_done(order, api_user(), scope=api_scope(), note=data["note"])
        return _order(order_id)


@blp.route("/rectifications/<int:order_id>/recheck")
class OrderRecheck(MethodView):
    @blp.arguments(s.RectificationRecheckIn)
    @blp.response(200, s.RectificationOrderDetailOut)
    def post(self, data, order_id):
        """复查: close, or return with a reason (and optionally a new deadline)."""
        order = _order(order_id)
        rectification.recheck(order, api_user(), scope=api_scope(), passed=data["decision"] == "close",
                              reason=data.get("reason"), due_on=data.get("due_on"))
        return _order(order_id)


@blp.route("/rectifications/<int:order_id>/deadline")
class OrderDeadline(MethodView):
    @blp.arguments(s.RectificationDeadlineIn)
    @blp.response(200, s.RectificationOrderDetailOut)
    def post(self, data, order_id):
        """延期: an inspector gives a new deadline (not in the past) with a reason, while the order is owed."""
        order = _order(order_id)
        rectification.extend_deadline(order, api_user(), scope=api_scope(), due_on=data["due_on"],
                                      reason=data["reason"])
        return _order(order_id)
