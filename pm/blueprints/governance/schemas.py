"""Governance API schemas: bodies, members' terms, committee logins, coverage."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, day, id_field, text
from pm.models import BodyType, PartyLevel, Position


class GovPersonOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class GovMemberOut(BaseSchema):
    """One term on one seat."""

    id = fields.Integer()
    body_id = fields.Integer()
    seat = fields.Integer()
    person = fields.Nested(GovPersonOut)
    position = fields.String()
    is_party_member = fields.Boolean()
    phone = fields.String(allow_none=True)
    started_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    election_id = fields.Integer(allow_none=True)


class GovBodyOut(BaseSchema):
    """A body with every term (current and past) of its members."""

    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    community_id = fields.Integer()
    compound_id = fields.Integer(allow_none=True)
    station_id = fields.Integer(allow_none=True)
    party_level = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    term_starts_on = fields.Date(allow_none=True)
    term_ends_on = fields.Date(allow_none=True)
    filed_on = fields.Date(allow_none=True)
    members = fields.List(fields.Nested(GovMemberOut))


class GovFirmOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class GovStationOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    firm = fields.Nested(GovFirmOut, allow_none=True)


class GovPanelOut(BaseSchema):
    """The four bodies: party organisation, residents' committee, owners' committee or stand-in, stations."""

    party = fields.Nested(GovBodyOut, allow_none=True)
    residents = fields.Nested(GovBodyOut, allow_none=True)
    owners = fields.Nested(GovBodyOut, allow_none=True)
    stand_in = fields.Nested(GovBodyOut, allow_none=True)
    stations = fields.List(fields.Nested(GovStationOut))
    complete = fields.Boolean()


class GovBodyIn(BaseSchema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in BodyType]))
    community_id = id_field(load_default=None)
    compound_id = id_field(load_default=None)
    station_id = id_field(load_default=None)
    name = text(120, load_default=None, allow_none=True)
    party_level = fields.String(load_default=None, allow_none=True,
                                validate=validate.OneOf([p.value for p in PartyLevel]))
    phone = text(20, load_default=None, allow_none=True)


class GovMemberIn(BaseSchema):
    """A term: an existing person (person_id) or a new one (name, phone)."""

    person_id = id_field(load_default=None)
    name = text(64, load_default=None, allow_none=True)
    position = fields.String(required=True, validate=validate.OneOf([p.value for p in Position]))
    seat = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=99))
    is_party_member = fields.Boolean(load_default=False)
    phone = text(20, load_default=None, allow_none=True)
    started_on = day(required=True)
    ends_on = day(load_default=None, allow_none=True)


class GovTermIn(BaseSchema):
    ends_on = day(required=True, allow_none=True)


class GovLoginIn(BaseSchema):
    user_id = id_field(required=True)


class CoverageArgs(PageArgs):
    street_id = id_field(load_default=None)
    community_id = id_field(load_default=None)
    criterion = fields.String(load_default=None, validate=validate.OneOf(
        ["service", "committee", "fund", "bodies"]))
    missing = fields.Boolean(load_default=False)


class CoverageRowOut(BaseSchema):
    key = fields.String()
    id = fields.Integer()
    name = fields.String()
    compounds = fields.Integer()
    service = fields.Integer()
    committee = fields.Integer()
    fund = fields.Integer()
    bodies = fields.Integer()
    percents = fields.Dict(keys=fields.String(), values=fields.Integer())


class CoverageOut(BaseSchema):
    fund_percent = fields.Integer()
    meetings_known = fields.Boolean()
    total = fields.Nested(CoverageRowOut)
    streets = fields.List(fields.Nested(CoverageRowOut))
    communities = fields.List(fields.Nested(CoverageRowOut))


class CoverageCompoundOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    community_id = fields.Integer()
    street_id = fields.Integer()
    service = fields.Boolean()
    committee = fields.Boolean()
    fund = fields.Boolean()
    bodies = fields.Boolean()


class CoverageCompoundsOut(PageFields):
    items = fields.List(fields.Nested(CoverageCompoundOut))
