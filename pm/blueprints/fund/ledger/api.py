"""维修资金 REST API: sub-accounts (分户账) and their ledger, cashier payments, reversals, standards, 房改房 terms."""
# Money is integer fen. Reads go through the caller's Scope (a foreign id is a 404; owners see their own dwelling's
# sub-accounts, which stay with the dwelling on a sale) and the same service functions as the pages. Writes call
# pm.services.fund (which checks capability and scope); the request commits once at its end. The JSON keeps the
# names integrators read (fund-accounts, account_id).
from __future__ import annotations

from flask import request
from flask.views import MethodView

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
from pm.models import DepositRate, Household, LedgerEntry, SubAccount
from pm.services.fund import deposits, ledger, payments, rates, subaccounts

URL_PREFIX = ""
# Declared in the OpenAPI document; read (and checked) by the view itself.
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": True,
    "description": "Your key for this payment (1–90 characters): a retry with the same key and body returns the "
                   "first entry (200) instead of posting twice; the same key with another body is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 90},
}
blp = api_blueprint("funds_api", __name__, description="维修资金：分户账、交存录入、冲正、交存标准")


def _subaccount(account_id: int) -> SubAccount:
    """The sub-account in the caller's scope with its household (404 otherwise, also for ids out of range)."""
    return get_in_scope(SubAccount, account_id, options=subaccounts.WITH_HOUSEHOLD)


@blp.route("/fund-accounts")
class FundAccounts(MethodView):
    @blp.arguments(s.FundAccountArgs, location="query")
    @blp.response(200, s.FundAccountPage)
    def get(self, args):
        """分户账列表 in your scope, optionally of one compound or household."""
        return paginate(subaccounts.subaccounts_select(api_scope(), compound_id=args.get("compound_id"),
                                                       household_id=args.get("household_id")), args)


@blp.route("/fund-accounts/<int:account_id>")
class FundAccountDetail(MethodView):
    @blp.response(200, s.FundAccountOut)
    def get(self, account_id):
        """One sub-account with its balance and first deposit due."""
        return _subaccount(account_id)


@blp.route("/fund-accounts/<int:account_id>/entries")
class FundAccountEntries(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.LedgerEntryPage)
    def get(self, args, account_id):
        """The account's ledger, newest first (amounts in signed integer fen)."""
        page = paginate(subaccounts.movements_stmt(api_scope(), _subaccount(account_id)), args)
        subaccounts.mark_reversed(page["items"])
        return page

    @blp.arguments(s.PaymentIn)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    @blp.response(201, s.LedgerEntryOut)
    @blp.alt_response(200, schema=s.LedgerEntryOut, description="A replay of an earlier request with the same key")
    def post(self, data, account_id):
        """录入交存 (needs fund.cashier). Send an `Idempotency-Key` header: a replay returns the first entry (200);
        the same key with another payload is a 409. A key is yours: another user's identical key is another key."""
        user = api_user()
        require(user, "fund.cashier")
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 90:
            raise DomainError("请提供 Idempotency-Key 请求头（1–90 个字符）", field="Idempotency-Key")
        subaccount = _subaccount(account_id)
        entry = payments.record_payment(subaccount, kind=data["kind"], amount_fen=data["amount_fen"],
                                        value_on=data["value_on"], memo=data.get("memo"),
                                        key=payments.caller_key(user, "api", key), actor=user, scope=api_scope())
        subaccounts.mark_reversed([entry])
        return entry, (200 if ledger.was_replayed(entry) else 201)


@blp.route("/fund-entries/<int:entry_id>/reversal")
class EntryReversal(MethodView):
    @blp.arguments(s.ReversalIn)
    @blp.response(201, s.LedgerEntryOut)
    def post(self, data, entry_id):
        """冲正 a payment, once, with a reason (needs fund.cashier)."""
        user = api_user()
        require(user, "fund.cashier")
        entry = get_in_scope(LedgerEntry, entry_id)
        reversal = payments.reverse_entry(entry, memo=data["memo"], actor=user, scope=api_scope())
        return subaccounts.mark_reversed([reversal])[0]


@blp.route("/deposit-rates")
class DepositRates(MethodView):
    @blp.arguments(s.DepositRateArgs, location="query")
    @blp.response(200, s.DepositRatePage)
    def get(self, args):
        """交存标准 in your county (defaults) and compounds, newest first."""
        return paginate(rates.rates_select(api_scope(), compound_id=args.get("compound_id")), args)

    @blp.arguments(s.DepositRateIn)
    @blp.response(201, s.DepositRateOut)
    def post(self, data):
        """新增交存标准 (needs fund.rates)."""
        user = api_user()
        require(user, "fund.rates")
        return rates.create_rate(data, actor=user, scope=api_scope())


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
        return rates.update_rate(get_in_scope(DepositRate, rate_id), data, actor=user, scope=api_scope())

    @blp.response(204)
    def delete(self, rate_id):
        """Delete a standard no account was opened with (needs fund.rates)."""
        user = api_user()
        require(user, "fund.rates")
        rates.delete_rate(get_in_scope(DepositRate, rate_id), actor=user, scope=api_scope())


@blp.route("/households/<int:household_id>/public-housing-terms")
class PublicHousingTermsView(MethodView):
    @blp.arguments(s.PublicHousingTermsIn)
    @blp.response(200, s.PublicHousingTermsOut)
    def put(self, data, household_id):
        """房改房交存条件 of one household (needs fund.rates)."""
        user = api_user()
        require(user, "fund.rates")
        household = get_in_scope(Household, household_id)
        return deposits.set_public_housing_terms(household, data, actor=user, scope=api_scope())
