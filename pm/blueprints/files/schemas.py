"""Uploads and downloads through the API: multipart forms (the same fields as the pages) and what was stored."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, day, id_field, multipart, text  # noqa: F401  (multipart: api.py)
from pm.models import CheckinStatus, RepairCategory, Shift, Urgency

PHOTOS = "JPEG, PNG or WebP by content (not by name), at most 8 MB each and 6 in all"


class OneFile(BaseSchema):
    file = Upload(required=True, metadata={"description": "PDF, JPEG or PNG by content, at most 10 MB"})


class Photos(BaseSchema):
    photos = fields.List(Upload(), load_default=list, metadata={"description": PHOTOS})


class OnePhoto(BaseSchema):
    photo = Upload(load_default=None, metadata={"description": PHOTOS})


class CheckinForm(BaseSchema):
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in CheckinStatus]))
    note = text(4000, load_default=None)


class NoteForm(BaseSchema):
    note = text(2000, required=True)


class WorkLogForm(BaseSchema):
    team_id = id_field(strict=False, required=True)
    log_on = day(required=True)
    shift = fields.String(required=True, validate=validate.OneOf([s.value for s in Shift]))
    content = text(4000, required=True)


class RepairForm(BaseSchema):
    compound_id = id_field(strict=False, required=True)
    category = fields.Enum(RepairCategory, by_value=True, required=True)
    urgency = fields.Enum(Urgency, by_value=True, load_default=Urgency.NORMAL)
    description = text(2000, required=True, validate=validate.Length(min=5))
    household_id = id_field(strict=False, load_default=None)
    building_id = id_field(strict=False, load_default=None)
    unit_id = id_field(strict=False, load_default=None)
    location_note = text(200, load_default=None)
    confirm_duplicate = fields.Boolean(load_default=False)


class StoredOut(BaseSchema):
    """One stored file: GET `url` (the scoped download) serves it."""

    kind = fields.String()
    id = fields.Integer()
    url = fields.String()
    filename = fields.String(allow_none=True)
    content_type = fields.String()


class UploadedOut(BaseSchema):
    """The record the upload belongs to, its state, and its files of this kind."""

    record = fields.String(metadata={"description": "plan, checkin, rectification, repair or work_log"})
    id = fields.Integer()
    status = fields.String(allow_none=True)
    files = fields.List(fields.Nested(StoredOut))

