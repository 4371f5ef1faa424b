"""维修资金 API schemas: sub-accounts, ledger entries, payments, reversals, deposit standards, 房改房 terms."""
# Money is integer fen in both directions (a JSON number with a fraction is refused, never rounded); dates are ISO.
from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from marshmallow import ValidationError, fields, validate, validates_schema

from pm.blueprints.apiutil import (
    Area,
    BaseSchema,
    PageArgs,
    day,
    id_field,
    page_schema,
    text,
)
from pm.models import EntryKind, SubAccountStatus
from pm.models.fund import Holder
from pm.services.fund.payments import PAYMENT_KINDS
from pm.services.fund.rates import MAX_RATE_FEN_PER_M2
from pm.services.money import MAX_FEN


def fen(**kwargs) -> fields.Integer:
    """An amount in integer fen (分), strictly an integer."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_FEN), **kwargs)


class FundAccountOut(BaseSchema):
    """分户账: one household's (or its selling work-unit's) sub-account."""

    id = fields.Integer()
    household_id = fields.Integer()
    compound_id = fields.Integer()
    household_label = fields.String(attribute="household.label")
    area_m2 = Area(attribute="household.area_m2")
    holder = fields.Enum(Holder, by_value=True)
    status = fields.Enum(SubAccountStatus, by_value=True)
    balance_fen = fields.Integer()
    first_deposit_due_fen = fields.Integer(allow_none=True)
    first_deposit_paid_fen = fields.Integer(metadata={"description": "首期已交（首期、补交，扣除冲正）"})
    needs_replenishment = fields.Boolean()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class LedgerEntryOut(BaseSchema):
    """记账记录: amount_fen is signed (+ credit, − debit)."""

    id = fields.Integer()
    account_id = fields.Integer()
    kind = fields.Enum(EntryKind, by_value=True)
    amount_fen = fields.Integer()
    balance_after_fen = fields.Integer()
    value_on = fields.Date()
    created_at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    source_type = fields.String()
    source_id = fields.Integer(allow_none=True)
    memo = fields.String(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)
    is_reversed = fields.Boolean(dump_default=False)


class FundAccountArgs(PageArgs):
    compound_id = id_field(strict=False)
    household_id = id_field(strict=False)


class PaymentIn(BaseSchema):
    """录入交存: kind 首期 (first_deposit), 补交 (back_payment) or 续交 (replenishment); amount in integer fen."""

    kind = fields.Enum(EntryKind, by_value=True, required=True,
                       validate=validate.OneOf(list(PAYMENT_KINDS), error=lazy_gettext("只能录入首期交存、补交或续交")))
    amount_fen = fen(required=True)
    value_on = day(required=True)
    memo = text(200, load_default=None, allow_none=True)


class ReversalIn(BaseSchema):
    """冲正 with a reason."""

    memo = text(200, required=True, validate=validate.Length(min=1))


class DepositRateIn(BaseSchema):
    """交存标准: fen per m²; compound_id empty = the county default; conditions on elevator and floors."""

    name = text(80, required=True, validate=validate.Length(min=1))
    compound_id = id_field(load_default=None, allow_none=True)
    has_elevator = fields.Boolean(load_default=None, allow_none=True)
    min_floors = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 200))
    max_floors = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 200))
    fen_per_m2 = fields.Integer(strict=True, required=True, validate=validate.Range(1, MAX_RATE_FEN_PER_M2))
    effective_on = day(required=True)

    @validates_schema
    def _floors(self, data, **kwargs):
        lo, hi = data.get("min_floors"), data.get("max_floors")
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError(gettext("最低层数不能大于最高层数"), "max_floors")


class DepositRateOut(BaseSchema):
    """交存标准 as stored."""

    id = fields.Integer()
    county_id = fields.Integer()
    compound_id = fields.Integer(allow_none=True)
    name = fields.String()
    has_elevator = fields.Boolean(allow_none=True)
    min_floors = fields.Integer(allow_none=True)
    max_floors = fields.Integer(allow_none=True)
    fen_per_m2 = fields.Integer()
    effective_on = fields.Date()


class DepositRateArgs(PageArgs):
    compound_id = id_field(strict=False)


class PublicHousingTermsIn(BaseSchema):
    """房改房交存条件: 成本价 (fen/m²), 售房款 (fen) and the permilles (owner default 20‰, work-unit 200‰)."""

    cost_price_fen_per_m2 = fields.Integer(strict=True, required=True, validate=validate.Range(1, MAX_RATE_FEN_PER_M2))
    sale_price_fen = fen(required=True)
    owner_permille = fields.Integer(strict=True, load_default=20, validate=validate.Range(1, 1000))
    work_unit_permille = fields.Integer(strict=True, load_default=200, validate=validate.Range(1, 1000))
    work_unit_name = text(120, load_default=None, allow_none=True)


class PublicHousingTermsOut(BaseSchema):
    id = fields.Integer()
    household_id = fields.Integer()
    cost_price_fen_per_m2 = fields.Integer()
    sale_price_fen = fields.Integer()
    owner_permille = fields.Integer()
    work_unit_permille = fields.Integer()
    work_unit_name = fields.String(allow_none=True)


FundAccountPage = page_schema(FundAccountOut, "FundAccountPage")
LedgerEntryPage = page_schema(LedgerEntryOut, "LedgerEntryPage")
DepositRatePage = page_schema(DepositRateOut, "DepositRatePage")


# -- the fund operations of the cashier's and county's pages: returns, opening a compound, demolition -------
class ReturnsIn(BaseSchema):
    """收益分配: an amount (integer fen) for a period credited to a compound's open sub-accounts, split exactly to
    the fen by the county's returns key (balance or floor area). `dry_run`: the split, writing nothing."""

    compound_id = id_field(required=True)
    kind = fields.Enum(EntryKind, by_value=True, load_default=EntryKind.RETURNS,
                       validate=validate.OneOf([EntryKind.RETURNS, EntryKind.COMMON_INCOME],
                                               error=lazy_gettext("只能分配增值收益或共用部位经营收益")),
                       metadata={"description": "returns（增值收益）或 common_income（共用部位经营收益）"})
    period = text(16, required=True, validate=validate.Length(min=1), metadata={"example": "2025"})
    amount_fen = fen(required=True)
    memo = text(200, load_default=None, allow_none=True)
    dry_run = fields.Boolean(load_default=False, metadata={"description": "只计算各户分得的金额，不入账"})


