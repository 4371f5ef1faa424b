"""审计 API schemas: filters of the audit log and the shape of one row."""
from __future__ import annotations

from flask_babel import gettext
from marshmallow import ValidationError, fields, validates_schema

from pm.blueprints.apiutil import BaseSchema, PageArgs, day, id_field, page_schema, text


class AuditOut(BaseSchema):
    """One audited action: who did what to which record, when, with the changed values."""

    id = fields.Integer()
    created_at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_username = fields.String(attribute="actor.username", allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.Integer(allow_none=True)
    changes = fields.Dict(allow_none=True)
    county_id = fields.Integer(allow_none=True)
    street_id = fields.Integer(allow_none=True)
    community_id = fields.Integer(allow_none=True)
    compound_id = fields.Integer(allow_none=True)
    request_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    token_id = fields.Integer(allow_none=True, metadata={"description": "the API token the call was made with"})
    token_name = fields.String(allow_none=True)


AuditPage = page_schema(AuditOut, "AuditPage")


class AuditArgs(PageArgs):
    """Filter the audit log by object, action, actor and a range of dates (Asia/Shanghai, inclusive)."""

    object_type = text(64, metadata={"description": "例如 Household、Compound、User"})
    object_id = id_field(strict=False)
    action = text(64, metadata={"description": "例如 household.update"})
    actor_id = id_field(strict=False)
    token_id = id_field(strict=False, metadata={"description": "calls made with this API token"})
    date_from = day(metadata={"description": "起始日期（含），北京时间"})
    date_to = day(metadata={"description": "截止日期（含），北京时间"})

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(gettext("起始日期不能晚于截止日期"), "date_to")
