"""定时任务 API schemas: job runs."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, page_schema, text
from pm.models import RunStatus


class JobRunOut(BaseSchema):
    id = fields.Integer()
    job = fields.String()
    period = fields.String()
    status = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True)
    error = fields.String(allow_none=True)


JobRunPage = page_schema(JobRunOut, "JobRunPage")


class JobRunArgs(PageArgs):
    job = text(120)
    status = fields.String(validate=validate.OneOf([s.value for s in RunStatus]))
