"""满意度测评 API schemas: surveys with their results, responses with their answers."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, id_field, page_schema, text
from pm.models import SurveyStatus

MONTH = r"^[0-9]{4}-[0-9]{2}$"


class Score(fields.Field):
    """A 0–100 score or a percentage as a decimal string with two places ("70.83"); null when there is none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"type": "string", "example": "70.83", "nullable": True})
        super().__init__(dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:.2f}"


class ResultOut(BaseSchema):
    score = Score()
    responses = fields.Integer()
    households = fields.Integer()
    response_rate = Score()


class SurveyOut(BaseSchema):
    id = fields.Integer()
    compound_id = fields.Integer()
    compound_name = fields.String(attribute="compound.name")
    month = fields.String()
    status = fields.String()
    questions = fields.List(fields.String())
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    result = fields.Nested(ResultOut)


SurveyPage = page_schema(SurveyOut, "SurveyPage")


class SurveyArgs(PageArgs):
    month = fields.String(validate=validate.Regexp(MONTH))
    status = fields.String(validate=validate.OneOf([s.value for s in SurveyStatus]))
    compound_id = id_field()


class SurveyIn(BaseSchema):
    compound_id = id_field(required=True)
    month = fields.String(required=True, validate=validate.Regexp(MONTH), metadata={"example": "2026-11"})
    questions = fields.List(text(200), validate=validate.Length(min=1, max=30),
                            metadata={"description": "默认：区县的默认问题"})


class ResponseIn(BaseSchema):
    household_id = id_field(required=True)
    answers = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=5)), required=True,
                          validate=validate.Length(min=1, max=30), metadata={"description": "每题 1–5 分，按问题顺序"})
    paper = fields.Boolean(load_default=False, metadata={"description": "社区录入纸质问卷"})


class ResponseOut(BaseSchema):
    id = fields.Integer()
    survey_id = fields.Integer()
    household_id = fields.Integer()
    is_paper = fields.Boolean()
    entered_by = fields.String(attribute="entered_by.display_name")
    created_at = fields.DateTime()
    answers = fields.Method("_answers")

    def _answers(self, obj):
        return [a.value for a in obj.answers]


ResponsePage = page_schema(ResponseOut, "SurveyResponsePage")
