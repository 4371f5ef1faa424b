"""Station work pages: teams and members, work logs, the month calendar, patrol routes, runs and check-ins."""
from __future__ import annotations

from datetime import date

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import current_scope, require
from pm.blueprints.repairs import rchoices
from pm.blueprints.stations import bp
from pm.blueprints.stations.forms import (
    SHIFT_LABELS,
    STATUS_LABELS,
    CheckinForm,
    LogForm,
    MemberForm,
    RouteForm,
    options,
)
from pm.blueprints.webutil import paginate, submit_form
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import (
    PatrolCheckin,
    PatrolPoint,
    PatrolRoute,
    RectificationOrder,
    RepairCategory,
    Role,
    Station,
    Team,
    User,
    WorkLog,
    WorkLogPhoto,
)
from pm.services import inspections, uploads
from pm.services import stations as station_work
from pm.timeutil import local_today


def _station() -> Station:
    """The station the page is about: the user's own, or ?station_id= for officials (in scope)."""
    require(current_user, "stations.view")
    scope = current_scope()
    if current_user.role in station_work.STATION_ROLES:
        return scope.get(Station, current_user.station_id)
    try:
        station_id = int(request.args.get("station_id", ""))
    except ValueError:
        raise NotFound(_("请选择服务站")) from None
    station = scope.get(Station, station_id)
    if not db.session.scalar(select(Station.id).where(Station.id == station.id, Station.id.in_(scope.within_stations))):
        raise NotFound(_("服务站不在您的管辖范围内"))
    return station


def _teams(station: Station) -> list[Team]:
    return list(db.session.scalars(
        current_scope().select(Team).options(selectinload(Team.members))
        .where(Team.station_id == station.id).order_by(Team.id)
    ))


@bp.route("/")
@login_required
def index():
    """Officials pick a station; station users see their teams and members."""
    require(current_user, "stations.view")
    scope = current_scope()
    if current_user.role not in station_work.STATION_ROLES and "station_id" not in request.args:
        stations = db.session.scalars(
            scope.select(Station).where(Station.id.in_(scope.within_stations)).order_by(Station.name)).all()
        return render_template("stations/stations.html", stations=stations)
    station = _station()
    staff = []
    if current_user.role == Role.STATION_MANAGER:
        staff = db.session.scalars(
            scope.select(User).where(User.station_id == station.id, User.is_enabled.is_(True),
                                     User.role.in_(station_work.STATION_ROLES)).order_by(User.display_name)).all()
    return render_template("stations/index.html", station=station, teams=_teams(station), staff=staff,
                           member_form=MemberForm(), station_arg=_station_arg())


@bp.route("/teams/setup", methods=["POST"])
@login_required
def setup_teams():
    """Create the four teams (those missing)."""
    require(current_user, "stations.manage")
    station = current_scope().get(Station, current_user.station_id)
    station_work.ensure_teams(station, actor=current_user)
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
        raise DomainError(_("请选择人员"), field="user_id")
    user = scope.get(User, form.user_id.data)
    station_work.add_member(team, user, actor=current_user)
    return redirect(url_for("stations.index"))


