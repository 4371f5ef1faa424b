"""历史工单导入 API schemas: the upload (with dry_run) and a kept file as the API shows it."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from pm.blueprints.apiutil import BaseSchema


class UploadForm(BaseSchema):
    dry_run = fields.Boolean(load_default=True, metadata={
        "description": "true（默认）：只校验并返回预演（编号 id，凭它提交）；false：校验后立即导入"})


class UploadFile(BaseSchema):
    file = Upload(load_default=None, metadata={
        "description": "（必填）历史工单（.xlsx 或 .csv，模板格式：编号 楼栋 单元 房号 类别 … 返工原因；示例行不导入）"})


class RepairImportRow(BaseSchema):
    row = fields.Integer()
    external_id = fields.String(metadata={"description": "原系统编号"})
    place = fields.String()
    category = fields.String()
    status = fields.String(metadata={"description": "导入后的状态"})
    submitted_at = fields.DateTime()
    already_imported = fields.Boolean(metadata={"description": "此前已导入（不会重复导入）"})


class RepairImportCounts(BaseSchema):
    rows = fields.Integer()
    new = fields.Integer(metadata={"description": "将新建（预演）或新建前尚未导入的工单数"})
    already_imported = fields.Integer()
    created = fields.Integer(metadata={"description": "本次新建的工单数（提交后）"})


class RepairImportOut(BaseSchema):
    id = fields.Integer(metadata={"description": "预演编号：POST /repair-imports/{id}/commit 提交"})
    compound_id = fields.Integer()
    filename = fields.String()
    status = fields.String(metadata={"description": "planned（待提交）或 done（已导入）"})
    dry_run = fields.Boolean()
    created_at = fields.DateTime()
    committed_at = fields.DateTime(allow_none=True)
    counts = fields.Nested(RepairImportCounts)
    rows = fields.List(fields.Nested(RepairImportRow), metadata={"description": "预览（前 200 行）"})
