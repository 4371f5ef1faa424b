"""网格与志愿者 REST API: grids, the register (residents join), hours and the yearly tally."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, paginate
from pm.blueprints.volunteers import schemas as s
from pm.services.volunteers import volunteers

URL_PREFIX = ""
blp = api_blueprint("volunteers_api", __name__, description="网格与志愿者：网格、志愿者报名、服务时长与年度统计")


@blp.route("/grids")
class Grids(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.GridPage)
    def get(self, args):
        """Grids of your area."""
        require(api_user(), "volunteers.manage")
        return paginate(volunteers.grids_stmt(api_scope()), args)

    @blp.arguments(s.GridIn)
    @blp.response(201, s.GridOut)
    def post(self, data):
        """A grid of a community in your area, with the compounds and buildings it covers."""
        return volunteers.create_grid(api_user(), scope=api_scope(), **data)


@blp.route("/volunteers")
class Volunteers(MethodView):
    @blp.arguments(s.VolunteerArgs, location="query")
    @blp.response(200, s.VolunteerPage)
    def get(self, args):
        """The register (owners and residents: their own registrations)."""
        require(api_user(), "volunteers.view")
        return paginate(volunteers.volunteers_stmt(api_scope(), activity=args.get("activity")), args)

    @blp.arguments(s.JoinIn)
    @blp.response(201, s.VolunteerOut)
    def post(self, data):
        """Join the register for an activity (owners and residents)."""
        return volunteers.join(api_user(), scope=api_scope(), **data)


@blp.route("/volunteers/<int:volunteer_id>/hours")
class Hours(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.HoursPage)
    def get(self, args, volunteer_id):
        """A volunteer's logged hours, newest first."""
        require(api_user(), "volunteers.view")
        volunteers.load_volunteer(api_scope(), volunteer_id)
        return paginate(volunteers.hours_stmt(api_scope(), volunteer_id), args)

    @blp.arguments(s.HoursIn)
    @blp.response(201, s.HoursOut)
    def post(self, data, volunteer_id):
        """The community logs hours (a day not in the future; more than 0, at most 24)."""
        require(api_user(), "volunteers.manage")
        volunteer = volunteers.load_volunteer(api_scope(), volunteer_id)
        return volunteers.log_hours(volunteer, api_user(), scope=api_scope(), **data)


@blp.route("/volunteers/tally")
class Tally(MethodView):
    @blp.arguments(s.TallyArgs, location="query")
    @blp.response(200, s.TallyOut)
    def get(self, args):
        """Hours in a year per grid and per person, within your area."""
        require(api_user(), "volunteers.manage")
        per_grid, per_person = volunteers.tally(api_scope(), args["year"])
        return {"year": args["year"], "per_grid": per_grid, "per_person": per_person}
