"""表决事项 API schemas: motions, the cost table, affected households, transitions, ballots, tally, policy.

Money is integer fen; areas and coefficients are decimal strings; input schemas refuse unknown fields.
"""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, day, id_field, page_schema, text
from pm.blueprints.voteschemas import ChoiceReceiptBaseOut, OwnerContactOut, PaperEntryOut, TallyBaseOut
from pm.models.motions import MotionKind, MotionStatus
from pm.models.votes import VoteChoice
from pm.services.motions import TARGETS
from pm.services.motions.drafts import MAX_COST_FEN


def decimal_out(places: int, **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, places=places, metadata={"type": "string"}, **kwargs)


class MotionArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in MotionStatus]))
    compound_id = id_field()
    due = fields.Boolean(metadata={"description": "true: only motions awaiting a ballot of the caller (owners)"})


class MotionCreateIn(BaseSchema):
    compound_id = id_field(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in MotionKind]))
    title = text(120, required=True)
    body = text(5000, required=True)
    unit_id = id_field(allow_none=True, metadata={"description": "elevator motions: the unit that votes"})


class CoefficientIn(BaseSchema):
    floor = fields.Integer(strict=True, required=True, validate=validate.Range(min=-5, max=120))
    coefficient = fields.Raw(required=True, metadata={"type": "string", "example": "1.20",
                                                      "description": "a positive decimal, at most 3 places"})


class CostsIn(BaseSchema):
    """费用共担表: the total cost in fen and a positive coefficient for every floor of the unit."""

    total_cost_fen = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_COST_FEN))
    coefficients = fields.List(fields.Nested(CoefficientIn), required=True, validate=validate.Length(min=1, max=130))


class AffectedIn(BaseSchema):
    household_ids = fields.List(id_field(), required=True, validate=validate.Length(max=500))


class MotionTransitionIn(BaseSchema):
    """{to: publicity (publicity_until) | voting (closes_on) | closed | cancelled}."""

    to = fields.String(required=True, validate=validate.OneOf(TARGETS))
    publicity_until = day(allow_none=True)
    closes_on = day(allow_none=True)


class CoefficientOut(BaseSchema):
    floor = fields.Integer()
    coefficient = decimal_out(3)


class AffectedOut(BaseSchema):
    household_id = fields.Integer()
    household = fields.String(attribute="household.label")


class CostRowOut(BaseSchema):
    household_id = fields.Integer()
    household = fields.String()
    floor = fields.Integer()
    coefficient = decimal_out(3)
    area_m2 = decimal_out(2)
    share_fen = fields.Integer()


class MotionOut(BaseSchema):
    id = fields.Integer()
    compound_id = fields.Integer()
    compound = fields.String(attribute="compound.name")
    unit_id = fields.Integer(allow_none=True)
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    status = fields.String()
    total_cost_fen = fields.Integer(allow_none=True)
    cost_by_area = fields.Boolean()
    consent_required = fields.Boolean()
    publicity_from = fields.Date(allow_none=True)
    publicity_until = fields.Date(allow_none=True)
    decision_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


MotionPage = page_schema(MotionOut, "MotionPage")


class MotionDetailOut(MotionOut):
    threshold = fields.String()
    coefficients = fields.List(fields.Nested(CoefficientOut))
    affected = fields.List(fields.Nested(AffectedOut))
    cost_table = fields.List(fields.Nested(CostRowOut), metadata={"description": "published parts (draft: preview)"})
    my_costs = fields.List(fields.Nested(CostRowOut), metadata={"description": "the caller's own households' parts"})


class MotionBallotIn(BaseSchema):
    household_id = id_field(required=True)
    choice = fields.String(required=True, validate=validate.OneOf([c.value for c in VoteChoice]))
    person_id = id_field(allow_none=True, metadata={"description": "paper ballots: the owner who voted"})
    is_paper = fields.Boolean(load_default=False)


class MotionReceiptOut(ChoiceReceiptBaseOut):
    """投票回执: one ballot with its receipt number."""

    motion_id = fields.Integer()


class MyMotionDwellingOut(BaseSchema):
    household_id = fields.Integer()
    household = fields.String()
    cost = fields.Nested(CostRowOut, allow_none=True)
    receipt = fields.Nested(MotionReceiptOut, allow_none=True, metadata={"description": "null: not voted yet"})


class MyMotionVoteOut(BaseSchema):
    motion_id = fields.Integer()
    voting = fields.Boolean()
    closes_on = fields.Date(allow_none=True)
    dwellings = fields.List(fields.Nested(MyMotionDwellingOut))


class ConsentOut(BaseSchema):
    required = fields.List(fields.Integer())
    agreed = fields.List(fields.Integer())
    refused = fields.List(fields.Integer())
    not_voted = fields.List(fields.Integer())
    met = fields.Boolean()


class MotionTallyOut(TallyBaseOut):
    """The tally by area and heads with exact fractions, the rule, and the affected households' consent."""

    motion_id = fields.Integer()
    kind = fields.String()
    rule = fields.String()
    threshold = fields.String()
    tally_passes = fields.Boolean()
    consent_required = fields.Boolean()
    consent = fields.Nested(ConsentOut, allow_none=True)
    outcome = fields.String(allow_none=True)


class MotionUnvotedOut(BaseSchema):
    household_id = fields.Integer(attribute="household.id")
    household = fields.String(attribute="household.label")
    area_m2 = decimal_out(2, attribute="household.area_m2")
    owners = fields.List(fields.Nested(OwnerContactOut))


class MotionUnvotedListOut(PageFields):
    motion_id = fields.Integer()
    items = fields.List(fields.Nested(MotionUnvotedOut))


class MotionPaperListOut(PageFields):
    motion_id = fields.Integer()
    items = fields.List(fields.Nested(PaperEntryOut))


class MotionPolicyIn(BaseSchema):
    affected_consent = fields.Boolean(required=True)
    cost_by_area = fields.Boolean(required=True)


class MotionPolicyOut(BaseSchema):
    county_id = fields.Integer()
    affected_consent = fields.Boolean()
    cost_by_area = fields.Boolean()
