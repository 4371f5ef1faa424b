"""Owners' committee election REST API: start (preparatory group), candidates, publicity, voting, ballots
(online or paper), count, filing, cancel."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import PageArgs, api_blueprint, api_scope, api_user, get_in_scope, page_of, paginate
from pm.blueprints.governance.elections import schemas as s
from pm.errors import Conflict, NotFound
from pm.extensions import db
from pm.models import Compound, Election, Household, Person
from pm.models.votes import Decision
from pm.services import votes
from pm.services.governance import elections, officers
from pm.services.votes.canvass import CAPABILITY as CANVASS

URL_PREFIX = "/elections"
blp = api_blueprint("elections_api", __name__, description="业主委员会选举：筹备组、候选人、公示、投票、计票、备案")


def _load(election_id: int) -> Election:
    require(api_user(), "governance.view")
    get_in_scope(Election, election_id)
    return elections.load(api_scope(), election_id)


@blp.route("")
class Elections(MethodView):
    @blp.arguments(s.ElectionArgs, location="query")
    @blp.response(200, s.ElectionPage)
    def get(self, args):
        """Elections in scope, newest first."""
        require(api_user(), "governance.view")
        return paginate(elections.elections_stmt(api_scope(), args["compound_id"]), args)

    @blp.arguments(s.ElectionIn)
    @blp.response(201, s.ElectionOut)
    def post(self, data):
        """The street office forms the preparatory group and opens nominations (committee size odd, in range)."""
        user, scope = api_user(), api_scope()
        require(user, "governance.elections")
        compound = get_in_scope(Compound, data["compound_id"], field="compound_id")
        election = elections.start_election(compound, kind=data["kind"], seats=data["seats"],
                                            term_years=data["term_years"], group=data["group"], actor=user,
                                            scope=scope)
        return elections.load(scope, election.id)


@blp.route("/<int:election_id>")
class ElectionItem(MethodView):
    @blp.response(200, s.ElectionOut)
    def get(self, election_id):
        """The election with its group, candidates and results."""
        return _load(election_id)


@blp.route("/<int:election_id>/candidates")
class Candidates(MethodView):
    @blp.arguments(s.CandidateIn)
    @blp.response(201, s.ElectionOut)
    def post(self, data, election_id):
        """Nominate a current owner of the compound."""
        user, scope = api_user(), api_scope()
        require(user, "governance.elections")
        election = _load(election_id)
        household = get_in_scope(Household, data["household_id"], field="household_id")
        person = get_in_scope(Person, data["person_id"], field="person_id")
        elections.nominate(election, person=person, household=household, statement=data["statement"],
                           nominated_by=data["nominated_by"], is_party_member=data["is_party_member"], actor=user,
                           scope=scope)
        return elections.load(scope, election.id)


def _step(election_id: int, call):
    user, scope = api_user(), api_scope()
    require(user, "governance.elections")
    election = _load(election_id)
    call(election, user, scope)
    return elections.load(scope, election.id)


@blp.route("/<int:election_id>/publicity")
class Publicity(MethodView):
    @blp.arguments(s.PublicityIn)
    @blp.response(200, s.ElectionOut)
    def post(self, data, election_id):
        """Publicise the candidates for the county's number of days."""
        return _step(election_id, lambda e, u, sc: elections.publicise(e, starts_on=data["starts_on"], actor=u,
                                                                       scope=sc))


@blp.route("/<int:election_id>/voting")
class Voting(MethodView):
    @blp.arguments(s.VotingIn)
    @blp.response(200, s.ElectionOut)
    def post(self, data, election_id):
        """Open voting after the publicity (electorate: the compound's dwellings, snapshot now)."""
        return _step(election_id, lambda e, u, sc: elections.open_voting(
            e, opens_on=data["opens_on"], closes_on=data["closes_on"], actor=u, scope=sc))


