"""服务站日常 REST API: teams, work logs and their monthly gaps, patrol routes, runs and check-ins."""
# Reads go through the caller's Scope (a foreign id is a 404); writes check the role's capability and call
# pm.services.stations. Lists are paginated and load related rows eagerly.
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy.orm import joinedload, selectinload

from pm.access import require
from pm.blueprints.apiutil import (
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    page_of,
    paginate,
)
from pm.blueprints.stations import schemas as s
from pm.errors import DomainError
from pm.models import PatrolPoint, PatrolRoute, Station, Team
from pm.services.periods import Month
from pm.services.stations import patrols, teams, worklogs
from pm.timeutil import local_today

URL_PREFIX = ""
blp = api_blueprint("stationwork_api", __name__, description="服务站日常：四支队伍、工作日志、巡查路线与打卡")


def _station(station_id: int | None) -> Station:
    """The caller's own station, or (for officials) the given one within their area."""
    user = api_user()
    require(user, "stations.view")
    if user.role not in teams.STATION_ROLES and not station_id:
        raise DomainError("请指定服务站（station_id）", field="station_id")
    return teams.station_for(user, api_scope(), station_id)


@blp.route("/teams")
class Teams(MethodView):
    @blp.arguments(s.TeamArgs, location="query")
    @blp.response(200, s.TeamsOut)
    def get(self, args):
        """四支队伍 of a station with their members."""
        return page_of(teams.teams_of(_station(args.get("station_id")), api_scope()), args)


@blp.route("/work-logs")
class WorkLogs(MethodView):
    @blp.arguments(s.WorkLogArgs, location="query")
    @blp.response(200, s.WorkLogPage)
    def get(self, args):
        """工作日志 of a station, newest first, filtered by team and dates."""
        station = _station(args.get("station_id"))
        stmt = worklogs.logs_stmt(station, api_scope(), team_id=args.get("team_id"), date_from=args.get("date_from"),
                                  date_to=args.get("date_to"))
        return paginate(stmt, args)

    @blp.arguments(s.WorkLogIn)
    @blp.response(201, s.WorkLogOut)
    def post(self, data):
        """Record a team's log for a date and shift (not in the future; one per team, date and shift)."""
        user, scope = api_user(), api_scope()
        require(user, "stations.log")
        team = get_in_scope(Team, data["team_id"], field="team_id")
        log = worklogs.create_log(team, log_on=data["log_on"], shift=data["shift"], content=data["content"],
                                  actor=user, scope=scope)
        return worklogs.load_log(scope, log.id)


@blp.route("/work-logs/gaps")
class WorkLogGaps(MethodView):
    @blp.arguments(s.WorkLogGapArgs, location="query")
    @blp.response(200, s.WorkLogGapsOut)
    def get(self, args):
        """Per team, the days of a month (up to today) without a work log."""
        station = _station(args.get("station_id"))
        month = Month.parse(args["month"], field="month")
        return {"month": str(month),
                "teams": worklogs.month_gaps(station, month, today=local_today(), scope=api_scope())}


@blp.route("/patrol-routes")
class Routes(MethodView):
    @blp.arguments(s.PatrolRouteArgs, location="query")
    @blp.response(200, s.RoutePage)
    def get(self, args):
        """巡查路线 of a station with their ordered points."""
        return paginate(patrols.routes_stmt(_station(args.get("station_id")), api_scope()), args)

    @blp.arguments(s.PatrolRouteIn)
    @blp.response(201, s.PatrolRouteOut)
    def post(self, data):
        """Create a route of the caller's station (station manager)."""
        user = api_user()
        require(user, "stations.manage")
        route = patrols.create_route(_station(None), name=data["name"], points=data["points"], actor=user,
                                     scope=api_scope())
        return get_in_scope(PatrolRoute, route.id, options=(selectinload(PatrolRoute.points),))


@blp.route("/patrol-routes/<int:route_id>/run")
class RouteRun(MethodView):
    @blp.arguments(s.PatrolRunArgs, location="query")
    @blp.response(200, s.PatrolRunOut)
    def get(self, args, route_id):
        """巡查情况 of a day: each point with its check-ins; points without one are missed."""
        require(api_user(), "stations.view")
        route = get_in_scope(PatrolRoute, route_id, options=(selectinload(PatrolRoute.points),))
        on = args.get("on") or local_today()
        points = patrols.patrol_run(route, on, scope=api_scope())
        return {"route_id": route.id, "on": on, "missed": sum(p.missed for p in points), "points": points}


@blp.route("/patrol-points/<int:point_id>/checkins")
class Checkins(MethodView):
    @blp.arguments(s.CheckinIn)
    @blp.response(201, s.PatrolCheckinOut)
    def post(self, data, point_id):
        """Check in at a point now; a problem with `rectification` opens an order for the station, with `repair`
        files a repair request."""
        user = api_user()
        require(user, "stations.log")
        point = get_in_scope(PatrolPoint, point_id, options=(joinedload(PatrolPoint.route),))
        order, repair = data.get("rectification"), data.get("repair")
        try:
            return patrols.record_checkin(
                point, actor=user, scope=api_scope(), status=data["status"], note=data.get("note"),
                order=patrols.OrderAsked(order["measure"], order["due_on"]) if order else None,
                repair=patrols.RepairAsked(repair.get("compound_id"), repair["category"], repair.get("urgency"))
                if repair else None,
            )
        except DomainError as err:
            part = getattr(err, "part", None)
            if part:  # named like marshmallow's nested errors: {"repair": {"category": [...]}}
                err.fields = {part: err.fields or {"_schema": [err.message]}}
            raise
