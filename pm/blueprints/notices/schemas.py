"""公告 API schemas."""
from __future__ import annotations

from flask import url_for
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, day, id_field, page_schema, text
from pm.models import NoticeKind


class NoticeFileOut(BaseSchema):
    """A notice's file; GET `url` (the scoped download) serves it."""

    id = fields.Integer()
    name = fields.String()
    content_type = fields.String()
    url = fields.Function(lambda f: url_for("files_api.Download", kind="notice_file", file_id=f.id),
                          metadata={"type": "string"})


class NoticeFiles(BaseSchema):
    """Multipart `files`: the files to attach (as on the page)."""

    files = fields.List(Upload(), load_default=list, metadata={
        "description": "PDF, JPEG, PNG or WebP by content (not by name), at most 10 MB each and 6 in all"})


class NoticeOut(BaseSchema):
    """A notice; `read_households`/`households` are given to those who post notices."""

    id = fields.Integer()
    kind = fields.String()
    compound_id = fields.Integer(allow_none=True)
    street_id = fields.Integer(allow_none=True, metadata={"description": "街道公告（考核通报）：只给街道、社区和服务站的工作人员看"})
    building_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    title = fields.String()
    body = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    link = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    source_id = fields.Integer(allow_none=True)
    attachments = fields.List(fields.Nested(NoticeFileOut))
    read_households = fields.Integer(allow_none=True)
    households = fields.Integer(allow_none=True)


NoticePage = page_schema(NoticeOut, "NoticePage")


class NoticeArgs(PageArgs):
    current = fields.Boolean(load_default=False)


class NoticeIn(BaseSchema):
    """A notice to a compound, or one building or unit of it (its files: POST /notices/{notice_id}/attachments,
    multipart)."""

    kind = fields.String(load_default=NoticeKind.NOTICE.value, validate=validate.OneOf([k.value for k in NoticeKind]))
    compound_id = id_field(allow_none=True, load_default=None)
    building_id = id_field(allow_none=True, load_default=None)
    unit_id = id_field(allow_none=True, load_default=None)
    title = text(200, required=True)
    body = text(20000, allow_none=True)
    starts_on = day(allow_none=True, load_default=None)
    ends_on = day(allow_none=True, load_default=None)


class NoticeReadOut(BaseSchema):
    households = fields.Integer(metadata={"description": "households newly recorded as having read it"})


class UnreadHouseholdOut(BaseSchema):
    id = fields.Integer()
    label = fields.String()
    owners = fields.String()


UnreadPage = page_schema(UnreadHouseholdOut, "UnreadHouseholdPage")
