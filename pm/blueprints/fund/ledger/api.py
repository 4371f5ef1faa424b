"""维修资金 REST API: sub-accounts (分户账) and their ledger, cashier payments, reversals, standards, 房改房 terms."""
# Money is integer fen. Reads go through the caller's Scope (a foreign id is a 404; owners see their own dwelling's
# sub-accounts, which stay with the dwelling on a sale) and the same service functions as the pages. Writes call
# pm.services.fund (which checks capability and scope); the request commits once at its end. The JSON keeps the
# names integrators read (fund-accounts, account_id).
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

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
from pm.extensions import db
from pm.models import Compound, DepositRate, Household, LedgerEntry, Ownership, OwnershipEnd, SubAccount
from pm.services.fund import demolition, deposits, ledger, payments, rates, returns, subaccounts

URL_PREFIX = ""
# Declared in the OpenAPI document; read (and checked) by the view itself.
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": True,
    "description": "Your key for this payment (1–90 characters): a retry with the same key and body returns the "
                   "first entry (200) instead of posting twice; the same key with another body is a 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 90},
}
OPTIONAL_KEY = {**IDEMPOTENCY_KEY, "required": False,
                "description": "Optional (1–90 characters): the same request again with the same key returns the "
                               "first result (replayed: true) instead of being refused as already done."}
blp = api_blueprint("funds_api", __name__,
                    description="维修资金：分户账、交存录入、冲正、交存标准、开户、收益分配、灭失退款")


def idempotency_key(user, channel: str, *, required: bool = True) -> str | None:
    """The request's Idempotency-Key, scoped to its caller (payments.caller_key); 422 naming the header when it is
    missing (if required) or longer than 90 characters."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if (required and not key) or len(key) > 90:
        raise DomainError("请提供 Idempotency-Key 请求头（1–90 个字符）", field="Idempotency-Key")
    return payments.caller_key(user, channel, key) if key else None


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
    @blp.alt_response(409, description="同一幂等键用于另一笔交存")
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


# -- 开户, 收益分配, 灭失: the same service functions as the pages (funds.open_subaccounts, funds.returns,
# funds.demolish), which check the capability and scope again.
@blp.route("/compounds/<int:compound_id>/fund-accounts")
class CompoundFundAccounts(MethodView):
    @blp.arguments(s.OpenAccountsIn)
    @blp.response(201, s.OpenAccountsOut)
    @blp.alt_response(200, schema=s.OpenAccountsOut, description="预演（dry_run），或没有新开的账户")
    def post(self, data, compound_id):
        """开户 for every active household of the compound (needs fund.cashier) at the deposit standard in force on
        `on` (sold public housing: its 房改房 terms). Safe to repeat: open accounts are counted in `existing`, never
        opened twice; households no standard prices are listed in `missing` with the reason. `dry_run=true` lists
        what would be opened, writing nothing."""
        user = api_user()
        require(user, "fund.cashier")
        compound = get_in_scope(Compound, compound_id)
        result = deposits.open_subaccounts(compound, on=data["on"], actor=user, scope=api_scope(),
                                           dry_run=data["dry_run"])
        body = {"dry_run": data["dry_run"], "opened": result.opened, "existing": result.existing,
                "would_open": [{"household_id": h.id, "household_label": h.label, "holder": holder,
                                "first_deposit_due_fen": due, "rate_id": rate_id}
                               for h, holder, due, rate_id in result.would_open],
                "missing": [{"household_id": h.id, "household_label": h.label, "reason": str(reason)}
                            for h, reason in result.missing]}
        return body, (201 if result.opened else 200)


def _weight(value) -> str:
    """An exact weight as text: fen, or m² ("60.5"; "121/3" when no finite decimal is exact)."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    for places in range(1, 7):
        scaled = value * 10 ** places
        if scaled.denominator == 1:
            return str(Decimal(scaled.numerator).scaleb(-places))
    return f"{value.numerator}/{value.denominator}"


def _distribution_body(dist, *, replayed: bool) -> dict:
    entries = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.source_type == "returns", LedgerEntry.source_id == dist.id)
        .order_by(LedgerEntry.account_id)).all()
    accounts = {a.id: a for a in db.session.scalars(
        db.select(SubAccount).options(*subaccounts.WITH_HOUSEHOLD)
        .where(SubAccount.id.in_([e.account_id for e in entries]))).unique()}
    shares = [{"account_id": e.account_id, "household_id": accounts[e.account_id].household_id,
               "household_label": accounts[e.account_id].household.label, "weight": None,
               "share_fen": e.amount_fen, "entry_id": e.id} for e in entries]
    return {"id": dist.id, "dry_run": False, "replayed": replayed, "compound_id": dist.compound_id,
            "period": dist.period, "kind": dist.kind, "amount_fen": dist.amount_fen, "key": dist.key,
            "memo": dist.memo, "created_at": dist.created_at, "shares": shares}


