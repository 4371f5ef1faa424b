"""本县资金使用规则 API schemas: the policy in force, its versions, a new version, the emergency cases."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, day, page_schema, text
from pm.services.fund.access import APPROVER_ROLES
from pm.services.fund.policy import RETURNS_KEYS


class ReasonSchema(BaseSchema):
    code = text(64, required=True, metadata={"description": "lower-case letters, digits and _"})
    label = text(200, load_default=None, metadata={"description": "the text; a standard case's code alone takes its own"})


class PolicyOut(BaseSchema):
    """The rules in force (national defaults for what the county has not set) and the valid choices."""

    county_id = fields.Integer()
    effective_from = fields.Date(allow_none=True, metadata={"description": "null: no version set, national defaults"})
    approver = fields.String()
    approver_label = fields.String()
    publicity_days = fields.Integer()
    vote_days = fields.Integer()
    returns_key = fields.String()
    emergency_reasons = fields.List(fields.Nested(ReasonSchema))
    approvers = fields.List(fields.String(), metadata={"description": "valid values of approver"})
    returns_keys = fields.List(fields.String(), metadata={"description": "valid values of returns_key"})


class VersionOut(BaseSchema):
    id = fields.Integer()
    county_id = fields.Integer()
    effective_from = fields.Date()
    approver = fields.String()
    publicity_days = fields.Integer()
    vote_days = fields.Integer()
    returns_key = fields.String()
    emergency_reasons = fields.List(fields.Raw(), allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)


VersionPage = page_schema(VersionOut, "FundPolicyVersionPage")


class VersionIn(BaseSchema):
    """A new version from a date (today or later; one already planned for that day is replaced)."""

    effective_from = day(required=True)
    approver = fields.String(required=True, validate=validate.OneOf(list(APPROVER_ROLES)))
    publicity_days = fields.Integer(required=True, validate=validate.Range(min=1, max=60))
    vote_days = fields.Integer(required=True, validate=validate.Range(min=1, max=90))
    returns_key = fields.String(required=True, validate=validate.OneOf(list(RETURNS_KEYS)))
    emergency_reasons = fields.List(fields.Nested(ReasonSchema), required=True, validate=validate.Length(min=1, max=40))


class PolicyArgs(BaseSchema):
    on = day(metadata={"description": "the rules in force on this day (default: today, Beijing time)"})


class ReasonsOut(BaseSchema):
    """The county's whole list (a few entries): not paginated."""

    emergency_reasons = fields.List(fields.Nested(ReasonSchema))


VersionArgs = PageArgs
