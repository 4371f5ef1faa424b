"""API schema pieces shared by every vote on the vote engine (fund plans, owner motions, committee elections): the
ballot receipt, the tally by area and heads, the owners of an unvoted dwelling and a paper-ballot entry. Each
vote's schemas add the field naming their subject (plan_id, motion_id, election_id) to these."""
from __future__ import annotations

from marshmallow import fields

from pm.blueprints.apiutil import BaseSchema


class BallotBaseOut(BaseSchema):
    """投票回执: one ballot with its receipt number."""

    receipt_no = fields.String()
    ballot_id = fields.Integer()
    decision_id = fields.Integer()
    title = fields.String()
    household_id = fields.Integer()
    household = fields.String()
    person_id = fields.Integer()
    person_name = fields.String()
    is_paper = fields.Boolean()
    cast_at = fields.DateTime()


class ChoiceReceiptBaseOut(BallotBaseOut):
    """The receipt of a yes/no/abstain ballot (plans, motions), with who entered it when it was on paper."""

    choice = fields.String()
    entered_by_id = fields.Integer(allow_none=True)


class TallyBaseOut(BaseSchema):
    """Dwellings, ballots and the yes/no/abstain totals by area (decimal strings) and heads, exact fractions."""

    dwellings = fields.Integer()
    without_owner = fields.Integer()
    ballots = fields.Integer()
    paper_ballots = fields.Integer()
    total_area = fields.String()
    total_heads = fields.Integer()
    part_area = fields.String()
    part_heads = fields.Integer()
    yes_area = fields.String()
    yes_heads = fields.Integer()
    no_area = fields.String()
    no_heads = fields.Integer()
    abstain_area = fields.String()
    abstain_heads = fields.Integer()
    fractions = fields.Dict(keys=fields.String(), values=fields.Dict(allow_none=True))
    quorum_met = fields.Boolean()
    majority_met = fields.Boolean()
    passes = fields.Boolean()


class OwnerContactOut(BaseSchema):
    """An owner of a dwelling that has not voted, with the phone for collecting the ballot at the door."""

    person_id = fields.Integer(attribute="id")
    name = fields.String()
    phone = fields.String(allow_none=True)


class PaperEntryOut(BaseSchema):
    """A paper ballot with the account that entered it and when."""

    ballot_id = fields.Integer()
    household_id = fields.Integer(attribute="household.id")
    household = fields.String(attribute="household.label")
    person_name = fields.String()
    choice = fields.String()
    entered_by_id = fields.Integer(allow_none=True)
    entered_by = fields.String()
    cast_at = fields.DateTime()
