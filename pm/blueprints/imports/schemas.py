"""台账导入 API schemas: the upload of a dry run, a page of its changes, and a job as the API shows it."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, id_field


class DryRunForm(BaseSchema):
    compound_id = id_field(strict=False, required=True, metadata={"description": "导入到的小区"})


class DryRunFile(BaseSchema):
    file = Upload(required=True, metadata={"description": "台账文件（.xlsx 或 .csv，模板格式）"})


class ChangesArgs(BaseSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ImportError_(BaseSchema):
    sheet = fields.String(allow_none=True)
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    message = fields.String()


class ImportOut(BaseSchema):
    """An import: its dry run's plan (summary counts and a page of the changes) while it waits for the commit,
    its counts when written, its errors when rejected."""

    id = fields.Integer()
    compound_id = fields.Integer()
    filename = fields.String()
    status = fields.String()
    message = fields.String(allow_none=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "预览的有效期；之后提交会被拒绝"})
    total_rows = fields.Integer()
    summary = fields.Dict(allow_none=True, metadata={"description": "新建房屋、面积变化、楼层变化、结束和新登记的产权…"})
    counts = fields.Dict(allow_none=True)
    changes = fields.List(fields.Dict(), metadata={"description": "修改明细（本页）"})
    changes_total = fields.Integer()
    page = fields.Integer()
    pages = fields.Integer()
    errors = fields.List(fields.Nested(ImportError_))
    error_count = fields.Integer()