class ReturnsShareOut(BaseSchema):
    account_id = fields.Integer()
    household_id = fields.Integer()
    household_label = fields.String()
    weight = fields.String(allow_none=True, metadata={
        "description": "分配依据（精确值）：余额（分），或面积（㎡，一户两个账户时各半）；入账结果中为空"})
    share_fen = fields.Integer()
    entry_id = fields.Integer(allow_none=True, metadata={"description": "入账记录（预演时为空）"})


class ReturnsOut(BaseSchema):
    """A distribution (or, with dry_run, what it would be): the shares sum to amount_fen exactly."""

    id = fields.Integer(allow_none=True)
    dry_run = fields.Boolean()
    replayed = fields.Boolean(metadata={"description": "同一幂等键的重复请求：返回第一次的结果，未重复入账"})
    compound_id = fields.Integer()
    period = fields.String()
    kind = fields.Enum(EntryKind, by_value=True)
    amount_fen = fields.Integer()
    key = fields.String(metadata={"description": "分配依据：balance（按余额）或 area（按面积），本县规则"})
    memo = fields.String(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    shares = fields.List(fields.Nested(ReturnsShareOut))


class ReturnsArgs(PageArgs):
    compound_id = id_field(strict=False)


class OpenAccountsIn(BaseSchema):
    """开户 for every active household of the compound at the standard in force on `on` (or its 房改房 terms)."""

    on = day(required=True, metadata={"description": "按此日期适用的交存标准开户"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "只列出将开立的账户，不开户"})


class WouldOpenOut(BaseSchema):
    household_id = fields.Integer()
    household_label = fields.String()
    holder = fields.Enum(Holder, by_value=True)
    first_deposit_due_fen = fields.Integer()
    rate_id = fields.Integer(allow_none=True)


class NotOpenedOut(BaseSchema):
    household_id = fields.Integer()
    household_label = fields.String()
    reason = fields.String()


class OpenAccountsOut(BaseSchema):
    dry_run = fields.Boolean()
    opened = fields.List(fields.Nested(FundAccountOut), metadata={"description": "本次开立的账户（预演时为空）"})
    would_open = fields.List(fields.Nested(WouldOpenOut), metadata={"description": "预演：将开立的账户"})
    existing = fields.Integer(metadata={"description": "已开户（不重复开立）"})
    missing = fields.List(fields.Nested(NotOpenedOut), metadata={"description": "无法开户的房屋及原因"})


class DemolitionIn(BaseSchema):
    """灭失: refund each open sub-account's balance, close it, end the current ownerships, mark it demolished."""

    on = day(required=True, metadata={"description": "灭失日期（不晚于今天）"})
    memo = text(150, load_default=None, allow_none=True, metadata={"example": "征收"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "只列出将退还的余额，不做任何改动"})


class DemolitionOut(BaseSchema):
    household_id = fields.Integer()
    dry_run = fields.Boolean()
    replayed = fields.Boolean()
    refund_fen = fields.Integer(metadata={"description": "退还合计（分）"})
    accounts = fields.List(fields.Nested(FundAccountOut))
    refunds = fields.List(fields.Nested(LedgerEntryOut))
    ended_ownerships = fields.List(fields.Integer())


class ReturnsDistributionOut(BaseSchema):
    id = fields.Integer()
    compound_id = fields.Integer()
    period = fields.String()
    kind = fields.Enum(EntryKind, by_value=True)
    amount_fen = fields.Integer()
    key = fields.String()
    memo = fields.String(allow_none=True)
    created_at = fields.DateTime()


ReturnsDistributionPage = page_schema(ReturnsDistributionOut, "ReturnsDistributionPage")
