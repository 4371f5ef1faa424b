"""以区养区 REST API: common-part income and uses, the per-period disclosure, crediting income to the fund."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, page_of, paginate
from pm.blueprints.commonincome import schemas as s
from pm.blueprints.fund.ledger.api import OPTIONAL_KEY, idempotency_key
from pm.services.commonincome import income

URL_PREFIX = ""
blp = api_blueprint("commonincome_api", __name__, description="以区养区：共用部位经营收益的收支、公开与转入维修资金")


@blp.route("/common-income")
class Entries(MethodView):
    @blp.arguments(s.EntryArgs, location="query")
    @blp.response(200, s.EntryPage)
    def get(self, args):
        """Entries in scope (owners: their compounds'), newest period first."""
        require(api_user(), "income.view")
        return paginate(income.entries_stmt(api_scope(), compound_id=args.get("compound_id"),
                                            period=args.get("period")), args)

    @blp.arguments(s.EntryIn)
    @blp.response(201, s.EntryOut)
    def post(self, data):
        """Record an income or a use (a use may not exceed what the period has left)."""
        return income.record_entry(api_user(), scope=api_scope(), **data)


@blp.route("/common-income/summary")
class Summary(MethodView):
    @blp.arguments(s.SummaryArgs, location="query")
    @blp.response(200, s.SummaryList)
    def get(self, args):
        """Per compound and period: income and uses by category and the balance (fen)."""
        require(api_user(), "income.view")
        rows = income.summary(api_scope(), compound_id=args.get("compound_id"))
        return page_of([{"compound_id": r.compound_id, "period": r.period,
                         "income": {str(k): v for k, v in r.income.items()},
                         "uses": {str(k): v for k, v in r.uses.items()}, "income_fen": r.income_fen,
                         "uses_fen": r.uses_fen, "balance_fen": r.balance_fen} for r in rows], args)


@blp.route("/common-income/fund-credits")
class FundCredits(MethodView):
    @blp.arguments(s.CreditIn)
    @blp.doc(parameters=[{**OPTIONAL_KEY, "description": (
        "Optional (1–90 characters), as for returns-distributions: a retry with the same key and body returns the "
        "first credit (200, replayed: true) instead of crediting twice — also when sent in parallel; the same key "
        "with another body is a 409. Without a key a second credit of the period is refused (409).")}])
    @blp.response(201, s.CreditOut)
    @blp.alt_response(200, schema=s.CreditOut, description="同一幂等键的重复请求（replayed: true）")
    @blp.alt_response(409, description="该小区该期间已转入过（period），或幂等键已用于另一笔转入")
    def post(self, data):
        """Credit income to the compound's fund sub-accounts via the returns distribution (needs fund.returns:
        county admins); recorded as a use of the period's income."""
        user = api_user()
        key = idempotency_key(user, "income-credit", required=False)
        entry = income.credit_to_fund(user, scope=api_scope(), key=key, **data)
        replayed = income.was_replayed(entry)
        return s.credit_body(entry, replayed=replayed), (200 if replayed else 201)