@blp.route("/<int:election_id>/ballots")
class Ballots(MethodView):
    @blp.arguments(s.ElectionBallotIn)
    @blp.response(201, s.ElectionBallotOut)
    def post(self, data, election_id):
        """One dwelling's ballot: up to the seat count among the candidates; `paper` for a paper ballot entered
        for the group (street office or community, naming the owner who voted)."""
        user, scope = api_user(), api_scope()
        election = _load(election_id)
        household = get_in_scope(Household, data["household_id"], field="household_id")
        person = get_in_scope(Person, data["person_id"], field="person_id") if data["person_id"] else None
        ballot = elections.cast(election, household, data["candidate_ids"], actor=user, scope=scope,
                                paper=data["paper"], person=person)
        return {"id": ballot.id, "household_id": ballot.household_id, "is_paper": ballot.is_paper,
                "candidate_ids": elections.my_choices(election, ballot.id), "receipt_no": votes.receipt_number(ballot)}


@blp.route("/<int:election_id>/close")
class Close(MethodView):
    @blp.arguments(s.EmptyIn)
    @blp.response(200, s.ElectionOut)
    def post(self, data, election_id):
        """Count once: results stored and publicised, members recorded with their term."""
        return _step(election_id, lambda e, u, sc: elections.close(e, actor=u, scope=sc))


@blp.route("/<int:election_id>/filing")
class Filing(MethodView):
    @blp.arguments(s.FilingIn)
    @blp.response(200, s.ElectionOut)
    def post(self, data, election_id):
        """备案 with the street office."""
        return _step(election_id, lambda e, u, sc: elections.file(e, filed_on=data["filed_on"], actor=u, scope=sc))


@blp.route("/<int:election_id>/cancel")
class Cancel(MethodView):
    @blp.arguments(s.EmptyIn)
    @blp.response(200, s.ElectionOut)
    def post(self, data, election_id):
        """Withdraw an election before it is counted."""
        return _step(election_id, lambda e, u, sc: elections.cancel(e, actor=u, scope=sc))


@blp.route("/<int:election_id>/officers")
class Officers(MethodView):
    @blp.arguments(s.OfficersIn)
    @blp.response(200, s.OfficersOut)
    def post(self, data, election_id):
        """The elected members' chair and vice-chairs (street office, county, or the committee itself); a changed
        position ends the member's term the day before and starts a new one on the seat."""
        user, scope = api_user(), api_scope()
        require(user, officers.CAPABILITY)
        election = _load(election_id)
        members = officers.choose_officers(election, chair_person_id=data["chair_person_id"],
                                           vice_chair_person_ids=data["vice_chair_person_ids"],
                                           effective_on=data["effective_on"], actor=user, scope=scope)
        return {"election_id": election.id, "members": members}


@blp.route("/<int:election_id>/receipts/<int:ballot_id>")
class ElectionReceipt(MethodView):
    @blp.response(200, s.ElectionReceiptOut)
    def get(self, election_id, ballot_id):
        """投票回执 of a ballot the caller may see (the voter, a current owner of the dwelling, officials)."""
        election = _load(election_id)
        if election.decision_id is None:
            raise NotFound("该投票回执不存在或不在您的权限范围内")
        found = votes.receipt(ballot_id, user=api_user(), scope=api_scope(), decision_id=election.decision_id)
        return {"election_id": election.id, **found.as_dict(),
                "candidate_ids": elections.my_choices(election, ballot_id)}


@blp.route("/<int:election_id>/unvoted")
class ElectionUnvoted(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.ElectionUnvotedListOut)
    def get(self, args, election_id):
        """未投票住户 of the election for collecting ballots door to door (committee and community)."""
        require(api_user(), CANVASS)
        election = _load(election_id)
        if election.decision_id is None:
            raise Conflict("该选举尚未开始投票", field="status")
        rows = votes.unvoted(db.session.get(Decision, election.decision_id), actor=api_user(), scope=api_scope())
        return {"election_id": election.id, **page_of(rows, args)}