@blp.route("/returns-distributions")
class ReturnsDistributions(MethodView):
    @blp.arguments(s.ReturnsArgs, location="query")
    @blp.response(200, s.ReturnsDistributionPage)
    def get(self, args):
        """收益分配记录 in your scope, newest first (needs fund.view)."""
        require(api_user(), "fund.view")
        return paginate(returns.returns_select(api_scope(), compound_id=args.get("compound_id")), args)

    @blp.arguments(s.ReturnsIn)
    @blp.doc(parameters=[{**IDEMPOTENCY_KEY, "required": False, "description": (
        "Required unless dry_run (1–90 characters): a retry with the same key and body returns the first "
        "distribution (200, replayed: true) instead of posting twice — also when sent in parallel; the same key "
        "with another body is a 409.")}])
    @blp.response(201, s.ReturnsOut)
    @blp.alt_response(200, schema=s.ReturnsOut, description="预演（dry_run），或同一幂等键的重复请求")
    @blp.alt_response(409, description="该小区该期间已分配过（period），或幂等键已用于另一笔分配")
    def post(self, data):
        """收益分配 (增值收益 / 共用部位经营收益; needs fund.returns): credit `amount_fen` for a period to the
        compound's open sub-accounts, split exactly to the fen by the largest-remainder method, weighted by balance
        or by floor area as the county's fund policy says (`key`); once per compound, period and kind.
        `dry_run=true` returns each account's share, writing nothing."""
        user = api_user()
        require(user, "fund.returns")
        compound = get_in_scope(Compound, data["compound_id"], field="compound_id")
        scope = api_scope()
        if data["dry_run"]:
            plan = returns.apportion_returns(compound, period=data["period"], amount_fen=data["amount_fen"],
                                             actor=user, scope=scope, kind=data["kind"])
            shares = [{"account_id": a.id, "household_id": a.household_id, "household_label": a.household.label,
                       "weight": _weight(weight), "share_fen": fen, "entry_id": None} for a, weight, fen in plan.rows]
            return {"id": None, "dry_run": True, "replayed": False, "compound_id": compound.id, "period": plan.period,
                    "kind": plan.kind, "amount_fen": plan.amount_fen, "key": plan.key, "memo": data.get("memo"),
                    "created_at": None, "shares": shares}, 200
        key = idempotency_key(user, "returns")
        dist = returns.distribute_returns(compound, period=data["period"], amount_fen=data["amount_fen"], actor=user,
                                          scope=scope, kind=data["kind"], memo=data.get("memo"), key=key)
        replayed = returns.was_replayed(dist)
        return _distribution_body(dist, replayed=replayed), (200 if replayed else 201)


@blp.route("/households/<int:household_id>/demolition")
class HouseholdDemolition(MethodView):
    @blp.arguments(s.DemolitionIn)
    @blp.doc(parameters=[OPTIONAL_KEY])
    @blp.response(200, s.DemolitionOut)
    def post(self, data, household_id):
        """灭失 (拆迁退款; needs fund.cashier): refund each open sub-account's whole balance (entries of kind
        refund), close the accounts, end the current ownerships and mark the dwelling demolished, in one
        transaction. A dwelling already demolished is refused (422 naming household_id) unless the same request
        comes again with the same Idempotency-Key (then replayed: true). `dry_run=true` shows the accounts and
        the refund, writing nothing."""
        user = api_user()
        require(user, "fund.cashier")
        scope = api_scope()
        household = get_in_scope(Household, household_id)
        body = {"household_id": household.id, "dry_run": data["dry_run"], "replayed": False}
        if data["dry_run"]:
            plan = demolition.preview_demolition(household, on=data["on"], actor=user, scope=scope)
            return body | {"refund_fen": plan.refund_fen, "accounts": plan.subaccounts, "refunds": [],
                           "ended_ownerships": [o.id for o in plan.owners]}
        key = idempotency_key(user, "demolition", required=False)
        try:
            refunds = demolition.demolish(household, on=data["on"], memo=data.get("memo"), actor=user, scope=scope,
                                          key=key)
        except DomainError:
            # Already demolished (also by a parallel request it waited for): the same request gets that result.
            refunds = demolition.replayed_refunds(household, on=data["on"], memo=data.get("memo"), key=key)
            if refunds is None:
                raise
            body["replayed"] = True
        subaccounts.mark_reversed(refunds)
        accounts = db.session.scalars(db.select(SubAccount).options(*subaccounts.WITH_HOUSEHOLD)
                                      .where(SubAccount.household_id == household.id).order_by(SubAccount.id))
        ended = db.session.scalars(db.select(Ownership.id).where(Ownership.household_id == household.id,
                                                                 Ownership.end_reason == OwnershipEnd.DEMOLITION))
        return body | {"refund_fen": sum(-e.amount_fen for e in refunds), "accounts": list(accounts.unique()),
                       "refunds": refunds, "ended_ownerships": list(ended)}
