"""使用方案 REST API: plans (create, read, change a draft), transitions, ballots, tally and apportionment.

Reads go through the caller's Scope (a foreign id is a 404); the services check capabilities and the
configured approver, and every write commits once here. Money is integer fen.
"""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from sqlalchemy.orm import joinedload, selectinload

from pm.blueprints.apiutil import (
    PageArgs,
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    page_of,
    paginate,
)
from pm.blueprints.fund.plans import schemas as s
from pm.errors import Conflict, NotFound
from pm.models import Compound, Household, Person
from pm.models.fund import PlanStatus, UsePlan
from pm.services import votes
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import Targets

URL_PREFIX = ""
blp = api_blueprint("plans_api", __name__, description="维修资金使用方案：公示、业主表决、应急使用、审核、按面积分摊")

PLAN_OPTIONS = (joinedload(UsePlan.compound), selectinload(UsePlan.scopes))
HOUSEHOLD_OPTIONS = (joinedload(Household.building), joinedload(Household.unit))


def _plan(plan_id: int) -> UsePlan:
    return get_in_scope(UsePlan, plan_id, options=PLAN_OPTIONS)


def _detail(plan_id: int) -> UsePlan:
    plan = _plan(plan_id)
    plan.document_list = fund_plans.documents_of(plan, api_scope())
    plan.my_cost_list = [c.as_dict() for c in fund_plans.my_costs(plan, api_user(), api_scope())]
    return plan


def _receipt(plan: UsePlan, ballot_id: int) -> dict:
    if plan.decision_id is None:
        raise NotFound("该投票回执不存在或不在您的权限范围内")
    found = votes.receipt(ballot_id, user=api_user(), scope=api_scope(), decision_id=plan.decision_id)
    return {"plan_id": plan.id, **found.as_dict()}


def _decision(plan: UsePlan):
    decision = fund_plans.decision_of(plan)
    if decision is None:
        raise Conflict("该方案尚未开始表决", field="status")
    return decision


def _targets(data: dict | None) -> Targets | None:
    if data is None:
        return None
    lists = {k: list(data.get(f"{k}_ids") or []) for k in ("building", "unit", "household")}
    whole = data.get("whole")
    if whole is None:  # no lists given means the whole compound
        whole = not any(lists.values())
    return Targets(whole=whole, buildings=lists["building"], units=lists["unit"], households=lists["household"])


@blp.route("/plans")
class Plans(MethodView):
    @blp.arguments(s.PlanArgs, location="query")
    @blp.response(200, s.PlanPage)
    def get(self, args):
        """使用方案列表 in the caller's scope (owners: their compound's plans), newest first."""
        stmt = fund_plans.plans_stmt(api_scope(), status=args.get("status"), compound_id=args.get("compound_id"),
                                     options=PLAN_OPTIONS)
        return paginate(stmt, args)

    @blp.arguments(s.PlanCreateIn)
    @blp.response(201, s.PlanDetailOut)
    def post(self, data):
        """Draft a plan (needs fund.plan.propose, compound in scope)."""
        user = api_user()
        compound = get_in_scope(Compound, data.pop("compound_id"), field="compound_id")
        targets = _targets(data.pop("scope"))
        confirmations = {name: data.pop(name) for name in fund_plans.CONFIRMATIONS}
        plan = fund_plans.create_plan(compound, actor=user, scope=api_scope(), targets=targets,
                                      confirmations=confirmations, **data)
        return _detail(plan.id)


@blp.route("/plans/<int:plan_id>")
class PlanDetail(MethodView):
    @blp.response(200, s.PlanDetailOut)
    def get(self, plan_id):
        """One plan with its scope and documents."""
        return _detail(plan_id)

    @blp.arguments(s.PlanPatchIn)
    @blp.response(200, s.PlanDetailOut)
    def patch(self, data, plan_id):
        """Change a draft (only while it is a draft)."""
        plan = _plan(plan_id)
        targets = _targets(data.pop("scope", None))
        fund_plans.update_plan(plan, actor=api_user(), scope=api_scope(), targets=targets, **data)
        return _detail(plan_id)


@blp.route("/plans/<int:plan_id>/transitions")
class Transitions(MethodView):
    @blp.arguments(s.PlanTransitionIn)
    @blp.response(200, s.PlanDetailOut)
    def post(self, data, plan_id):
        """Move the plan on (checked: out of order is a 409 and nothing changes)."""
        plan = _plan(plan_id)
        fund_plans.transition(plan, data["to"], actor=api_user(), scope=api_scope(), reason=data.get("reason"),
                              actual_cost_fen=data.get("actual_cost_fen"))
        return _detail(plan_id)


