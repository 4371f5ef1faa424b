"""Station work pages: teams and members, work logs, the month calendar, patrol routes, runs and check-ins."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from pm.access import current_scope, require
from pm.blueprints.stations.forms import (
    CheckinForm,
    LogForm,
    MemberForm,
    RouteForm,
    options,
)
from pm.blueprints.webutil import paginate, submit_form
from pm.errors import DomainError, NotFound
from pm.models import (
    PatrolPoint,
    PatrolRoute,
    RepairCategory,
    Role,
    Station,
    Team,
    TeamKind,
    User,
)
from pm.services.assessments.compute import cutoff_of
from pm.services.labels import choices, label
from pm.services.periods import Month
from pm.services.stations import patrols, teams, worklogs
from pm.timeutil import local_today

bp = Blueprint("stations", __name__, url_prefix="/stationwork")


@bp.context_processor
def _helpers():
    return {"label": label}


def _station() -> Station:
    """The station the page is about: the user's own, or ?station_id= for officials (in their area)."""
    require(current_user, "stations.view")
    station_id = request.args.get("station_id", type=int)
    if current_user.role not in teams.STATION_ROLES and station_id is None:
        raise NotFound(_("请选择服务站"))
    return teams.station_for(current_user, current_scope(), station_id)


def _station_arg() -> dict:
    return {"station_id": request.args["station_id"]} if "station_id" in request.args else {}


@bp.route("/")
@login_required
def index():
    """Officials pick a station; station users see their teams and members."""
    require(current_user, "stations.view")
    scope = current_scope()
    no_log = local_today() if request.args.get("no_log") == "today" else None  # the home page's 今日未填日志
    if current_user.role not in teams.STATION_ROLES and "station_id" not in request.args:
        return render_template("stations/stations.html", stations=teams.stations_in_area(scope, without_log_on=no_log),
                               no_log=no_log)
    station = _station()
    staff = teams.assignable_staff(station, scope) if current_user.role == Role.STATION_MANAGER else []
    return render_template("stations/index.html", station=station, staff=staff, member_form=MemberForm(),
                           teams=teams.teams_of(station, scope, without_log_on=no_log), no_log=no_log,
                           station_arg=_station_arg())


@bp.route("/teams/setup", methods=["POST"])
@login_required
def setup_teams():
    """Create the four teams (those missing)."""
    require(current_user, "stations.manage")
    scope = current_scope()
    teams.ensure_teams(scope.get(Station, current_user.station_id), actor=current_user, scope=scope)
    return redirect(url_for("stations.index"))


@bp.route("/teams/<int:team_id>/members", methods=["POST"])
@login_required
def add_member(team_id: int):
    """Add a staff account of the station to a team."""
    require(current_user, "stations.manage")
    scope = current_scope()
    team = scope.get(Team, team_id)
    form = MemberForm()
    form.user_id.choices = options([(request.form.get("user_id", type=int) or 0, "")])
    if not form.validate_on_submit():
        raise DomainError("请选择人员", field="user_id")
    teams.add_member(team, scope.get(User, form.user_id.data), actor=current_user, scope=scope)
    return redirect(url_for("stations.index"))


