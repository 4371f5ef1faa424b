"""通知 API schemas."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, id_field, page_schema, text


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "只看未读"})
    kind = text(48, metadata={"description": "只看一类，如 repair.completed"})


class NotificationOut(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String(allow_none=True)
    link = fields.String(allow_none=True)
    subject = fields.String(allow_none=True, metadata={"description": "待办所指的对象，如 repair:12"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True, metadata={"description": "所要求的事已办（评价、复查）"})
    message = fields.Dict(allow_none=True, metadata={
        "description": "系统所写的标题和正文：消息 ID（msgid）与参数，{title: {msgid, params}, body: …}；title 和 body 为平台语言的文字"})


NotificationPage = page_schema(NotificationOut, "NotificationPage")


class KindGroupOut(BaseSchema):
    kind = fields.String()
    label = fields.String()
    total = fields.Integer()
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationOut))


class GroupsArgs(BaseSchema):
    unread = fields.Boolean(load_default=False)


class GroupsOut(BaseSchema):
    unread = fields.Integer(metadata={"description": "未读总数（铃铛上的数字）"})
    groups = fields.List(fields.Nested(KindGroupOut))


class ReadIn(BaseSchema):
    """Mark read: the given ids, or all of them when ids is left out."""

    ids = fields.List(id_field(), validate=validate.Length(min=1, max=500))


class ReadOut(BaseSchema):
    changed = fields.Integer()
