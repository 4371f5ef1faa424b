"""报事报修 API schemas: separate input and output, unknown fields refused."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, id_field, page_schema, text
from pm.models import RepairCategory, RepairStatus, Urgency
from pm.services.messages import event_note

STATUS_FILTERS = ["open", "all", "to_rate"] + [s.value for s in RepairStatus]
ACTIONS = ["accept", "reject", "dispatch", "transfer", "start", "complete", "confirm", "reopen", "followup", "agree"]


class RepairArgs(PageArgs):
    """Queue filters."""

    station_id = id_field(strict=False)
    compound_id = id_field(strict=False)
    status = fields.String(load_default="open", validate=validate.OneOf(STATUS_FILTERS),
                           metadata={"description": "open, all, to_rate (我提交的、已完工待我评价的) or a status"})
    urgency = fields.Enum(Urgency, by_value=True)
    category = fields.Enum(RepairCategory, by_value=True)
    overdue = fields.Boolean(load_default=False)
    mine = fields.Boolean(load_default=False, metadata={"description": "只看派给我的工单"})
    q = text(50)


class RepairIn(BaseSchema):
    """File a request (photos are added on the web page)."""

    compound_id = id_field(required=True)
    category = fields.Enum(RepairCategory, by_value=True, required=True)
    urgency = fields.Enum(Urgency, by_value=True, load_default=Urgency.NORMAL)
    description = text(2000, required=True, validate=validate.Length(min=5))
    household_id = id_field(allow_none=True)
    building_id = id_field(allow_none=True)
    unit_id = id_field(allow_none=True)
    location_note = text(200, allow_none=True)
    confirm_duplicate = fields.Boolean(load_default=False, metadata={
        "description": "该房屋已有同类未办结报修时，确认仍要提交（否则 409，field confirm_duplicate）"})


class TransitionIn(BaseSchema):
    """One workflow step. `reason` for reject/reopen, `note` for transfer/complete/followup, `team_id` and
    `assignee_id` for dispatch/transfer, `rating`/`comment` for confirm, `agreed_at` for agree."""

    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = text(500)
    note = text(2000)
    team_id = id_field()
    assignee_id = id_field()
    rating = fields.Integer(strict=True, validate=validate.Range(min=1, max=5))
    comment = text(500)
    agreed_at = fields.AwareDateTime()


class EventOut(BaseSchema):
    kind = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    note = fields.Function(lambda e: event_note(e.note, e.message), allow_none=True,
                           metadata={"description": "说明（系统所写的部分为平台语言）"})
    message = fields.Dict(allow_none=True, metadata={"description": "系统所写的说明：消息 ID（msgid）与参数"})
    at = fields.DateTime()


class PhotoOut(BaseSchema):
    id = fields.Integer()
    stage = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()


class RepairOut(BaseSchema):
    """A request as listed."""

    id = fields.Integer()
    compound_id = fields.Integer()
    compound_name = fields.String(attribute="compound.name")
    station_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    building_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    location = fields.String()
    category = fields.Enum(RepairCategory, by_value=True)
    urgency = fields.Enum(Urgency, by_value=True)
    status = fields.Enum(RepairStatus, by_value=True)
    description = fields.String()
    team_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    assignee_name = fields.String(attribute="assignee.display_name", allow_none=True)
    submitted_at = fields.DateTime()
    response_due_at = fields.DateTime(allow_none=True)
    onsite_due_at = fields.DateTime(allow_none=True)
    completion_due_at = fields.DateTime(allow_none=True)
    is_deadline_unknown = fields.Boolean()
    is_time_agreed = fields.Boolean()
    is_overdue = fields.Boolean()
    overdue_deadline = fields.String(allow_none=True, metadata={
        "description": "超时时错过的时限：response（响应）、onsite（到场）或 completion（完成）"})
    rating = fields.Integer(allow_none=True)
    reopen_count = fields.Integer()
    needs_fund = fields.Boolean()
    use_plan_id = fields.Integer(allow_none=True)


class RepairDetailOut(RepairOut):
    """A request with its timeline and photos."""

    location_note = fields.String(allow_none=True)
    filer_name = fields.String(allow_none=True)
    filer_phone = fields.String(allow_none=True, metadata={"description": "只对服务站和管理人员、报修人本人显示"})
    station_phone = fields.String(attribute="station.phone", allow_none=True)
    proposed_team_id = fields.Integer(allow_none=True, metadata={"description": "派单建议：与类别对应的队伍"})
    proposed_assignee_id = fields.Integer(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    rejected_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    completion_note = fields.String(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    followup_at = fields.DateTime(allow_none=True)
    followup_note = fields.String(allow_none=True)
    events = fields.List(fields.Nested(EventOut))
    photos = fields.List(fields.Nested(PhotoOut))


RepairPage = page_schema(RepairOut, "RepairPage")


class MetricsArgs(PageArgs):
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"),
                           metadata={"example": "2026-03"})
    station_id = id_field(strict=False)


class Ratio(fields.Field):
    """An exact fraction as {"numerator", "denominator"} (null when nothing was measured)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else {"numerator": value.numerator, "denominator": value.denominator}


class MetricsOut(BaseSchema):
    station_id = fields.Integer()
    period = fields.String()
    count = fields.Integer()
    responded = fields.Integer()
    responded_on_time = fields.Integer()
    completed = fields.Integer()
    completed_on_time = fields.Integer()
    rated = fields.Integer()
    rating_sum = fields.Integer()
    reopened = fields.Integer()
    response_on_time_rate = Ratio()
    completion_on_time_rate = Ratio()
    average_rating = Ratio()
    reopen_rate = Ratio()


class MetricsList(PageFields):
    items = fields.List(fields.Nested(MetricsOut))
