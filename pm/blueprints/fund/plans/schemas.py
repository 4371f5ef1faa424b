"""使用方案 API schemas: plans, transitions, ballots, tally and apportionment shares.

Money is integer fen; areas are decimal strings; input schemas refuse unknown fields.
"""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, id_field, page_schema, text
from pm.blueprints.voteschemas import ChoiceReceiptBaseOut, OwnerContactOut, PaperEntryOut, TallyBaseOut
from pm.models.fund import DecisionKind, PlanStatus
from pm.models.votes import VoteChoice
from pm.services.fund.plans import MAX_BUDGET_FEN, TRANSITION_TARGETS


def fen(**kwargs) -> fields.Integer:
    """Money in integer fen (strict: 12.5 or "100" is refused)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_BUDGET_FEN), **kwargs)


def area_out(**kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, places=2, metadata={"type": "string", "example": "65.50"}, **kwargs)


class PlanScopeIn(BaseSchema):
    """列支范围: whole compound, or lists of building/unit/household ids of the compound."""

    whole = fields.Boolean(allow_none=True)
    building_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=500))
    unit_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=2000))
    household_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=20000))


class PlanArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in PlanStatus]))
    compound_id = id_field()


class PlanCreateIn(BaseSchema):
    """A new draft plan."""

    compound_id = id_field(required=True)
    title = text(120, required=True)
    shared_part = text(200, required=True)
    reason = text(5000, required=True)
    budget_fen = fen(required=True)
    contractor = text(120, allow_none=True)
    decision_kind = fields.String(load_default="use_fund", validate=validate.OneOf([k.value for k in DecisionKind]))
    scope = fields.Nested(PlanScopeIn, load_default=dict)
    not_under_warranty = fields.Boolean(load_default=False)
    not_utility_duty = fields.Boolean(load_default=False)
    not_caused_damage = fields.Boolean(load_default=False)
    not_contract_duty = fields.Boolean(load_default=False)
    is_emergency = fields.Boolean(load_default=False)
    emergency_reason = text(64, allow_none=True)
    repair_request_id = id_field(allow_none=True)


class PlanPatchIn(BaseSchema):
    """Changes to a draft."""

    title = text(120)
    shared_part = text(200)
    reason = text(5000)
    budget_fen = fen()
    contractor = text(120, allow_none=True)
    decision_kind = fields.String(validate=validate.OneOf([k.value for k in DecisionKind]))
    scope = fields.Nested(PlanScopeIn)
    not_under_warranty = fields.Boolean()
    not_utility_duty = fields.Boolean()
    not_caused_damage = fields.Boolean()
    not_contract_duty = fields.Boolean()
    is_emergency = fields.Boolean()
    emergency_reason = text(64, allow_none=True)
    repair_request_id = id_field(allow_none=True)


class PlanTransitionIn(BaseSchema):
    """A state change: {to: publicised | voting | close_vote | passed | rejected | works_done | settled |
    payment_approved | charged | cancelled}; settled needs actual_cost_fen, rejected needs a reason."""

    to = fields.String(required=True, validate=validate.OneOf(TRANSITION_TARGETS))
    reason = text(200, allow_none=True)
    actual_cost_fen = fen()


class PlanBallotIn(BaseSchema):
    """One dwelling's ballot: an owner's own, or a paper ballot entered by the committee (person_id)."""

    household_id = id_field(required=True)
    choice = fields.String(required=True, validate=validate.OneOf([c.value for c in VoteChoice]))
    is_paper = fields.Boolean(load_default=False)
    person_id = id_field()


class PlanScopeOut(BaseSchema):
    id = fields.Integer()
    building_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)


class PlanDocumentOut(BaseSchema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    uploaded_at = fields.DateTime()


class PlanOut(BaseSchema):
    """使用方案."""

    id = fields.Integer()
    compound_id = fields.Integer()
    compound_name = fields.String(attribute="compound.name")
    title = fields.String()
    shared_part = fields.String()
    reason = fields.String()
    budget_fen = fields.Integer()
    actual_cost_fen = fields.Integer(allow_none=True)
    contractor = fields.String(allow_none=True)
    decision_kind = fields.String()
    status = fields.String()
    is_emergency = fields.Boolean()
    emergency_reason = fields.String(allow_none=True)
    not_under_warranty = fields.Boolean()
    not_utility_duty = fields.Boolean()
    not_caused_damage = fields.Boolean()
    not_contract_duty = fields.Boolean()
    publicity_days = fields.Integer()
    publicised_on = fields.Date(allow_none=True)
    vote_closes_on = fields.Date(allow_none=True)
    approver = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    rejected_reason = fields.String(allow_none=True)
    rounding_method = fields.String()
    repair_request_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    scopes = fields.List(fields.Nested(PlanScopeOut))


class HouseholdCostOut(BaseSchema):
    """What the plan costs one household: its part of the apportionment of the budget (before settling), of the
    actual cost (settled, not charged) or the charged shares; summed over the household's sub-accounts."""

    household_id = fields.Integer()
    household = fields.String(metadata={"description": "door number, e.g. 3号楼2单元501"})
    basis = fields.String(metadata={"description": "budget | actual | charged"})
    total_fen = fields.Integer(metadata={"description": "the amount split among the plan's households"})
    area_m2 = area_out()
    share_fen = fields.Integer()
    balance_fen = fields.Integer(metadata={"description": "the accounts' balance (charged: what was charged)"})
    from_fund_fen = fields.Integer(metadata={"description": "what the fund balance pays of the share"})
    shortfall_fen = fields.Integer(metadata={"description": "what the owner has to pay in"})
    has_account = fields.Boolean()


