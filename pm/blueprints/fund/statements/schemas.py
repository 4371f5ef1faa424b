"""Output schemas of the statements API: money in integer fen, areas as decimal strings."""
from __future__ import annotations

from marshmallow import Schema, fields

from pm.blueprints.apiutil import Area, PageFields
from pm.models.fund import EntryKind
from pm.services.labels import label


class StatementEntryOut(Schema):
    """One ledger entry (分户账流水)."""

    id = fields.Integer()
    value_on = fields.Date()
    created_at = fields.DateTime()
    kind = fields.String()
    kind_label = fields.Function(lambda e: label(e.kind, EntryKind))
    amount_fen = fields.Integer()
    balance_after_fen = fields.Integer()
    memo = fields.String(allow_none=True)
    source_type = fields.String()
    source_id = fields.Integer(allow_none=True)
    reverses_id = fields.Integer(allow_none=True)


class StatementEntryPage(Schema):
    items = fields.List(fields.Nested(StatementEntryOut))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class MyFundAccountOut(Schema):
    """A sub-account (SubAccountSummary) with its household, first deposit due/paid and the 30% flag."""

    id = fields.Integer(attribute="subaccount.id")
    household_id = fields.Integer(attribute="subaccount.household_id")
    compound_id = fields.Integer(attribute="subaccount.compound_id")
    compound_name = fields.String(attribute="subaccount.household.compound.name")
    door = fields.String(attribute="subaccount.household.label")
    area_m2 = Area(attribute="subaccount.household.area_m2")
    holder = fields.String(attribute="subaccount.holder")
    holder_label = fields.String()
    status = fields.String(attribute="subaccount.status")
    balance_fen = fields.Integer(attribute="subaccount.balance_fen")
    first_deposit_due_fen = fields.Integer(attribute="due_fen")
    first_deposit_paid_fen = fields.Integer(attribute="paid_fen")
    first_deposit_unpaid_fen = fields.Integer(attribute="unpaid_fen")
    needs_replenishment = fields.Boolean()


class MyFundAccountList(PageFields):
    items = fields.List(fields.Nested(MyFundAccountOut))


class StatementKindLineOut(Schema):
    kind = fields.String()
    label = fields.String()
    amount_fen = fields.Integer()
    entries = fields.Integer()


class StatementShareOut(Schema):
    household_id = fields.Integer()
    door = fields.String()
    holder = fields.String()
    area_m2 = Area()
    share_fen = fields.Integer()
    charged_fen = fields.Integer()
    shortfall_fen = fields.Integer()


class StatementPlanUseOut(Schema):
    plan_id = fields.Integer(attribute="plan.id")
    title = fields.String(attribute="plan.title")
    shared_part = fields.String(attribute="plan.shared_part")
    is_emergency = fields.Boolean(attribute="plan.is_emergency")
    cost_fen = fields.Integer()
    charged_in_year_fen = fields.Integer()
    shares_total_fen = fields.Integer()
    shortfall_total_fen = fields.Integer()
    shares = fields.List(fields.Nested(StatementShareOut))


class CompoundStatementOut(Schema):
    """年度公示 of a compound: opening + credits − debits = closing."""

    compound_id = fields.Integer(attribute="compound.id")
    compound_name = fields.String(attribute="compound.name")
    year = fields.Integer()
    accounts = fields.Integer(attribute="subaccounts")
    opening_fen = fields.Integer()
    deposits = fields.List(fields.Nested(StatementKindLineOut), attribute="deposit_lines")
    returns = fields.List(fields.Nested(StatementKindLineOut), attribute="return_lines")
    debits = fields.List(fields.Nested(StatementKindLineOut), attribute="debit_lines")
    deposits_fen = fields.Integer()
    returns_fen = fields.Integer()
    credits_fen = fields.Integer()
    debits_fen = fields.Integer()
    uses_fen = fields.Integer()
    closing_fen = fields.Integer()
    reconciles = fields.Boolean()
    uses = fields.List(fields.Nested(StatementPlanUseOut))


class StatementRowOut(Schema):
    entry = fields.Nested(StatementEntryOut)
    balance_fen = fields.Integer()
    reversed_by_id = fields.Function(lambda row: row.reversed_by.id if row.reversed_by is not None else None)


class StatementAccountYearOut(Schema):
    account_id = fields.Integer(attribute="subaccount.id")
    holder = fields.String(attribute="subaccount.holder")
    holder_label = fields.String()
    opening_fen = fields.Integer()
    credits_fen = fields.Integer()
    debits_fen = fields.Integer()
    closing_fen = fields.Integer()
    rows = fields.List(fields.Nested(StatementRowOut))


class HouseholdStatementOut(Schema):
    """A household's yearly statement: per sub-account its opening, movements and closing."""

    household_id = fields.Integer(attribute="household.id")
    compound_id = fields.Integer(attribute="household.compound_id")
    door = fields.String(attribute="household.label")
    year = fields.Integer()
    opening_fen = fields.Integer()
    closing_fen = fields.Integer()
    accounts = fields.List(fields.Nested(StatementAccountYearOut), attribute="subaccounts")
