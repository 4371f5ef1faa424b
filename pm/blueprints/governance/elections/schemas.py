"""Election API schemas."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import Area, BaseSchema, PageArgs, PageFields, day, id_field, page_schema, text
from pm.blueprints.voteschemas import BallotBaseOut, OwnerContactOut
from pm.models import ElectionKind


class ElectionPersonOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class CandidateOut(BaseSchema):
    id = fields.Integer()
    person = fields.Nested(ElectionPersonOut)
    household_id = fields.Integer()
    is_party_member = fields.Boolean()
    nominated_by = fields.String(allow_none=True)
    statement = fields.String(allow_none=True)
    votes_area = Area(allow_none=True)
    votes_heads = fields.Integer(allow_none=True)
    rank = fields.Integer(allow_none=True)
    is_elected = fields.Boolean(allow_none=True)


class PrepMemberOut(BaseSchema):
    name = fields.String()
    side = fields.String()


class ElectionOut(BaseSchema):
    """业主委员会选举 with its preparatory group, candidates and (once counted) results."""

    id = fields.Integer()
    compound_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    seats = fields.Integer()
    term_years = fields.Integer()
    publicity_starts_on = fields.Date(allow_none=True)
    publicity_ends_on = fields.Date(allow_none=True)
    decision_id = fields.Integer(allow_none=True)
    counted_on = fields.Date(allow_none=True)
    elected_count = fields.Integer(allow_none=True)
    term_starts_on = fields.Date(allow_none=True)
    term_ends_on = fields.Date(allow_none=True)
    filed_on = fields.Date(allow_none=True)
    group = fields.List(fields.Nested(PrepMemberOut))
    candidates = fields.List(fields.Nested(CandidateOut))


ElectionPage = page_schema(ElectionOut, "ElectionPage")


class ElectionArgs(PageArgs):
    compound_id = id_field(load_default=None)


class PrepMemberIn(BaseSchema):
    name = text(64, required=True)
    side = fields.String(required=True, validate=validate.OneOf(["owner", "street", "community", "property"]))
    phone = text(20, load_default=None, allow_none=True)


class ElectionIn(BaseSchema):
    compound_id = id_field(required=True)
    kind = fields.String(load_default="first", validate=validate.OneOf([k.value for k in ElectionKind]))
    seats = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))
    term_years = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=99))
    group = fields.List(fields.Nested(PrepMemberIn), required=True, validate=validate.Length(min=1, max=30))


class CandidateIn(BaseSchema):
    person_id = id_field(required=True)
    household_id = id_field(required=True)
    is_party_member = fields.Boolean(load_default=False)
    nominated_by = text(64, load_default=None, allow_none=True)
    statement = text(2000, load_default=None, allow_none=True)


class PublicityIn(BaseSchema):
    starts_on = day(required=True)


class VotingIn(BaseSchema):
    opens_on = day(required=True)
    closes_on = day(required=True)


class ElectionBallotIn(BaseSchema):
    household_id = id_field(required=True)
    candidate_ids = fields.List(id_field(), required=True, validate=validate.Length(max=99))
    paper = fields.Boolean(load_default=False)
    person_id = id_field(load_default=None)


class ElectionBallotOut(BaseSchema):
    id = fields.Integer()
    household_id = fields.Integer()
    is_paper = fields.Boolean()
    candidate_ids = fields.List(fields.Integer())
    receipt_no = fields.String()


class FilingIn(BaseSchema):
    filed_on = day(required=True)


class EmptyIn(BaseSchema):
    pass


class OfficersIn(BaseSchema):
    """主任委员 and up to two 副主任委员 among the elected members (person ids); the others are 委员."""

    chair_person_id = id_field(required=True)
    vice_chair_person_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=99))
    effective_on = day(load_default=None, allow_none=True)


class OfficerOut(BaseSchema):
    id = fields.Integer()
    seat = fields.Integer()
    person_id = fields.Integer()
    person_name = fields.String(attribute="person.name")
    position = fields.String()
    started_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class OfficersOut(BaseSchema):
    election_id = fields.Integer()
    members = fields.List(fields.Nested(OfficerOut))


class ElectionReceiptOut(BallotBaseOut):
    """投票回执 of an election ballot (the vote engine's receipt) with the chosen candidates."""

    election_id = fields.Integer()
    candidate_ids = fields.List(fields.Integer())


class ElectionUnvotedOut(BaseSchema):
    household_id = fields.Integer(attribute="household.id")
    household = fields.String(attribute="household.label")
    area_m2 = Area(attribute="household.area_m2")
    owners = fields.List(fields.Nested(OwnerContactOut))


class ElectionUnvotedListOut(PageFields):
    election_id = fields.Integer()
    items = fields.List(fields.Nested(ElectionUnvotedOut))
