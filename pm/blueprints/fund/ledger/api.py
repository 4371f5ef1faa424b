"""维修资金 REST API: accounts and their ledger (scoped), cashier payments with an Idempotency-Key, reversals,
deposit standards and sold-public-housing terms. Money is integer fen.

Reads go through the caller's Scope (a foreign id is a 404; owners see their own dwelling's accounts, which
stay with the dwelling on a sale). Writes check the capability and call pm.services.fund.cashier; one commit here.
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import require
from pm.blueprints.apiutil import (
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    paginate,
)
from pm.blueprints.fund.ledger import schemas as s
from pm.errors import DomainError
from pm.extensions import db
from pm.models import DepositRate, SubAccount, Household, LedgerEntry
from pm.services.fund import cashier as funds

URL_PREFIX = ""
blp = api_blueprint("funds_api", __name__, description="维修资金：分户账、交存录入、冲正、交存标准")

ACCOUNT_OPTIONS = (joinedload(SubAccount.household).joinedload(Household.building),
                   joinedload(SubAccount.household).joinedload(Household.unit))


def _account(account_id: int) -> SubAccount:
    return get_in_scope(SubAccount, account_id, options=ACCOUNT_OPTIONS)


def mark_reversed(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Set is_reversed on a page of entries with one query."""
    ids = [e.id for e in entries]
    reversed_ids = set(db.session.scalars(select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.in_(ids)))) \
        if ids else set()
    for e in entries:
        e.is_reversed = e.id in reversed_ids
    return entries


@blp.route("/fund-accounts")
class FundAccounts(MethodView):
    @blp.arguments(s.FundAccountArgs, location="query")
    @blp.response(200, s.FundAccountPage)
    def get(self, args):
        """分户账列表 in your scope, optionally of one compound or household."""
        stmt = api_scope().select(SubAccount).options(*ACCOUNT_OPTIONS)
        if args.get("compound_id"):
            stmt = stmt.where(SubAccount.compound_id == args["compound_id"])
        if args.get("household_id"):
            stmt = stmt.where(SubAccount.household_id == args["household_id"])
        return paginate(stmt.order_by(SubAccount.compound_id, SubAccount.household_id, SubAccount.id), args)


@blp.route("/fund-accounts/<int:account_id>")
class FundAccountDetail(MethodView):
    @blp.response(200, s.FundAccountOut)
    def get(self, account_id):
        """One sub-account with its balance and first deposit due."""
        return _account(account_id)


@blp.route("/fund-accounts/<int:account_id>/entries")
class FundAccountEntries(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.LedgerEntryPage)
    def get(self, args, account_id):
        """The account's ledger, newest first (amounts in signed integer fen)."""
        account = _account(account_id)
        stmt = api_scope().select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(
            LedgerEntry.id.desc())
        page = paginate(stmt, args)
        mark_reversed(page["items"])
        return page

    @blp.arguments(s.PaymentIn)
    @blp.response(201, s.LedgerEntryOut)
    @blp.alt_response(200, schema=s.LedgerEntryOut, description="A replay of an earlier request with the same key")
    def post(self, data, account_id):
        """录入交存 (needs fund.cashier). Send an `Idempotency-Key` header: a replay returns the first entry (200);
        the same key with another payload is a 409."""
        user = api_user()
        require(user, "fund.cashier")
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 90:
            raise DomainError(gettext("请提供 Idempotency-Key 请求头（1–90 个字符）"), field="Idempotency-Key")
        account = _account(account_id)
        key = f"api:{key}"
        replay = db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.idempotency_key == key)) is not None
        entry = funds.record_payment(account, kind=data["kind"], amount_fen=data["amount_fen"],
                                     value_on=data["value_on"], memo=data.get("memo"), key=key, actor=user,
                                     scope=api_scope())
        mark_reversed([entry])
        return entry, (200 if replay else 201)


@blp.route("/fund-entries/<int:entry_id>/reversal")
class EntryReversal(MethodView):
    @blp.arguments(s.ReversalIn)
    @blp.response(201, s.LedgerEntryOut)
    def post(self, data, entry_id):
        """冲正 a payment, once, with a reason (needs fund.cashier)."""
        user = api_user()
        require(user, "fund.cashier")
        entry = get_in_scope(LedgerEntry, entry_id)
        reversal = funds.reverse_entry(entry, memo=data["memo"], actor=user, scope=api_scope())
        return mark_reversed([reversal])[0]


@blp.route("/deposit-rates")
class DepositRates(MethodView):
    @blp.arguments(s.DepositRateArgs, location="query")
    @blp.response(200, s.DepositRatePage)
    def get(self, args):
        """交存标准 in your county (defaults) and compounds, newest first."""
        stmt = api_scope().select(DepositRate)
        if args.get("compound_id"):
            stmt = stmt.where(DepositRate.compound_id == args["compound_id"])
        return paginate(stmt.order_by(DepositRate.effective_on.desc(), DepositRate.id.desc()), args)

    @blp.arguments(s.DepositRateIn)
    @blp.response(201, s.DepositRateOut)
    def post(self, data):
        """新增交存标准 (needs fund.rates)."""
        user = api_user()
        require(user, "fund.rates")
        rate = funds.create_rate(data, actor=user, scope=api_scope())
        return rate


@blp.route("/deposit-rates/<int:rate_id>")
class DepositRateDetail(MethodView):
    @blp.response(200, s.DepositRateOut)
    def get(self, rate_id):
        """One deposit standard."""
        return get_in_scope(DepositRate, rate_id)

    @blp.arguments(s.DepositRateIn)
    @blp.response(200, s.DepositRateOut)
    def put(self, data, rate_id):
        """Change a standard no account was opened with (needs fund.rates)."""
        user = api_user()
        require(user, "fund.rates")
        rate = get_in_scope(DepositRate, rate_id)
        if data.get("compound_id") != rate.compound_id:
            raise DomainError(gettext("不能改变标准所属的小区"), field="compound_id")
        funds.update_rate(rate, data, actor=user, scope=api_scope())
        return rate

    @blp.response(204)
    def delete(self, rate_id):
        """Delete a standard no account was opened with (needs fund.rates)."""
        user = api_user()
        require(user, "fund.rates")
        funds.delete_rate(get_in_scope(DepositRate, rate_id), actor=user, scope=api_scope())


@blp.route("/households/<int:household_id>/public-housing-terms")
class PublicHousingTermsView(MethodView):
    @blp.arguments(s.PublicHousingTermsIn)
    @blp.response(200, s.PublicHousingTermsOut)
    def put(self, data, household_id):
        """房改房交存条件 of one household (needs fund.rates)."""
        user = api_user()
        require(user, "fund.rates")
        household = get_in_scope(Household, household_id)
        terms = funds.set_public_housing_terms(household, data, actor=user, scope=api_scope())
        return terms