@bp.route("/teams/<int:team_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_member(team_id: int, user_id: int):
    """Remove a member from a team."""
    require(current_user, "stations.manage")
    scope = current_scope()
    station_work.remove_member(scope.get(Team, team_id), scope.get(User, user_id), actor=current_user)
    return redirect(url_for("stations.index"))


@bp.route("/logs")
@login_required
def logs():
    """The station's work logs, newest first, with photos (fixed number of queries)."""
    station = _station()
    stmt = (
        current_scope().select(WorkLog)
        .options(joinedload(WorkLog.team), joinedload(WorkLog.author), selectinload(WorkLog.photos))
        .where(WorkLog.station_id == station.id)
        .order_by(WorkLog.log_on.desc(), WorkLog.id.desc())
    )
    team_id = request.args.get("team_id", type=int)
    if team_id:
        stmt = stmt.where(WorkLog.team_id == team_id)
    return render_template("stations/logs.html", station=station, page=paginate(stmt), shifts=SHIFT_LABELS,
                           station_arg=_station_arg())


def _station_arg() -> dict:
    return {"station_id": request.args["station_id"]} if "station_id" in request.args else {}


@bp.route("/logs/new", methods=["GET", "POST"])
@login_required
def new_log():
    """Write a team's work log for a date and shift, with up to six photos."""
    require(current_user, "stations.log")
    station = _station()
    teams = _teams(station)
    form = LogForm()
    form.team_id.choices = options((t.id, t.name) for t in teams)
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
        team = current_scope().get(Team, form.team_id.data)
        return station_work.create_log(team, log_on=form.log_on.data, shift=form.shift.data,
                                       content=form.content.data, photos=request.files.getlist("photos"),
                                       actor=current_user)

    return submit_form(form, action, done=_("工作日志已保存"), redirect_to=url_for("stations.logs"),
                       template="stations/log_form.html", station=station, teams=teams)


@bp.route("/calendar")
@login_required
def month_calendar():
    """Per team, the days of a month without a work log (a plain table)."""
    station = _station()
    today = local_today()
    try:
        year, month = (int(x) for x in request.args.get("month", today.strftime("%Y-%m")).split("-"))
        rows = station_work.month_gaps(station, year, month, today=today)
    except (ValueError, DomainError):
        raise DomainError(_("月份格式应为 2026-03"), field="month") from None
    prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    return render_template("stations/calendar.html", station=station, rows=rows, year=year, month=month,
                           prev=f"{prev_m[0]:04d}-{prev_m[1]:02d}", next=f"{next_m[0]:04d}-{next_m[1]:02d}",
                           station_arg=_station_arg())


@bp.route("/patrols")
@login_required
def routes():
    station = _station()
    rows = db.session.scalars(
        current_scope().select(PatrolRoute).options(selectinload(PatrolRoute.points))
        .where(PatrolRoute.station_id == station.id).order_by(PatrolRoute.name)
    ).all()
    return render_template("stations/routes.html", station=station, routes=rows, station_arg=_station_arg())


@bp.route("/patrols/new", methods=["GET", "POST"])
@login_required
def new_route():
    """Create a patrol route with its points, one per line in order."""
    require(current_user, "stations.manage")
    station = _station()
    form = RouteForm()

    def action():
        return station_work.create_route(station, name=form.name.data, points=form.points.data.splitlines(),
                                         actor=current_user)

    return submit_form(form, action, done=_("巡查路线已保存"),
                       redirect_to=lambda r: url_for("stations.run", route_id=r.id),
                       template="stations/route_form.html", station=station)


@bp.route("/patrols/<int:route_id>")
@login_required
def run(route_id: int):
    """巡查情况 for a day: each point with its check-ins; missed points flagged."""
    require(current_user, "stations.view")
    route = current_scope().get(PatrolRoute, route_id, options=(selectinload(PatrolRoute.points),))
    try:
        day = date.fromisoformat(request.args["on"]) if request.args.get("on") else local_today()
    except ValueError:
        raise DomainError(_("日期格式应为 2026-03-01"), field="on") from None
    points = station_work.patrol_run(route, day)
    orders = {o.checkin_id: o for o in db.session.scalars(
        current_scope().select(RectificationOrder).where(
            RectificationOrder.checkin_id.in_([c.id for p in points for c in p.checkins])))}
    return render_template("stations/run.html", route=route, day=day, points=points, statuses=STATUS_LABELS,
                           orders=orders, today=local_today(),
                           missed=sum(1 for p in points if p.missed))


@bp.route("/patrols/points/<int:point_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin(point_id: int):
    """Check in at a point; a problem may open a rectification order at once."""
    require(current_user, "stations.log")
    point = current_scope().get(PatrolPoint, point_id, options=(joinedload(PatrolPoint.route),))
    form = CheckinForm()
    station = db.session.get(Station, point.route.station_id)
    form.repair_compound.choices = options((c.id, c.name) for c in station.compounds)
    form.repair_category.choices = options(rchoices(RepairCategory))

    def action():
        row = station_work.checkin(point, actor=current_user, status=form.status.data, note=form.note.data,
                                   photo=request.files.get("photo"))
        try:
            if form.open_order.data:
                inspections.order_from_checkin(row, current_user, measure=form.measure.data,
                                               due_on=form.due_on.data)
            if form.open_repair.data:
                station_work.repair_from_checkin(row, actor=current_user, compound_id=form.repair_compound.data,
                                                 category=form.repair_category.data)
        except DomainError:
            station_work.discard_files([row.photo_path])  # the check-in is rolled back with the error
            raise
        return row

    return submit_form(form, action, done=_("已打卡"),
                       redirect_to=url_for("stations.run", route_id=point.route_id),
                       template="stations/checkin_form.html", point=point,
                       aliases={"compound_id": "repair_compound", "category": "repair_category",
                                "urgency": "repair_category", "checkin_id": "status"})


@bp.route("/photos/log/<int:photo_id>")
@login_required
def log_photo(photo_id: int):
    """A work log photo, served only inside the viewer's scope."""
    require(current_user, "stations.view")
    photo = current_scope().get(WorkLogPhoto, photo_id)
    return uploads.send_stored(photo.path, photo.content_type)


@bp.route("/photos/checkin/<int:checkin_id>")
@login_required
def checkin_photo(checkin_id: int):
    """A check-in photo, served only inside the viewer's scope."""
    require(current_user, "stations.view")
    row = current_scope().get(PatrolCheckin, checkin_id)
    if not row.photo_path:
        raise NotFound(_("没有照片"))
    return uploads.send_stored(row.photo_path, row.photo_type)
