"""巡查督查 API schemas: inspections with findings, rectification orders with their timeline."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext
from marshmallow import ValidationError, fields, validate, validates_schema

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, day, id_field, page_schema, text
from pm.errors import DomainError
from pm.models import InspectionLevel, OrderStatus, ResponsibleKind, TargetKind
from pm.services.inspections.inspections import parse_deduction
from pm.timeutil import local_today


class DeductionPoints(fields.Field):
    """扣分: a decimal string ("0.5") or JSON number with at most two decimals, read exactly."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "example": "0.50"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise ValidationError(gettext("扣分必须是数字，例如 0.5"))
        try:
            return parse_deduction(value)
        except DomainError as err:
            raise ValidationError(err.message) from None


class AssessmentItemOut(BaseSchema):
    """考核项目: a findings item of the county's assessment scheme."""

    code = fields.String()
    name = fields.String()
    max_points = DeductionPoints()


class AssessmentItemsOut(PageFields):
    items = fields.List(fields.Nested(AssessmentItemOut))


class EvidencePhotoOut(BaseSchema):
    id = fields.Integer()
    content_type = fields.String()


class FindingOut(BaseSchema):
    id = fields.Integer()
    item_code = fields.String()
    item_name = fields.String(attribute="item.name")
    deduction = DeductionPoints()
    note = fields.String()
    photos = fields.List(fields.Nested(EvidencePhotoOut))
    rectification_id = fields.Integer(attribute="order.id", allow_none=True)


class InspectorRef(BaseSchema):
    id = fields.Integer()
    display_name = fields.String()


class InspectionOut(BaseSchema):
    """巡查/督查/抽查 with its findings."""

    id = fields.Integer()
    level = fields.String()
    target_kind = fields.String()
    target_name = fields.String()
    street_id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    compound_id = fields.Integer(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    inspected_on = fields.Date()
    summary = fields.String(allow_none=True)
    created_by = fields.Nested(InspectorRef)
    inspectors = fields.List(fields.Nested(InspectorRef))
    findings = fields.List(fields.Nested(FindingOut))
    total_deduction = DeductionPoints()


InspectionPage = page_schema(InspectionOut, "InspectionPage")


class InspectionArgs(PageArgs):
    level = fields.String(validate=validate.OneOf([lv.value for lv in InspectionLevel]))
    date_from = day()
    date_to = day()


class FindingIn(BaseSchema):
    """A finding; it opens a rectification order with this measure and deadline."""

    item_code = fields.String(required=True, validate=validate.Length(max=32))
    deduction = DeductionPoints(required=True)
    note = text(4000, required=True)
    measure = text(4000, required=True)
    due_on = day(required=True)


class InspectionIn(BaseSchema):
    level = fields.String(required=True, validate=validate.OneOf([lv.value for lv in InspectionLevel]))
    target_kind = fields.String(required=True, validate=validate.OneOf([k.value for k in TargetKind]))
    target_id = id_field(required=True)
    inspected_on = day(required=True)
    inspector_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=20))
    summary = text(4000, allow_none=True)
    findings = fields.List(fields.Nested(FindingIn), load_default=list, validate=validate.Length(max=100))


class RectificationEventOut(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    actor = fields.Nested(InspectorRef, allow_none=True)
    note = fields.String(allow_none=True)
    at = fields.DateTime()
    photos = fields.List(fields.Nested(EvidencePhotoOut))


class RectificationOrderOut(BaseSchema):
    """整改单; `is_overdue` is computed at read time."""

    id = fields.Integer()
    source = fields.String()
    finding_id = fields.Integer(allow_none=True)
    checkin_id = fields.Integer(allow_none=True)
    responsible_kind = fields.String()
    responsible_name = fields.String()
    street_id = fields.Integer()
    community_id = fields.Integer(allow_none=True)
    compound_id = fields.Integer(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    problem = fields.String()
    measure = fields.String()
    due_on = fields.Date()
    status = fields.String()
    is_overdue = fields.Function(lambda order: order.is_overdue(local_today()), metadata={"type": "boolean"})
    issued_by = fields.Nested(InspectorRef)
    created_at = fields.DateTime()
    reported_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    return_count = fields.Integer()


class RectificationDeadlineOut(BaseSchema):
    """整改期限记录: the original deadline first, then every change with who, when and why."""

    due_on = fields.Date()
    changed_at = fields.DateTime()
    changed_by = fields.String(attribute="changed_by.display_name", allow_none=True)
    reason = fields.String(allow_none=True)


class RectificationOrderDetailOut(RectificationOrderOut):
    events = fields.List(fields.Nested(RectificationEventOut))
    deadlines = fields.List(fields.Nested(RectificationDeadlineOut))


OrderPage = page_schema(RectificationOrderOut, "RectificationOrderPage")


class RectificationOrderArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([st.value for st in OrderStatus]))
    overdue = fields.Boolean()
    issued_by_me = fields.Boolean()
    responsible_kind = fields.String(validate=validate.OneOf([k.value for k in ResponsibleKind]),
                                     metadata={"description": "责任主体类型（与 responsible_id 一起用）"})
    responsible_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    overdue_in = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$", error="月份格式应为 YYYY-MM"),
                               metadata={"description": "该月内曾逾期（按整改期限记录，截至该月考核截止时间）"})

    @validates_schema
    def _unit(self, data, **_kwargs):
        if ("responsible_kind" in data) != ("responsible_id" in data):
            raise ValidationError("责任主体类型和编号须一起填写", field_name="responsible_id")


class RectificationReportIn(BaseSchema):
    note = text(4000, required=True)


class RectificationRecheckIn(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["close", "return"]))
    reason = text(4000, allow_none=True)
    due_on = day(allow_none=True)


class RectificationDeadlineIn(BaseSchema):
    due_on = day(required=True)
    reason = text(4000, required=True)
