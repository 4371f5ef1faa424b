"""Governance REST API: the four bodies of a compound or community, bodies, members' terms, committee logins, and
the coverage of the long-term mechanism with the compounds behind each figure."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope, page_of
from pm.blueprints.governance import schemas as s
from pm.models import Body, Community, Compound, Membership, Person, Station, StreetOffice, User
from pm.services.governance import bodies, coverage
from pm.timeutil import local_today

URL_PREFIX = "/governance"
blp = api_blueprint("governance_api", __name__, description="四位一体：组织、成员任期、委员账号、长效机制覆盖率")


def _panel(panel: bodies.Panel) -> dict:
    return {"party": panel.party, "residents": panel.residents, "owners": panel.owners, "stand_in": panel.stand_in,
            "stations": panel.stations, "complete": panel.complete}


@blp.route("/compounds/<int:compound_id>/bodies")
class CompoundBodies(MethodView):
    @blp.response(200, s.GovPanelOut)
    def get(self, compound_id):
        """The compound's four bodies with every term of their members (current and past)."""
        require(api_user(), "governance.view")
        compound = get_in_scope(Compound, compound_id)
        return _panel(bodies.compound_panel(compound, api_scope(), day=local_today()))


@blp.route("/communities/<int:community_id>/bodies")
class CommunityBodies(MethodView):
    @blp.response(200, s.GovPanelOut)
    def get(self, community_id):
        """The community's party organisation, residents' committee and stand-in committee with members."""
        require(api_user(), "governance.view")
        community = get_in_scope(Community, community_id)
        return _panel(bodies.community_panel(community, api_scope(), day=local_today()))


@blp.route("/bodies")
class Bodies(MethodView):
    @blp.arguments(s.GovBodyIn)
    @blp.response(201, s.GovBodyOut)
    def post(self, data):
        """Set up a body at its place (the existing one is answered when it is already there)."""
        user, scope = api_user(), api_scope()
        require(user, "governance.manage")
        community = get_in_scope(Community, data["community_id"], field="community_id") if data["community_id"] else None
        compound = get_in_scope(Compound, data["compound_id"], field="compound_id") if data["compound_id"] else None
        station = get_in_scope(Station, data["station_id"], field="station_id") if data["station_id"] else None
        return bodies.ensure_body(data["kind"], community=community, compound=compound, station=station,
                                  name=data["name"], party_level=data["party_level"], phone=data["phone"],
                                  actor=user, scope=scope)


@blp.route("/bodies/<int:body_id>/members")
class Members(MethodView):
    @blp.response(200, s.GovBodyOut)
    def get(self, body_id):
        """The body with every term of its members."""
        require(api_user(), "governance.view")
        return get_in_scope(Body, body_id)

    @blp.arguments(s.GovMemberIn)
    @blp.response(201, s.GovMemberOut)
    def post(self, data, body_id):
        """A member's term on a seat (the lowest free seat when none is given); overlapping terms are refused."""
        user, scope = api_user(), api_scope()
        require(user, "governance.manage")
        body = get_in_scope(Body, body_id)
        person = get_in_scope(Person, data["person_id"], field="person_id") if data["person_id"] else None
        return bodies.add_member(body, person=person, name=data["name"], position=data["position"],
                                 seat=data["seat"], is_party_member=data["is_party_member"], phone=data["phone"],
                                 started_on=data["started_on"], ends_on=data["ends_on"], actor=user, scope=scope)


@blp.route("/members/<int:member_id>")
class Member(MethodView):
    @blp.arguments(s.GovTermIn)
    @blp.response(200, s.GovMemberOut)
    def patch(self, data, member_id):
        """End a term (or move its end); it may not reach into the next term on the seat."""
        user, scope = api_user(), api_scope()
        require(user, "governance.manage")
        member = get_in_scope(Membership, member_id)
        return bodies.end_term(member, ends_on=data["ends_on"], actor=user, scope=scope)


@blp.route("/members/<int:member_id>/login")
class MemberLogin(MethodView):
    @blp.arguments(s.GovLoginIn)
    @blp.response(200, s.GovMemberOut)
    def post(self, data, member_id):
        """Tie a committee-member login to this term: it stops working when the term ends."""
        user, scope = api_user(), api_scope()
        require(user, "governance.manage")
        member = get_in_scope(Membership, member_id)
        login = get_in_scope(User, data["user_id"], field="user_id")
        return bodies.link_login(member, login, actor=user, scope=scope)


@blp.route("/coverage")
class Coverage(MethodView):
    @blp.arguments(s.CoverageArgs, location="query")
    @blp.response(200, s.CoverageOut)
    def get(self, args):
        """Coverage of the long-term mechanism per street and community (counts and whole percentages)."""
        require(api_user(), "governance.coverage")
        if args["street_id"]:
            get_in_scope(StreetOffice, args["street_id"], field="street_id")
        return coverage.coverage(api_scope(), today=local_today(), street_id=args["street_id"])


@blp.route("/coverage/compounds")
class CoverageCompounds(MethodView):
    @blp.arguments(s.CoverageArgs, location="query")
    @blp.response(200, s.CoverageCompoundsOut)
    def get(self, args):
        """The compounds behind a coverage figure: meeting `criterion`, or (missing=true) not meeting it."""
        require(api_user(), "governance.coverage")
        return page_of(coverage.compounds(api_scope(), today=local_today(), street_id=args["street_id"],
                                          community_id=args["community_id"], criterion=args["criterion"],
                                          missing=args["missing"]), args)
