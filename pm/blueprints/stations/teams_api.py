"""四支队伍 REST API (station managers): create the station's four teams, add and remove team members — what the
page /stationwork does. Listing is GET /teams (pm.blueprints.stations.api)."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from pm.access import require
from pm.blueprints.apiutil import BaseSchema, api_blueprint, api_scope, api_user, get_in_scope, id_field
from pm.blueprints.stations import schemas as s
from pm.models import Station, Team, User
from pm.services.stations import teams

URL_PREFIX = ""
blp = api_blueprint("teams_api", __name__, description="服务站队伍管理：建立四支队伍、增减队员（站长）")


class MemberIn(BaseSchema):
    user_id = id_field(required=True, metadata={"description": "a staff account of the station"})


class TeamList(BaseSchema):
    teams = fields.List(fields.Nested(s.TeamOut))


@blp.route("/teams/setup")
class TeamSetup(MethodView):
    @blp.response(200, TeamList)
    def post(self):
        """建立四支队伍: create the teams the caller's station is missing (station manager); idempotent."""
        user = api_user()
        require(user, "stations.manage")
        station = api_scope().get(Station, user.station_id)
        return {"teams": teams.ensure_teams(station, actor=user, scope=api_scope())}


@blp.route("/teams/<int:team_id>/members")
class TeamMembers(MethodView):
    @blp.arguments(MemberIn)
    @blp.response(200, s.TeamOut)
    def post(self, data, team_id):
        """增加队员: a staff account of the station joins the team."""
        require(api_user(), "stations.manage")
        team = get_in_scope(Team, team_id)
        member = get_in_scope(User, data["user_id"], field="user_id")
        return teams.add_member(team, member, actor=api_user(), scope=api_scope())


@blp.route("/teams/<int:team_id>/members/<int:user_id>/remove")
class TeamMemberRemove(MethodView):
    @blp.response(200, s.TeamOut)
    def post(self, team_id, user_id):
        """移出队员."""
        require(api_user(), "stations.manage")
        team = get_in_scope(Team, team_id)
        return teams.remove_member(team, get_in_scope(User, user_id), actor=api_user(), scope=api_scope())
