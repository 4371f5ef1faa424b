"""资金公示 REST API: an owner's sub-accounts and their movements, yearly statements per compound and household."""
# Money is integer fen. Every read goes through the caller's Scope (a foreign id is a 404) and the same service
# functions as the pages.
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import PageArgs, api_blueprint, api_scope, api_user, page_of, paginate
from pm.blueprints.fund.statements import schemas as s
from pm.blueprints.notices.schemas import NoticeOut
from pm.services.fund import statement_notice, statements, subaccounts

URL_PREFIX = ""
blp = api_blueprint("statements_api", __name__, description="维修资金：我的分户账、年度公示与分户对账单")


@blp.route("/my/fund-accounts")
class MyAccounts(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.MyFundAccountList)
    def get(self, args):
        """我的维修资金: the sub-accounts of the caller's households (owners and residents)."""
        homes = subaccounts.my_subaccounts(api_scope())
        return page_of([summary for home in homes for summary in home.subaccounts], args)


@blp.route("/my/fund-accounts/<int:account_id>/entries")
class MyAccountEntries(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.StatementEntryPage)
    def get(self, args, account_id):
        """An account's movements, newest first, paginated."""
        scope = subaccounts.require_household_bound(api_scope())
        summary = subaccounts.subaccount_in_scope(scope, account_id)
        return paginate(subaccounts.movements_stmt(scope, summary.subaccount), args)


@blp.route("/statements/compounds/<int:compound_id>/<int:year>")
class CompoundStatement(MethodView):
    @blp.response(200, s.CompoundStatementOut)
    def get(self, compound_id, year):
        """年度公示 of a compound: opening, deposits, uses with apportionment, returns, closing."""
        return statements.compound_statement(api_scope(), compound_id, year)


@blp.route("/statements/compounds/<int:compound_id>/<int:year>/publication")
class CompoundStatementPublication(MethodView):
    @blp.response(201, NoticeOut)
    def post(self, compound_id, year):
        """发布资金公示: post the year's statement (a year that has ended) as a 公示 to the compound's households,
        linking to its page, for the county's publicity days; once per compound and year (a second is a 409)."""
        require(api_user(), "fund.statement.publish")
        return statement_notice.publish_statement(api_user(), scope=api_scope(), compound_id=compound_id, year=year)


@blp.route("/statements/households/<int:household_id>/<int:year>")
class HouseholdStatement(MethodView):
    @blp.response(200, s.HouseholdStatementOut)
    def get(self, household_id, year):
        """A household's yearly statement: movements and balances per sub-account."""
        return statements.household_statement(api_scope(), household_id, year)
