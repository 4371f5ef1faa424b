"""服务站日常 REST API: teams, work logs and their monthly gaps, patrol routes, runs and check-ins.

Reads go through the caller's Scope (a foreign id is a 404); writes check the role's capability and call
pm.services.stations, committing once here. Lists are paginated and load related rows eagerly.
"""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import require
from pm.blueprints.apiutil import (
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    paginate,
)
from pm.blueprints.stations import schemas as s
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import (
    PatrolPoint,
    PatrolRoute,
    RectificationOrder,
    Station,
    Team,
    WorkLog,
)
from pm.services import inspections
from pm.services import stations as station_work
from pm.timeutil import local_today

URL_PREFIX = ""
blp = api_blueprint("stationwork_api", __name__, description="服务站日常：四支队伍、工作日志、巡查路线与打卡")


def _station(station_id: int | None) -> Station:
    """The caller's own station, or (for officials) the given one within their area."""
    user = api_user()
    require(user, "stations.view")
    if user.role in station_work.STATION_ROLES:
        return get_in_scope(Station, user.station_id)
    if not station_id:
        raise DomainError("请指定服务站（station_id）", field="station_id")
    scope = api_scope()
    if not db.session.scalar(select(Station.id).where(Station.id == station_id, Station.id.in_(scope.within_stations))):
        raise NotFound("服务站不存在或不在您的权限范围内", field="station_id")
    return db.session.get(Station, station_id)


@blp.route("/teams")
class Teams(MethodView):
    @blp.arguments(s.TeamArgs, location="query")
    @blp.response(200, s.TeamsOut)
    def get(self, args):
        """四支队伍 of a station with their members."""
        station = _station(args.get("station_id"))
        items = db.session.scalars(api_scope().select(Team).options(selectinload(Team.members))
                                   .where(Team.station_id == station.id).order_by(Team.id)).all()
        return {"items": items}


@blp.route("/work-logs")
class WorkLogs(MethodView):
    @blp.arguments(s.WorkLogArgs, location="query")
    @blp.response(200, s.WorkLogPage)
    def get(self, args):
        """工作日志 of a station, newest first, filtered by team and dates."""
        station = _station(args.get("station_id"))
        stmt = (api_scope().select(WorkLog)
                .options(joinedload(WorkLog.team), joinedload(WorkLog.author), selectinload(WorkLog.photos))
                .where(WorkLog.station_id == station.id))
        if args.get("team_id"):
            stmt = stmt.where(WorkLog.team_id == args["team_id"])
        if args.get("date_from"):
            stmt = stmt.where(WorkLog.log_on >= args["date_from"])
        if args.get("date_to"):
            stmt = stmt.where(WorkLog.log_on <= args["date_to"])
        return paginate(stmt.order_by(WorkLog.log_on.desc(), WorkLog.id.desc()), args)

    @blp.arguments(s.WorkLogIn)
    @blp.response(201, s.WorkLogOut)
    def post(self, data):
        """Record a team's log for a date and shift (not in the future; one per team, date and shift)."""
        user = api_user()
        require(user, "stations.log")
        team = get_in_scope(Team, data["team_id"], field="team_id")
        log = station_work.create_log(team, log_on=data["log_on"], shift=data["shift"], content=data["content"],
                                      actor=user)
        return get_in_scope(WorkLog, log.id, options=(joinedload(WorkLog.team), joinedload(WorkLog.author),
                                                      selectinload(WorkLog.photos)))


@blp.route("/work-logs/gaps")
class WorkLogGaps(MethodView):
    @blp.arguments(s.WorkLogGapArgs, location="query")
    @blp.response(200, s.WorkLogGapsOut)
    def get(self, args):
        """Per team, the days of a month (up to today) without a work log."""
        station = _station(args.get("station_id"))
        year, month = (int(x) for x in args["month"].split("-"))
        return {"month": args["month"],
                "teams": station_work.month_gaps(station, year, month, today=local_today())}


@blp.route("/patrol-routes")
class Routes(MethodView):
    @blp.arguments(s.PatrolRouteArgs, location="query")
    @blp.response(200, s.RoutePage)
    def get(self, args):
        """巡查路线 of a station with their ordered points."""
        station = _station(args.get("station_id"))
        stmt = (api_scope().select(PatrolRoute).options(selectinload(PatrolRoute.points))
                .where(PatrolRoute.station_id == station.id).order_by(PatrolRoute.name, PatrolRoute.id))
        return paginate(stmt, args)

    @blp.arguments(s.PatrolRouteIn)
    @blp.response(201, s.PatrolRouteOut)
    def post(self, data):
        """Create a route of the caller's station (station manager)."""
        user = api_user()
        require(user, "stations.manage")
        station = _station(None)
        route = station_work.create_route(station, name=data["name"], points=data["points"], actor=user)
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
        points = station_work.patrol_run(route, on)
        ids = [c.id for p in points for c in p.checkins]
        orders = dict(db.session.execute(
            select(RectificationOrder.checkin_id, RectificationOrder.id).where(RectificationOrder.checkin_id.in_(ids))
        ).all()) if ids else {}
        for p in points:
            for c in p.checkins:
                c.rectification_id = orders.get(c.id)
        return {"route_id": route.id, "on": on, "missed": sum(p.missed for p in points), "points": points}


@blp.route("/patrol-points/<int:point_id>/checkins")
class Checkins(MethodView):
    @blp.arguments(s.CheckinIn)
    @blp.response(201, s.PatrolCheckinOut)
    def post(self, data, point_id):
        """Check in at a point now; a problem with `rectification` opens an order for the station."""
        user = api_user()
        require(user, "stations.log")
        point = get_in_scope(PatrolPoint, point_id, options=(joinedload(PatrolPoint.route),))
        row = station_work.checkin(point, actor=user, status=data["status"], note=data.get("note"))
        order = None
        if data.get("rectification"):
            try:
                order = inspections.order_from_checkin(row, user, measure=data["rectification"]["measure"],
                                                       due_on=data["rectification"]["due_on"])
            except DomainError as err:
                err.fields = {"rectification": err.fields or {"_schema": [err.message]}}
                raise
        if data.get("repair"):
            try:
                station_work.repair_from_checkin(row, actor=user, compound_id=data["repair"].get("compound_id"),
                                                 category=data["repair"]["category"],
                                                 urgency=data["repair"].get("urgency"))
            except DomainError as err:
                err.fields = {"repair": err.fields or {"_schema": [err.message]}}
                raise
        row = db.session.get(type(row), row.id)
        row.rectification_id = order.id if order else None
        return row
