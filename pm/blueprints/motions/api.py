"""表决事项 REST API: motions (file, read), the elevator cost table and affected households (drafts), transitions
(publicity, voting, closed, cancelled), ballots and receipts, the tally, who has not voted, paper ballots, and
the county's motion policy.

Reads go through the caller's Scope (a foreign id is a 404); the services check who may file and enter ballots,
and every write commits once (pm/transactions.py). Money is integer fen.
"""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy.orm import joinedload, selectinload

from pm.blueprints.apiutil import PageArgs, api_blueprint, api_scope, api_user, get_in_scope, page_of, paginate
from pm.blueprints.motions import schemas as s
from pm.errors import Conflict, NotFound
from pm.models import Compound, County, Household, Person
from pm.models.motions import Motion, MotionAffected, MotionStatus
from pm.services import motions, votes

URL_PREFIX = ""
blp = api_blueprint("motions_api", __name__,
                    description="业主表决事项与加装电梯单元表决：费用共担、公示、表决、计票、结果公布")

DETAIL_OPTIONS = (joinedload(Motion.compound), selectinload(Motion.coefficients),
                  selectinload(Motion.affected).joinedload(MotionAffected.household).joinedload(Household.building),
                  selectinload(Motion.affected).joinedload(MotionAffected.household).joinedload(Household.unit))


def _motion(motion_id: int) -> Motion:
    return motions.load(api_scope(), motion_id, options=DETAIL_OPTIONS)


def _detail(motion_id: int) -> Motion:
    motion = _motion(motion_id)
    rows = motions.cost_table(motion)
    motion.cost_table = [r.as_dict() for r in rows]
    motion.my_costs = [r.as_dict() for r in motions.my_rows(rows, api_user())]
    motion.threshold = motions.rule_for(motion.kind).threshold_text
    return motion


def _decision(motion: Motion):
    decision = motions.decision_of(motion)
    if decision is None:
        raise Conflict("该事项尚未开始表决", field="status")
    return decision


def _receipt(motion: Motion, ballot_id: int) -> dict:
    if motion.decision_id is None:
        raise NotFound("该投票回执不存在或不在您的权限范围内")
    found = votes.receipt(ballot_id, user=api_user(), scope=api_scope(), decision_id=motion.decision_id)
    return {"motion_id": motion.id, **found.as_dict()}


@blp.route("/motions")
class Motions(MethodView):
    @blp.arguments(s.MotionArgs, location="query")
    @blp.response(200, s.MotionPage)
    def get(self, args):
        """表决事项 in the caller's scope, newest first (due=true: those awaiting the owner's ballot)."""
        stmt = motions.motions_stmt(api_scope(), status=args.get("status"), compound_id=args.get("compound_id"),
                                    due_for=api_user() if args.get("due") else None)
        return paginate(stmt, args)

    @blp.arguments(s.MotionCreateIn)
    @blp.response(201, s.MotionDetailOut)
    def post(self, data):
        """File a draft motion (the owners' committee; the community or street office where there is none)."""
        compound = get_in_scope(Compound, data["compound_id"], field="compound_id")
        motion = motions.create_motion(compound, kind=data["kind"], title=data["title"], body=data["body"],
                                       unit_id=data.get("unit_id"), actor=api_user(), scope=api_scope())
        return _detail(motion.id)


@blp.route("/motions/<int:motion_id>")
class MotionDetail(MethodView):
    @blp.response(200, s.MotionDetailOut)
    def get(self, motion_id):
        """One motion with its cost table (published parts; a draft's preview), affected households and the
        caller's own parts."""
        return _detail(motion_id)


@blp.route("/motions/<int:motion_id>/costs")
class Costs(MethodView):
    @blp.arguments(s.CostsIn)
    @blp.response(200, s.MotionDetailOut)
    def put(self, data, motion_id):
        """Set a draft elevator motion's cost table (every coefficient positive; every floor of the unit)."""
        motion = _motion(motion_id)
        motions.set_costs(motion, total_cost_fen=data["total_cost_fen"],
                          coefficients=[(c["floor"], c["coefficient"]) for c in data["coefficients"]],
                          actor=api_user(), scope=api_scope())
        return _detail(motion_id)


@blp.route("/motions/<int:motion_id>/affected")
class Affected(MethodView):
    @blp.arguments(s.AffectedIn)
    @blp.response(200, s.MotionDetailOut)
    def put(self, data, motion_id):
        """Set the households the elevator directly affects (households of the unit)."""
        motion = _motion(motion_id)
        motions.set_affected(motion, data["household_ids"], actor=api_user(), scope=api_scope())
        return _detail(motion_id)


