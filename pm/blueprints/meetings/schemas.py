"""联席会议 API schemas: meetings with attendees and files, action items."""
from __future__ import annotations

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, day, id_field, page_schema, text
from pm.models import BodyKind, ItemStatus
from pm.timeutil import local_today

BODY_KINDS = [k.value for k in BodyKind]


class UserRef(BaseSchema):
    id = fields.Integer()
    display_name = fields.String()


class AttendeeIn(BaseSchema):
    body_kind = fields.String(required=True, validate=validate.OneOf(BODY_KINDS))
    body_id = id_field(required=True)
    names = text(400, required=True)


class AttendeeOut(BaseSchema):
    body_kind = fields.String()
    body_id = fields.Integer()
    names = fields.String()


class MeetingFileOut(BaseSchema):
    """A meeting file; GET `url` (the scoped download) serves it."""

    id = fields.Integer()
    name = fields.String()
    content_type = fields.String()
    url = fields.Function(lambda f: url_for("files_api.Download", kind="meeting_file", file_id=f.id),
                          metadata={"type": "string"})


class EvidenceOut(MeetingFileOut):
    """Evidence of an action item; GET `url` (the scoped download) serves it."""

    url = fields.Function(lambda f: url_for("files_api.Download", kind="action_evidence", file_id=f.id),
                          metadata={"type": "string"})


class ItemReturnOut(BaseSchema):
    """退回重办: the convener's reason, who and when (empty for returns recovered from old notes), and the report
    it answered as typed."""

    id = fields.Integer()
    reason = fields.String()
    report_note = fields.String(allow_none=True)
    returned_by = fields.Nested(UserRef, allow_none=True)
    returned_at = fields.DateTime(allow_none=True)


class ActionItemOut(BaseSchema):
    """督办事项; `is_overdue` is computed at read time."""

    id = fields.Integer()
    meeting_id = fields.Integer()
    community_id = fields.Integer()
    compound_id = fields.Integer(allow_none=True)
    decision = fields.String()
    responsible_kind = fields.String()
    responsible_id = fields.Integer()
    responsible_name = fields.String()
    person_name = fields.String()
    due_on = fields.Date()
    status = fields.String()
    is_overdue = fields.Function(lambda item: item.is_overdue(local_today()), metadata={"type": "boolean"})
    report_note = fields.String(allow_none=True)
    reported_at = fields.DateTime(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceOut))
    returns = fields.List(fields.Nested(ItemReturnOut))


class MeetingOut(BaseSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    compound_id = fields.Integer(allow_none=True)
    held_on = fields.Date()
    convener = fields.Nested(UserRef)
    topics = fields.String()
    minutes = fields.String(allow_none=True)
    attendees = fields.List(fields.Nested(AttendeeOut))
    attachments = fields.List(fields.Nested(MeetingFileOut))
    items = fields.List(fields.Nested(ActionItemOut))


class MeetingSummaryOut(BaseSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    compound_id = fields.Integer(allow_none=True)
    held_on = fields.Date()
    convener = fields.Nested(UserRef)
    topics = fields.String()


MeetingPage = page_schema(MeetingSummaryOut, "MeetingPage")
ActionItemPage = page_schema(ActionItemOut, "ActionItemPage")


class MeetingIn(BaseSchema):
    """A joint meeting (its files: POST /meetings/{meeting_id}/attachments, multipart)."""

    community_id = id_field(required=True)
    compound_id = id_field(allow_none=True, load_default=None)
    held_on = day(required=True)
    topics = text(4000, required=True)
    minutes = text(4000, allow_none=True)
    attendees = fields.List(fields.Nested(AttendeeIn), load_default=list, validate=validate.Length(max=20))


class ActionItemIn(BaseSchema):
    """A decision: the responsible body (kind and its community/compound/station id), a person, a deadline."""

    decision = text(4000, required=True)
    responsible_kind = fields.String(required=True, validate=validate.OneOf(BODY_KINDS))
    responsible_id = id_field(required=True)
    person_name = text(64, required=True)
    due_on = day(allow_none=True, load_default=None)


class ItemArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in ItemStatus]))
    overdue = fields.Boolean()
    mine = fields.Boolean()


class ReportIn(BaseSchema):
    note = text(4000, required=True)


FILES = "PDF, JPEG, PNG or WebP by content (not by name), at most 10 MB each and 6 in all"


class MeetingFiles(BaseSchema):
    """Multipart `files`: the files to attach (as on the page)."""

    files = fields.List(Upload(), load_default=list, metadata={"description": FILES})


class ConfirmIn(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["confirm", "return"]))
    reason = text(400, allow_none=True)
