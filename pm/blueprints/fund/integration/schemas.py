"""维修资金对接 API schemas: a deposit by address, a statement upload, the reconciliation query, the lists."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, day, id_field, page_schema, text
from pm.blueprints.fund.ledger.schemas import FundAccountOut, LedgerEntryOut, PaymentIn
from pm.models import EntryKind
from pm.models.fund import Holder


class DepositIn(PaymentIn):
    """按户或按地址交存: household_id, or compound_id + building + unit + room (unit may be left out when the room
    number is unique in the building). The sub-account is opened on first use when a deposit standard applies."""

    household_id = id_field(load_default=None, allow_none=True)
    compound_id = id_field(load_default=None, allow_none=True)
    building = text(60, load_default=None, allow_none=True, metadata={"example": "1号楼"})
    unit = text(60, load_default=None, allow_none=True, metadata={"example": "1单元"})
    room = text(20, load_default=None, allow_none=True, metadata={"example": "101"})
    holder = fields.Enum(Holder, by_value=True, load_default=Holder.OWNER)


class DepositOut(BaseSchema):
    entry = fields.Nested(LedgerEntryOut)
    account = fields.Nested(FundAccountOut)
    opened = fields.Boolean(metadata={"description": "本次交存时开立了账户"})


class StatementForm(BaseSchema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "只校验，返回将要入账的行，不入账"})


class StatementFile(BaseSchema):
    file = Upload(load_default=None, metadata={"description": "（必填）银行流水（.xlsx 或 .csv，列：流水号 日期 楼栋 单元 房号 类型 金额(元) 备注）"})


class PreviewRow(BaseSchema):
    row = fields.Integer()
    serial = fields.String()
    value_on = fields.Date()
    account_id = fields.Integer()
    household_id = fields.Integer()
    kind = fields.String()
    amount_fen = fields.Integer()
    memo = fields.String(allow_none=True)
    already_posted = fields.Boolean()


class StatementOut(BaseSchema):
    dry_run = fields.Boolean()
    duplicate = fields.Boolean(metadata={"description": "同一文件此前已导入：本次未入账"})
    import_id = fields.Integer(allow_none=True)
    posted = fields.Integer()
    already_posted = fields.Integer()
    total_fen = fields.Integer()
    rows = fields.List(fields.Nested(PreviewRow))


class EntryArgs(BaseSchema):
    compound_id = id_field(strict=False)
    date_from = day()
    date_to = day()
    kind = fields.List(fields.Enum(EntryKind, by_value=True))
    source_type = text(32)
    cursor = text(80)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class EntryPageOut(BaseSchema):
    items = fields.List(fields.Nested(LedgerEntryOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "下一页的游标；为空表示没有更多"})
    limit = fields.Integer()


class ListArgs(PageArgs):
    compound_id = id_field(strict=False)
    building_id = id_field(strict=False)


class ListXlsxArgs(BaseSchema):
    compound_id = id_field(strict=False)
    building_id = id_field(strict=False)


class ArrearsOut(BaseSchema):
    account = fields.Nested(FundAccountOut)
    paid_fen = fields.Integer()
    owed_fen = fields.Integer()


ArrearsPage = page_schema(ArrearsOut, "FundArrearsPage")
ReplenishmentPage = page_schema(FundAccountOut, "FundReplenishmentPage")


class OpeningFile(BaseSchema):
    file = Upload(load_default=None, metadata={
        "description": "（必填）期初余额（.xlsx 或 .csv，列：楼栋 单元 房号 账户 首期应交(元) 首期已交(元) 余额(元) 日期 备注）"})


class OpeningRowOut(BaseSchema):
    row = fields.Integer()
    household_id = fields.Integer()
    holder = fields.String()
    due_fen = fields.Integer(allow_none=True)
    paid_fen = fields.Integer()
    balance_fen = fields.Integer()
    value_on = fields.Date()
    already_posted = fields.Boolean()


class OpeningOut(BaseSchema):
    dry_run = fields.Boolean()
    posted = fields.Integer(metadata={"description": "本次入账的记录数"})
    already_posted = fields.Integer()
    rows = fields.List(fields.Nested(OpeningRowOut))
