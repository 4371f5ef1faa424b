"""网格与志愿者 API schemas."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, day, id_field, page_schema, text
from pm.models import VolunteerActivity


class GridOut(BaseSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
    worker_name = fields.String()
    worker_phone = fields.String(allow_none=True)
    party_group = fields.String(allow_none=True)
    compound_ids = fields.Function(lambda g: [c.id for c in g.compounds])
    building_ids = fields.Function(lambda g: [b.id for b in g.buildings])


GridPage = page_schema(GridOut, "GridPage")


class GridIn(BaseSchema):
    community_id = id_field(required=True)
    name = text(64, required=True)
    worker_name = text(64, required=True)
    worker_phone = text(20, allow_none=True)
    party_group = text(64, allow_none=True)
    compound_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=200))
    building_ids = fields.List(id_field(), load_default=list, validate=validate.Length(max=500))


class VolunteerOut(BaseSchema):
    id = fields.Integer()
    person_id = fields.Integer()
    name = fields.String(attribute="person.name")
    compound_id = fields.Integer()
    grid_id = fields.Integer(allow_none=True)
    activity = fields.String()
    joined_on = fields.Date()


VolunteerPage = page_schema(VolunteerOut, "VolunteerPage")


class VolunteerArgs(PageArgs):
    activity = fields.String(validate=validate.OneOf([a.value for a in VolunteerActivity]))


class JoinIn(BaseSchema):
    activity = fields.String(required=True, validate=validate.OneOf([a.value for a in VolunteerActivity]))
    household_id = id_field(allow_none=True, load_default=None)


class HoursIn(BaseSchema):
    served_on = day(allow_none=True, load_default=None)
    hours = fields.Raw(required=True, metadata={"type": "string", "example": "2.5"})
    note = text(200, allow_none=True)


class HoursOut(BaseSchema):
    id = fields.Integer()
    volunteer_id = fields.Integer()
    served_on = fields.Date()
    hours = fields.Function(lambda h: str(h.hours), metadata={"type": "string"})
    note = fields.String(allow_none=True)


HoursPage = page_schema(HoursOut, "VolunteerHoursPage")


class TallyArgs(BaseSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class TallyRowOut(BaseSchema):
    key = fields.Integer(allow_none=True)
    name = fields.String()
    volunteers = fields.Integer()
    hours = fields.Function(lambda r: str(r.hours), metadata={"type": "string"})


class TallyOut(BaseSchema):
    year = fields.Integer()
    per_grid = fields.List(fields.Nested(TallyRowOut))
    per_person = fields.List(fields.Nested(TallyRowOut))