class PlanDetailOut(PlanOut):
    documents = fields.List(fields.Nested(PlanDocumentOut), attribute="document_list")
    my_costs = fields.List(fields.Nested(HouseholdCostOut), attribute="my_cost_list",
                           metadata={"description": "what the plan costs each of the caller's own dwellings"})


PlanPage = page_schema(PlanOut, "PlanPage")


class PlanBallotOut(BaseSchema):
    """A ballot on a plan (it belongs to the plan's decision), with its receipt number."""

    FROM_BALLOT = ("id", "household_id", "person_id", "choice", "is_paper", "entered_by_id", "cast_at")
    id = fields.Integer()
    receipt_no = fields.String()
    plan_id = fields.Integer()
    household_id = fields.Integer()
    person_id = fields.Integer()
    choice = fields.String()
    is_paper = fields.Boolean()
    entered_by_id = fields.Integer(allow_none=True)
    cast_at = fields.DateTime()


class PlanShareOut(BaseSchema):
    account_id = fields.Integer()
    household_id = fields.Integer()
    holder = fields.String()
    area_m2 = area_out()
    share_fen = fields.Integer()
    charged_fen = fields.Integer()
    shortfall_fen = fields.Integer()


class PlanSharesOut(BaseSchema):
    """The apportionment: a preview (not charged) from 'settled', the recorded shares once charged."""

    preview = fields.Boolean()
    total_fen = fields.Integer()
    charged_fen = fields.Integer()
    shortfall_fen = fields.Integer()
    rounding_method = fields.String()
    households_without_account = fields.List(fields.Integer())
    items = fields.List(fields.Nested(PlanShareOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class PlanTallyOut(TallyBaseOut):
    """Live tally: totals, participation, yes/no/abstain by area and heads, exact fractions, outcome."""

    decision_kind = fields.String()
    threshold = fields.String()


class ReceiptOut(ChoiceReceiptBaseOut):
    """投票回执: one ballot with its receipt number."""

    plan_id = fields.Integer()


class MyVoteDwellingOut(BaseSchema):
    household_id = fields.Integer()
    household = fields.String()
    cost = fields.Nested(HouseholdCostOut, allow_none=True)
    receipt = fields.Nested(ReceiptOut, allow_none=True, metadata={"description": "null: not voted yet"})


class MyVoteOut(BaseSchema):
    """The caller's dwellings that vote on the plan: what each pays and its ballot's receipt (if voted)."""

    plan_id = fields.Integer()
    voting = fields.Boolean()
    vote_closes_on = fields.Date(allow_none=True)
    dwellings = fields.List(fields.Nested(MyVoteDwellingOut))


class UnvotedOut(BaseSchema):
    household_id = fields.Integer(attribute="household.id")
    household = fields.String(attribute="household.label")
    building = fields.String(attribute="household.building.name")
    unit = fields.String(attribute="household.unit.name")
    room_no = fields.String(attribute="household.room_no")
    area_m2 = area_out(attribute="household.area_m2")
    owners = fields.List(fields.Nested(OwnerContactOut))


class UnvotedListOut(PageFields):
    """未投票住户: dwellings of the vote without a ballot, in door order, with owners and phones."""

    plan_id = fields.Integer()
    total = fields.Integer()
    items = fields.List(fields.Nested(UnvotedOut))


class PaperEntryListOut(PageFields):
    """纸质票: the paper ballots with the account that entered each and when."""

    plan_id = fields.Integer()
    total = fields.Integer()
    items = fields.List(fields.Nested(PaperEntryOut))
