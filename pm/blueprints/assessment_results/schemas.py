"""考核结果 API schemas: bulletins, ladder steps and settings, year-end results and items, what-if."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, id_field, page_schema, text
from pm.blueprints.assessments.schemas import Points, RankedOut
from pm.models import LadderStep, UnitKind


class BulletinArgs(BaseSchema):
    street_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class ProblemOut(BaseSchema):
    category = fields.String()
    lines = fields.Integer()
    units = fields.Integer()
    points_lost = Points()


class LadderStepOut(BaseSchema):
    id = fields.Integer()
    period_id = fields.Integer()
    month = fields.String()
    score_id = fields.Integer()
    unit_kind = fields.Enum(UnitKind, by_value=True)
    unit_id = fields.Integer()
    unit_name = fields.String()
    step = fields.Enum(LadderStep, by_value=True)
    level = fields.Integer()
    replace_provider = fields.Boolean()
    total = Points()
    rank = fields.Integer()
    notified = fields.List(fields.Integer())


class KindLists(BaseSchema):
    kind = fields.Enum(UnitKind, by_value=True)
    count = fields.Integer()
    top = fields.List(fields.Nested(RankedOut))
    bottom = fields.List(fields.Nested(RankedOut))


class BandOut(BaseSchema):
    band = fields.String()
    stations = fields.Integer()


class BulletinOut(BaseSchema):
    period_id = fields.Integer()
    month = fields.String()
    street_id = fields.Integer(allow_none=True)
    kinds = fields.List(fields.Nested(KindLists))
    problems = fields.List(fields.Nested(ProblemOut))
    steps = fields.List(fields.Nested(LadderStepOut))
    distribution = fields.List(fields.Nested(BandOut))
    streets = fields.List(fields.Nested(RankedOut))


class RankingArgs(PageArgs):
    kind = fields.Enum(UnitKind, by_value=True, required=True)
    street_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


RankingPage = page_schema(RankedOut, "RankingPage")


class LadderArgs(PageArgs):
    period_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    include_commended = fields.Boolean(load_default=False)


LadderPage = page_schema(LadderStepOut, "LadderStepPage")


class SettingsIO(BaseSchema):
    bottom_size = fields.Integer(required=True, metadata={"description": "每类单位最后几名（≥0）"})
    top_size = fields.Integer(required=True)
    threshold = Points(load_default=None, allow_none=True)
    steps = fields.List(fields.String(validate=validate.Length(max=32)), load_default=None,
                        validate=validate.Length(max=6))
    month_weights = fields.Dict(keys=fields.String(), values=fields.String(), dump_only=True)


class WeightsIn(BaseSchema):
    weights = fields.Dict(keys=fields.String(validate=validate.Length(max=2)), values=Points(), required=True,
                          allow_none=True, metadata={"description": '{"01": "10", …} 合计 100；null 为平均'})


class YearArgs(BaseSchema):
    kind = fields.Enum(UnitKind, by_value=True, load_default=UnitKind.STATION)
    street_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                               metadata={"description": "只看这个街道的单位（名次为街道内名次）"})


class YearRowOut(BaseSchema):
    rank = fields.Integer()
    unit_kind = fields.Enum(UnitKind, by_value=True)
    unit_id = fields.Integer()
    unit_name = fields.String()
    months = fields.Dict(keys=fields.String(), values=Points())
    weighted = Points()
    items = Points()
    final = Points()


class YearOut(BaseSchema):
    year = fields.Integer()
    kind = fields.Enum(UnitKind, by_value=True)
    months = fields.List(fields.String())
    weights = fields.Dict(keys=fields.String(), values=fields.String())
    street_id = fields.Function(lambda r: r.street.id if r.street else None, allow_none=True,
                                metadata={"type": "integer"})
    rows = fields.List(fields.Nested(YearRowOut))


class YearItemIn(BaseSchema):
    unit_kind = fields.Enum(UnitKind, by_value=True, required=True)
    unit_id = id_field(required=True)
    points = Points(required=True)
    reason = text(2000, required=True)


class YearItemOut(BaseSchema):
    id = fields.Integer()
    year = fields.Integer()
    unit_kind = fields.Enum(UnitKind, by_value=True)
    unit_id = fields.Integer()
    points = Points()
    reason = fields.String()
    created_at = fields.DateTime()


class WhatIfIn(BaseSchema):
    scheme_id = id_field(required=True)


class WhatIfRowOut(BaseSchema):
    unit_id = fields.Integer()
    unit_name = fields.String()
    street_id = fields.Integer()
    draft_total = Points()
    draft_rank = fields.Integer()
    draft_vetoed = fields.Boolean()
    total = Points(allow_none=True)
    rank = fields.Integer(allow_none=True)
    score_id = fields.Integer(allow_none=True)


class WhatIfOut(BaseSchema):
    period_id = fields.Integer()
    scheme_id = fields.Integer()
    rows = fields.List(fields.Nested(WhatIfRowOut))