@bp.route("/teams/<int:team_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_member(team_id: int, user_id: int):
    """Remove a member from a team."""
    require(current_user, "stations.manage")
    scope = current_scope()
    teams.remove_member(scope.get(Team, team_id), scope.get(User, user_id), actor=current_user, scope=scope)
    return redirect(url_for("stations.index"))


@bp.route("/logs")
@login_required
def logs():
    """The station's work logs, newest first, with photos (fixed number of queries)."""
    station = _station()
    stmt = worklogs.logs_stmt(station, current_scope(), team_id=request.args.get("team_id", type=int))
    return render_template("stations/logs.html", station=station, page=paginate(stmt), station_arg=_station_arg())


@bp.route("/logs/new", methods=["GET", "POST"])
@login_required
def new_log():
    """Write a team's work log for a date and shift, with up to six photos."""
    require(current_user, "stations.log")
    scope = current_scope()
    station = _station()
    station_teams = teams.teams_of(station, scope)
    form = LogForm()
    form.team_id.choices = options((t.id, teams.team_name(t)) for t in station_teams)
    if request.method == "GET":
        form.log_on.data = local_today()
        if request.args.get("team_id", type=int):
            form.team_id.data = request.args.get("team_id", type=int)
        if request.args.get("day"):
            try:
                form.log_on.data = date.fromisoformat(request.args["day"])
            except ValueError:
                pass

    def action():
        return worklogs.create_log(scope.get(Team, form.team_id.data), log_on=form.log_on.data, shift=form.shift.data,
                                   content=form.content.data, photos=request.files.getlist("photos"),
                                   actor=current_user, scope=scope)

    return submit_form(form, action, done=_("工作日志已保存"), redirect_to=url_for("stations.logs"),
                       template="stations/log_form.html", station=station, teams=station_teams)


@bp.route("/calendar")
@login_required
def month_calendar():
    """Per team, the days of a month without a work log (a plain table)."""
    station = _station()
    today = local_today()
    month = Month.parse(request.args["month"], field="month") if "month" in request.args else Month.of(today)
    raw = request.args.get("delay_days", "")
    if raw and not (raw.isdigit() and int(raw) <= 31):
        raise DomainError(_("补录期限应为 0 到 31 天"), field="delay_days")
    delay = int(raw) if raw else None  # an assessment line's rule: late entries and the cut-off count as missing
    rows = worklogs.month_gaps(station, month, today=today, scope=current_scope(), delay_days=delay,
                               cutoff=cutoff_of(month) if delay is not None else None)
    return render_template("stations/calendar.html", station=station, rows=rows, year=month.year, month=month.month,
                           prev=str(month.prev()), next=str(month.next()), station_arg=_station_arg(), delay=delay,
                           team_days=sum(len(r.missing) for r in rows) if rows else len(TeamKind) * len(month.days()))


@bp.route("/patrols")
@login_required
def routes():
    """The station's patrol routes with their points."""
    station = _station()
    return render_template("stations/routes.html", station=station, routes=patrols.routes_of(station, current_scope()),
                           station_arg=_station_arg())


@bp.route("/patrols/new", methods=["GET", "POST"])
@login_required
def new_route():
    """Create a patrol route with its points, one per line in order."""
    require(current_user, "stations.manage")
    station = _station()
    form = RouteForm()

    def action():
        return patrols.create_route(station, name=form.name.data, points=form.points.data.splitlines(),
                                    actor=current_user, scope=current_scope())

    return submit_form(form, action, done=_("巡查路线已保存"),
                       redirect_to=lambda r: url_for("stations.run", route_id=r.id),
                       template="stations/route_form.html", station=station)


@bp.route("/patrols/<int:route_id>")
@login_required
def run(route_id: int):
    """巡查情况 for a day: each point with its check-ins; missed points flagged."""
    require(current_user, "stations.view")
    scope = current_scope()
    route = scope.get(PatrolRoute, route_id, options=(selectinload(PatrolRoute.points),))
    try:
        day = date.fromisoformat(request.args["on"]) if request.args.get("on") else local_today()
    except ValueError:
        raise DomainError("日期格式应为 2026-03-01", field="on") from None
    points = patrols.patrol_run(route, day, scope=scope)
    return render_template("stations/run.html", route=route, day=day, points=points, today=local_today(),
                           missed=sum(1 for p in points if p.missed))


@bp.route("/patrols/points/<int:point_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin(point_id: int):
    """Check in at a point; a problem may open a rectification order or file a repair request at once."""
    require(current_user, "stations.log")
    scope = current_scope()
    point = scope.get(PatrolPoint, point_id, options=(joinedload(PatrolPoint.route),))
    form = CheckinForm()
    station = scope.get(Station, point.route.station_id)
    form.repair_compound.choices = options((c.id, c.name) for c in station.compounds)
    form.repair_category.choices = options(choices(RepairCategory))

    def action():
        order = patrols.OrderAsked(form.measure.data, form.due_on.data) if form.open_order.data else None
        repair = (patrols.RepairAsked(form.repair_compound.data, form.repair_category.data)
                  if form.open_repair.data else None)
        return patrols.record_checkin(point, actor=current_user, scope=scope, status=form.status.data,
                                      note=form.note.data, photo=request.files.get("photo"), order=order,
                                      repair=repair)

    return submit_form(form, action, done=_("已打卡"),
                       redirect_to=url_for("stations.run", route_id=point.route_id),
                       template="stations/checkin_form.html", point=point,
                       aliases={"compound_id": "repair_compound", "category": "repair_category",
                                "urgency": "repair_category", "checkin_id": "status"})