@blp.route("/plans/<int:plan_id>/ballots")
class Ballots(MethodView):
    @blp.arguments(s.PlanBallotIn)
    @blp.response(201, s.PlanBallotOut)
    def post(self, data, plan_id):
        """Cast one dwelling's ballot (an owner's own) or enter a paper ballot (committee, with person_id)."""
        plan = _plan(plan_id)
        household = get_in_scope(Household, data["household_id"], field="household_id")
        person = None
        if data.get("person_id"):
            person = get_in_scope(Person, data["person_id"], field="person_id")
        ballot = fund_plans.cast_ballot(plan, household, data["choice"], actor=api_user(), scope=api_scope(),
                                        person=person, paper=data["is_paper"])
        # The ballot belongs to the plan's decision; the API keeps naming the plan it was cast on.
        return {"plan_id": plan.id, "receipt_no": votes.receipt_number(ballot),
                **{name: getattr(ballot, name) for name in s.PlanBallotOut.FROM_BALLOT}}


@blp.route("/plans/<int:plan_id>/ballots/<int:ballot_id>")
class BallotReceipt(MethodView):
    @blp.response(200, s.ReceiptOut)
    def get(self, plan_id, ballot_id):
        """投票回执 of one ballot: the voter and the dwelling's current owners see it, and officials in scope."""
        return _receipt(_plan(plan_id), ballot_id)


@blp.route("/plans/<int:plan_id>/my-vote")
class MyVote(MethodView):
    @blp.response(200, s.MyVoteOut)
    def get(self, plan_id):
        """The caller's own dwellings that vote on the plan: what the plan costs each, and its receipt if voted."""
        plan = _plan(plan_id)
        scope, user = api_scope(), api_user()
        mine = fund_plans.my_households(plan, user) or fund_plans.own_households(plan, user)
        costs = {c.household.id: c.as_dict() for c in fund_plans.household_costs(plan, mine, scope)}
        ballots = fund_plans.my_ballots(plan, mine, scope)
        return {"plan_id": plan.id, "voting": plan.status == PlanStatus.VOTING, "vote_closes_on": plan.vote_closes_on,
                "dwellings": [{"household_id": h.id, "household": h.label, "cost": costs.get(h.id),
                               "receipt": _receipt(plan, ballots[h.id].id) if h.id in ballots else None}
                              for h in mine]}


@blp.route("/plans/<int:plan_id>/households/<int:household_id>/cost")
class HouseholdCost(MethodView):
    @blp.response(200, s.HouseholdCostOut)
    def get(self, plan_id, household_id):
        """What the plan costs one household in the caller's scope (an owner: only their own; 404 otherwise, or
        when the household is not in the plan's scope)."""
        plan = _plan(plan_id)
        household = get_in_scope(Household, household_id, options=HOUSEHOLD_OPTIONS)
        costs = fund_plans.household_costs(plan, [household], api_scope())
        if not costs:
            raise NotFound("该户不在本方案的列支范围内", field="household_id")
        return costs[0].as_dict()


@blp.route("/plans/<int:plan_id>/unvoted")
class Unvoted(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.UnvotedListOut)
    def get(self, args, plan_id):
        """未投票住户 for collecting ballots door to door (owners' committee and community): door, owners, phones."""
        plan = _plan(plan_id)
        rows = votes.unvoted(_decision(plan), actor=api_user(), scope=api_scope())
        return {"plan_id": plan.id, **page_of(rows, args)}


@blp.route("/plans/<int:plan_id>/paper-ballots")
class PaperBallots(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.PaperEntryListOut)
    def get(self, args, plan_id):
        """The plan's paper ballots with the account that entered each and when (committee and community)."""
        plan = _plan(plan_id)
        entries = votes.paper_entries(_decision(plan), actor=api_user(), scope=api_scope())
        return {"plan_id": plan.id, **page_of(entries, args)}


@blp.route("/plans/<int:plan_id>/tally")
class TallyView(MethodView):
    @blp.response(200, s.PlanTallyOut)
    def get(self, plan_id):
        """The live tally: totals, participation, yes/no/abstain by area and heads, quorum and outcome."""
        return fund_plans.tally_dict(_plan(plan_id))


@blp.route("/plans/<int:plan_id>/shares")
class Shares(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.PlanSharesOut)
    def get(self, args, plan_id):
        """The apportionment: a preview from 'settled', the charged shares (with shortfalls) once charged."""
        plan = _plan(plan_id)
        per_page = min(args["per_page"], current_app.config["API_MAX_PAGE_SIZE"])
        shares = fund_plans.plan_shares(plan, api_scope(), page=args["page"], per_page=per_page)
        if shares is None:
            raise Conflict("方案结算后才有分摊预览", field="status")
        items = [{"account_id": r.account_id, "household_id": r.household_id, "holder": r.holder,
                  "area_m2": r.area_m2, "share_fen": r.share_fen, "charged_fen": r.charged_fen,
                  "shortfall_fen": r.shortfall_fen} for r in shares.rows]
        return {"preview": shares.preview, "total_fen": shares.total_fen, "charged_fen": shares.charged_fen,
                "shortfall_fen": shares.shortfall_fen, "rounding_method": plan.rounding_method,
                "households_without_account": shares.without_account, "items": items, "page": args["page"],
                "per_page": per_page, "total": shares.count}
