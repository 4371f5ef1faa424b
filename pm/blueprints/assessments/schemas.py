"""月度考核 API schemas: schemes with categories and items, periods, scores with lines, appeals, adjustments, events."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext
from marshmallow import ValidationError, fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, day, id_field, page_schema, text
from pm.models import AppealStatus, ItemSource, PeriodStatus, SchemeStatus, UnitKind


class Points(fields.Field):
    """分值: a decimal string ("0.50") or JSON number, read exactly (checked by the service)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "example": "2.00"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{Decimal(value):.2f}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValidationError(gettext("分值必须是数字，最多两位小数"))
        return repr(value) if isinstance(value, float) else str(value)


class AssessmentItemIO(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = text(32, required=True)
    name = text(120, required=True)
    max_points = Points(required=True)
    monthly_cap = Points(load_default=None, allow_none=True)
    source = fields.Enum(ItemSource, by_value=True, required=True)
    params = fields.Dict(keys=fields.String(), load_default=dict)


class AssessmentCategoryIO(BaseSchema):
    id = fields.Integer(dump_only=True)
    code = text(32, required=True)
    name = text(80, required=True)
    max_points = Points(required=True)
    items = fields.List(fields.Nested(AssessmentItemIO), load_default=list)


class AssessmentSchemeOut(BaseSchema):
    id = fields.Integer()
    county_id = fields.Integer()
    kind = fields.Enum(UnitKind, by_value=True)
    version = fields.Integer()
    name = fields.String()
    status = fields.Enum(SchemeStatus, by_value=True)
    active_from = fields.Date(allow_none=True)
    full_marks = Points()
    log_delay_days = fields.Integer()


class AssessmentSchemeDetailOut(AssessmentSchemeOut):
    categories = fields.List(fields.Nested(AssessmentCategoryIO))


SchemePage = page_schema(AssessmentSchemeOut, "AssessmentSchemePage")


class AssessmentSchemeNew(BaseSchema):
    kind = fields.Enum(UnitKind, by_value=True, required=True)


class AssessmentSchemeUpdate(BaseSchema):
    name = text(120)
    full_marks = Points()
    log_delay_days = fields.Integer(validate=validate.Range(min=0, max=31))
    categories = fields.List(fields.Nested(AssessmentCategoryIO))


class AssessmentActivate(BaseSchema):
    active_from = day(required=True)


class AssessmentPeriodOut(BaseSchema):
    id = fields.Integer()
    county_id = fields.Integer()
    month = fields.String()
    status = fields.Enum(PeriodStatus, by_value=True)
    cutoff_at = fields.DateTime()
    scheme_ids = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    computed_at = fields.DateTime(allow_none=True)
    review_ends_on = fields.Date(allow_none=True)
    published_at = fields.DateTime(allow_none=True)


PeriodPage = page_schema(AssessmentPeriodOut, "AssessmentPeriodPage")


class AssessmentPeriodNew(BaseSchema):
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"))


class AssessmentPeriodAction(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(["compute", "review", "close_review", "publish",
                                                                     "lock"]))


class AssessmentLineOut(BaseSchema):
    id = fields.Integer()
    item_id = fields.Integer()
    category_code = fields.String()
    category_name = fields.String()
    item_name = fields.String()
    points = Points()
    computed_points = Points()
    rule = fields.String()
    refs = fields.Dict()
    change_reason = fields.String(allow_none=True)


class AssessmentAdjustmentOut(BaseSchema):
    id = fields.Integer()
    points = Points()
    reason = fields.String()
    actor_id = fields.Integer()
    created_at = fields.DateTime()


class RankedOut(BaseSchema):
    """A unit's score as ranked (bulletins, rankings)."""

    id = fields.Integer()
    unit_kind = fields.Enum(UnitKind, by_value=True)
    unit_id = fields.Integer()
    unit_name = fields.String()
    street_id = fields.Integer()
    total = Points()
    rank = fields.Integer()
    is_vetoed = fields.Boolean()


class AssessmentScoreOut(RankedOut):
    period_id = fields.Integer()
    scheme_id = fields.Integer()


class AssessmentScoreDetailOut(AssessmentScoreOut):
    lines = fields.List(fields.Nested(AssessmentLineOut))
    adjustments = fields.List(fields.Nested(AssessmentAdjustmentOut))


ScorePage = page_schema(AssessmentScoreOut, "AssessmentScorePage")


class AssessmentScoreArgs(PageArgs):
    kind = fields.Enum(UnitKind, by_value=True)


class AssessmentAppealIn(BaseSchema):
    reason = text(2000, required=True)


class AssessmentAppealOut(BaseSchema):
    id = fields.Integer()
    line_id = fields.Integer()
    score_id = fields.Integer()
    period_id = fields.Integer()
    status = fields.Enum(AppealStatus, by_value=True)
    reason = fields.String()
    filed_by_id = fields.Integer()
    filed_at = fields.DateTime()
    decision = fields.String(allow_none=True)
    new_points = Points(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class AssessmentAppealList(PageFields):
    items = fields.List(fields.Nested(AssessmentAppealOut))


class AssessmentDecisionIn(BaseSchema):
    upheld = fields.Boolean(required=True)
    decision = text(2000, required=True)
    new_points = Points(load_default=None, allow_none=True)


class AssessmentAdjustmentIn(BaseSchema):
    points = Points(required=True)
    reason = text(2000, required=True)


class AssessmentEventIn(BaseSchema):
    unit_kind = fields.Enum(UnitKind, by_value=True, required=True)
    unit_id = id_field(required=True)
    item_code = text(32, required=True)
    happened_on = day(required=True)
    note = text(2000, required=True)
    points = Points(load_default=None, allow_none=True)


class AssessmentEventOut(BaseSchema):
    id = fields.Integer()
    unit_kind = fields.Enum(UnitKind, by_value=True)
    unit_id = fields.Integer()
    item_code = fields.String(attribute="item.code")
    item_name = fields.String(attribute="item.name")
    happened_on = fields.Date()
    points = Points()
    note = fields.String()
    recorded_by_id = fields.Integer()


EventPage = page_schema(AssessmentEventOut, "AssessmentEventPage")