@blp.route("/motions/<int:motion_id>/transitions")
class MotionTransitions(MethodView):
    @blp.arguments(s.MotionTransitionIn)
    @blp.response(200, s.MotionDetailOut)
    def post(self, data, motion_id):
        """Move the motion on: publicity (until a date), voting (until a date), closed (counted, result
        published), cancelled. Out of order is a 409 and nothing changes."""
        motion = _motion(motion_id)
        motions.transition(motion, data["to"], actor=api_user(), scope=api_scope(),
                           publicity_until=data.get("publicity_until"), closes_on=data.get("closes_on"))
        return _detail(motion_id)


@blp.route("/motions/<int:motion_id>/ballots")
class MotionBallots(MethodView):
    @blp.arguments(s.MotionBallotIn)
    @blp.response(201, s.MotionReceiptOut)
    def post(self, data, motion_id):
        """Cast one dwelling's ballot (an owner's own) or enter a paper ballot (committee or community, with
        person_id and is_paper). A second ballot for the dwelling is a 409."""
        motion = _motion(motion_id)
        household = get_in_scope(Household, data["household_id"], field="household_id")
        person = get_in_scope(Person, data["person_id"], field="person_id") if data.get("person_id") else None
        ballot = motions.cast_ballot(motion, household, data["choice"], actor=api_user(), scope=api_scope(),
                                     person=person, paper=data["is_paper"])
        return _receipt(motion, ballot.id)


@blp.route("/motions/<int:motion_id>/ballots/<int:ballot_id>")
class MotionReceipt(MethodView):
    @blp.response(200, s.MotionReceiptOut)
    def get(self, motion_id, ballot_id):
        """投票回执: the voter and the dwelling's current owners see it, and officials in scope."""
        return _receipt(_motion(motion_id), ballot_id)


@blp.route("/motions/<int:motion_id>/my-vote")
class MyMotionVote(MethodView):
    @blp.response(200, s.MyMotionVoteOut)
    def get(self, motion_id):
        """The caller's own dwellings that vote on the motion: each one's cost part and receipt (if voted)."""
        motion = _motion(motion_id)
        user, scope = api_user(), api_scope()
        mine = motions.my_households(motion, user)
        costs = {r.household.id: r.as_dict() for r in motions.my_rows(motions.cost_table(motion), user)}
        ballots = motions.my_ballots(motion, mine, scope)
        decision = motions.decision_of(motion)
        return {"motion_id": motion.id, "voting": motion.status == MotionStatus.VOTING,
                "closes_on": decision.closes_on if decision is not None else None,
                "dwellings": [{"household_id": h.id, "household": h.label, "cost": costs.get(h.id),
                               "receipt": _receipt(motion, ballots[h.id].id) if h.id in ballots else None}
                              for h in mine]}


@blp.route("/motions/<int:motion_id>/tally")
class MotionTally(MethodView):
    @blp.response(200, s.MotionTallyOut)
    def get(self, motion_id):
        """The tally with exact fractions (live while voting, final once closed) and the consent of the
        affected households where the county requires it."""
        return motions.tally_dict(_motion(motion_id))


@blp.route("/motions/<int:motion_id>/unvoted")
class MotionUnvoted(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.MotionUnvotedListOut)
    def get(self, args, motion_id):
        """未投票住户 for collecting ballots door to door (committee and community)."""
        motion = _motion(motion_id)
        rows = votes.unvoted(_decision(motion), actor=api_user(), scope=api_scope())
        return {"motion_id": motion.id, **page_of(rows, args)}


@blp.route("/motions/<int:motion_id>/paper-ballots")
class MotionPaperBallots(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.MotionPaperListOut)
    def get(self, args, motion_id):
        """The paper ballots with the account that entered each and when (committee and community)."""
        motion = _motion(motion_id)
        entries = votes.paper_entries(_decision(motion), actor=api_user(), scope=api_scope())
        return {"motion_id": motion.id, **page_of(entries, args)}


@blp.route("/counties/<int:county_id>/motion-policy")
class MotionPolicyView(MethodView):
    @blp.response(200, s.MotionPolicyOut)
    def get(self, county_id):
        """The county's elevator settings: affected households' consent, cost × area."""
        get_in_scope(County, county_id)
        return motions.policy_for(county_id)

    @blp.arguments(s.MotionPolicyIn)
    @blp.response(200, s.MotionPolicyOut)
    def put(self, data, county_id):
        """Set them (county admins)."""
        get_in_scope(County, county_id)
        return motions.set_policy(county_id, affected_consent=data["affected_consent"],
                                  cost_by_area=data["cost_by_area"], actor=api_user(), scope=api_scope())
