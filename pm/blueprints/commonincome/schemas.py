"""以区养区 API schemas (money in integer fen)."""
from __future__ import annotations

from marshmallow import fields, validate

from pm.blueprints.apiutil import BaseSchema, PageArgs, PageFields, day, id_field, page_schema, text
from pm.models import IncomeCategory



class EntryOut(BaseSchema):
    id = fields.Integer()
    compound_id = fields.Integer()
    period = fields.String()
    direction = fields.String()
    category = fields.String()
    amount_fen = fields.Integer()
    occurred_on = fields.Date()
    note = fields.String(allow_none=True)
    distribution_id = fields.Integer(allow_none=True)


EntryPage = page_schema(EntryOut, "CommonIncomeEntryPage")


class CreditOut(EntryOut):
    replayed = fields.Boolean()  # true: the same Idempotency-Key and body again, answered with the first credit


def credit_body(entry, *, replayed: bool) -> dict:
    return {name: getattr(entry, name) for name in EntryOut._declared_fields} | {"replayed": replayed}


class EntryArgs(PageArgs):
    compound_id = id_field()
    period = text(16)


class EntryIn(BaseSchema):
    """An income (parking, advertising, leased_room, other_income) or a use (maintenance, service_fee, other_use)."""

    compound_id = id_field(required=True)
    period = text(16, required=True, metadata={"example": "2026-H1"})
    category = fields.String(required=True, validate=validate.OneOf(
        [c.value for c in IncomeCategory if c != IncomeCategory.FUND_CREDIT]))
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**13))
    occurred_on = day(allow_none=True, load_default=None)
    note = text(200, allow_none=True)


class CreditIn(BaseSchema):
    compound_id = id_field(required=True)
    period = text(16, required=True)
    amount_fen = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**13))


class SummaryArgs(PageArgs):
    compound_id = id_field()


class SummaryOut(BaseSchema):
    compound_id = fields.Integer()
    period = fields.String()
    income = fields.Dict(keys=fields.String(), values=fields.Integer())
    uses = fields.Dict(keys=fields.String(), values=fields.Integer())
    income_fen = fields.Integer()
    uses_fen = fields.Integer()
    balance_fen = fields.Integer()


class SummaryList(PageFields):
    items = fields.List(fields.Nested(SummaryOut))
