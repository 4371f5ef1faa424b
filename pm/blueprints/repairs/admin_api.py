"""报事报修 administration REST API: the county's deadline rules (处理时限) and work calendar (工作日历), a compound's
public filing page (报修二维码), and filing a historical request with its original time (data migration)."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import url_for
from flask_babel import gettext
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates

from pm.access import require
from pm.blueprints.apiutil import (
    BaseSchema,
    PageArgs,
    api_blueprint,
    api_scope,
    api_user,
    day,
    get_in_scope,
    page_schema,
    paginate,
    text,
)
from pm.blueprints.repairs.schemas import RepairIn
from pm.models import Compound, County, DeadlineRule, RepairCategory, Urgency, WorkCalendarDay
from pm.services.repairs import deadlines, filing, portal, workdays
from pm.timeutil import utcnow

URL_PREFIX = ""
blp = api_blueprint("repairadmin_api", __name__, description="报修管理：处理时限、工作日历、报修二维码页面、历史工单迁入")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class RuleIn(BaseSchema):
    category = fields.Enum(RepairCategory, by_value=True, load_default=None, allow_none=True,
                           metadata={"description": "null: every category"})
    urgency = fields.Enum(Urgency, by_value=True, required=True)
    service_grade = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5))
    response_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=2_147_483_647))
    onsite_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2_147_483_647))
    completion_workdays = fields.Integer(load_default=None, allow_none=True,
                                         validate=validate.Range(min=1, max=2_147_483_647))
    completion_hours = fields.Integer(load_default=None, allow_none=True,
                                      validate=validate.Range(min=1, max=2_147_483_647))


class RuleOut(RuleIn):
    id = fields.Integer()
    county_id = fields.Integer()


class DayIn(BaseSchema):
    day = day(required=True)
    is_workday = fields.Boolean(required=True, metadata={"description": "true: a make-up working day; false: a holiday"})
    note = text(64, load_default=None, allow_none=True)


class DayOut(DayIn):
    id = fields.Integer()
    county_id = fields.Integer()


class DayArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class PortalOut(BaseSchema):
    compound_id = fields.Integer()
    url = fields.String(metadata={"description": "the public filing page (print it as a QR code)"})
    created_at = fields.DateTime()


class HistoricalIn(RepairIn):
    submitted_at = fields.AwareDateTime(required=True, metadata={"description": "the original filing time (with zone)"})

    @validates("submitted_at")
    def _past(self, value, **_kwargs):
        if not EARLIEST <= value <= utcnow():
            raise ValidationError(gettext("原始报修时间须在 2000-01-01 与现在之间"))


class HistoricalOut(BaseSchema):
    id = fields.Integer()
    status = fields.String()
    submitted_at = fields.DateTime()


RulePage = page_schema(RuleOut, "DeadlineRulePage")
DayPage = page_schema(DayOut, "WorkCalendarDayPage")


def _county(county_id: int) -> County:
    require(api_user(), "repair.rules")
    return get_in_scope(County, county_id)


@blp.route("/counties/<int:county_id>/repair-rules")
class Rules(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, RulePage)
    def get(self, args, county_id):
        """处理时限: the county's deadline rules (the most specific match wins; defaults otherwise)."""
        county = _county(county_id)
        stmt = api_scope().select(DeadlineRule).where(DeadlineRule.county_id == county.id).order_by(
            DeadlineRule.urgency, DeadlineRule.id)
        return paginate(stmt, args)

    @blp.arguments(RuleIn)
    @blp.response(200, RuleOut)
    def post(self, data, county_id):
        """Set one rule (category, urgency, grade: the same key replaces it)."""
        county = _county(county_id)
        return deadlines.upsert_rule(county.id, actor=api_user(), scope=api_scope(), **data)


@blp.route("/counties/<int:county_id>/work-calendar")
class Calendar(MethodView):
    @blp.arguments(DayArgs, location="query")
    @blp.response(200, DayPage)
    def get(self, args, county_id):
        """工作日历: the county's entered holidays and make-up working days (of one year, or all)."""
        county = _county(county_id)
        stmt = api_scope().select(WorkCalendarDay).where(WorkCalendarDay.county_id == county.id)
        if args.get("year"):
            stmt = stmt.where(WorkCalendarDay.day.between(datetime(args["year"], 1, 1).date(),
                                                          datetime(args["year"], 12, 31).date()))
        return paginate(stmt.order_by(WorkCalendarDay.day), args)

    @blp.arguments(DayIn)
    @blp.response(200, DayOut)
    def post(self, data, county_id):
        """Enter (or change) one day of the county's schedule."""
        county = _county(county_id)
        return workdays.set_day(county.id, data["day"], data["is_workday"], actor=api_user(), scope=api_scope(),
                                note=data.get("note"))


@blp.route("/compounds/<int:compound_id>/repair-portal")
class Portal(MethodView):
    @blp.response(200, PortalOut)
    def post(self, compound_id):
        """报修二维码: make the compound's public filing page (once) and return its address."""
        compound = get_in_scope(Compound, compound_id)
        page = portal.open_portal(compound, actor=api_user(), scope=api_scope())
        return {"compound_id": compound.id, "created_at": page.created_at,
                "url": url_for("repairs.public", token=page.token, _external=True)}


@blp.route("/repairs/historical")
class HistoricalRepairs(MethodView):
    @blp.arguments(HistoricalIn)
    @blp.response(201, HistoricalOut)
    def post(self, data):
        """迁入历史工单: file a request with its original time (county admins or a token with repair.migrate);
        its deadlines are counted from that time, as they were."""
        require(api_user(), "repair.migrate")
        compound = get_in_scope(Compound, data.pop("compound_id"), field="compound_id")
        submitted_at = data.pop("submitted_at")
        return filing.file_request(compound, actor=api_user(), scope=api_scope(), now=submitted_at, **data)
