"""报事报修 pages: filing, the queue, a request with its actions, the QR page and poster, metrics, rules."""
from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pm.access import can, current_scope, require
from pm.blueprints.repairs.forms import (
    CalendarDayForm,
    FileForm,
    PublicFileForm,
    RuleForm,
)
from pm.blueprints.webutil import Page, errors_to_form, paginate, submit_form
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import Compound, RepairCategory, RepairStatus, Station, Urgency
from pm.services.labels import choices, label, label_of
from pm.services.periods import Month
from pm.services.stations.teams import team_name
from pm.services.repairs import (
    deadlines,
    filing,
    funding,
    metrics,
    portal,
    queue,
    words,
    workdays,
    workflow,
)
from pm.timeutil import LOCAL_TZ, local_today, utcnow

bp = Blueprint("repairs", __name__, url_prefix="/repairs")


@bp.context_processor
def _helpers():
    return {"label": label, "event_label": lambda kind: label_of("repair_event", kind),
            "missed_label": lambda req, now: label_of("repair_deadline", req.missed_deadline(now)),
            "rating_word": lambda rating: label_of("repair_rating", rating), "stars": words.stars}


PER_PAGE_CHOICES = (5, 10, 30, 50, 100)


def _photos(name: str = "photos") -> list:
    return [f for f in request.files.getlist(name) if f and f.filename]


def _now() -> datetime:
    return utcnow()


# -- list and filing -----------------------------------------------------------------------------------------
@bp.route("/")
@login_required
def index():
    """The station's queue (staff), the area's requests (officials), or my requests (residents)."""
    scope = current_scope()
    args = request.args
    mine = args.get("mine") == "1"
    station_id = queue.own_station(scope) or args.get("station_id", type=int)
    now = _now()
    filters = {
        "status": args.get("status") or queue.default_status(scope), "urgency": args.get("urgency") or None,
        "category": args.get("category") or None, "overdue": args.get("overdue") == "1", "q": args.get("q") or None,
        "created_on": local_today(now) if args.get("created") == "today" else None,  # the home page's 今日新报修
        "late_in": Month.parse(args["late_in"], field="late_in") if args.get("late_in") else None,  # an assessment line
    }
    stmt = queue.queue_stmt(scope, now=now, station_id=station_id, assignee_id=current_user.id if mine else None,
                            **filters)
    per_page = args.get("per_page", type=int)
    per_page = per_page if per_page in PER_PAGE_CHOICES else 30
    number = max(1, args.get("page", 1, type=int))
    items, total = queue.queue_page(stmt, page=number, per_page=per_page)
    page = Page(items=items, page=number, pages=max(1, -(-total // per_page)), total=total)
    statuses = [("open", _("未办结")), ("all", _("全部状态")), ("waiting", _("待派单")), (queue.TO_RATE, _("待我评价"))] + choices(RepairStatus)
    resident = scope.is_household_bound
    return render_template(
        "repairs/index.html", page=page, now=now, filters=filters, mine=mine, station_id=station_id,
        location_label=queue.location_label, categories=choices(RepairCategory), urgencies=choices(Urgency),
        statuses=statuses, to_rate=queue.to_rate_count(scope) if resident else 0,
        stations=queue.stations_of_scope(scope) if resident else [],
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """File a request from one's phone."""
    scope = current_scope()
    compounds = filing.compounds_for(scope)
    if not compounds:
        raise NotFound(_("您的账号没有关联小区，无法报修"))
    compound = scope.get(Compound, request.args.get("compound_id", type=int) or compounds[0].id)
    form = FileForm(locations=filing.location_options(compound, scope))

    def action():
        return filing.file_request(
            compound, actor=current_user, scope=scope, category=form.category.data, urgency=form.urgency.data,
            description=form.description.data, location_note=form.location_note.data,
            photos=_photos(), ip=request.remote_addr, confirm_duplicate=form.confirm_duplicate.data,
            **filing.parse_location(form.location.data),
        )

    def duplicates():  # the open requests named by the warning, when the form is shown again with it
        if not form.confirm_duplicate.errors:
            return []
        place = filing.parse_location(form.location.data)
        return filing.open_duplicates(scope, place.get("household_id"), form.category.data)

    return submit_form(form, action, done=_("报修已提交，服务站会尽快处理"),
                       redirect_to=lambda req: url_for("repairs.show", request_id=req.id),
                       template="repairs/new.html", compound=compound, compounds=compounds, duplicates=duplicates)


# -- one request ---------------------------------------------------------------------------------------------
def _detail_context(req) -> dict:
    scope, now = current_scope(), _now()
    actions = workflow.allowed_actions(req, current_user, scope, now)
    members, proposed = [], None
    if actions & {"dispatch", "transfer"}:
        teams = workflow.dispatch_teams(req)
        members = [(f"{t.id}:{m.id}", f"{team_name(t)} · {m.display_name}") for t in teams for m in t.members]
        chosen = workflow.proposed_member(req, teams)
        proposed = f"{chosen[0]}:{chosen[1]}" if chosen else None
    return {"req": req, "now": now, "location": queue.location_label(req), "actions": actions, "members": members,
            "proposed": proposed, "ratings": words.RATINGS, "handles": can(current_user, "repair.handle"),
            "can_portal": can(current_user, "repair.portal") and scope.contains(Compound, req.compound_id)}


@bp.route("/<int:request_id>")
@login_required
def show(request_id: int):
    """A request with its deadlines, photos and timeline, and the actions open to this user."""
    req = queue.load(current_scope(), request_id)
    return render_template("repairs/show.html", **_detail_context(req))


@bp.route("/<int:request_id>/print")
@login_required
def work_order(request_id: int):
    """派工单: the printable work order of a request for the station (print CSS, a print button)."""
    require(current_user, "repair.handle")
    req = queue.load(current_scope(), request_id)
    return render_template("repairs/work_order.html", req=req, now=_now(), location=queue.location_label(req))


def _member(value: str | None) -> dict[str, int | None]:
    team, _sep, user = (value or "").partition(":")
    if team.isdigit() and user.isdigit():
        return {"team_id": int(team), "assignee_id": int(user)}
    return {"team_id": None, "assignee_id": None}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _local_dt(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", "%Y-%m-%dT%H:%M").replace(tzinfo=LOCAL_TZ)
    except ValueError:
        return None


# Each page action: the workflow step it takes, with the form's fields as the step's inputs.
ACTIONS = {
    "accept": lambda req, f, kw: workflow.accept(req, **kw),
    "reject": lambda req, f, kw: workflow.reject(req, reason=f.get("r-reason"), **kw),
    "dispatch": lambda req, f, kw: workflow.dispatch(req, **_member(f.get("d-member")), **kw),
    "transfer": lambda req, f, kw: workflow.transfer(req, note=f.get("d-note"), **_member(f.get("d-member")), **kw),
    "start": lambda req, f, kw: workflow.start(req, **kw),
    "complete": lambda req, f, kw: workflow.complete(req, note=f.get("n-note"), photos=_photos("n-photos"), **kw),
    "confirm": lambda req, f, kw: workflow.confirm(req, rating=_int(f.get("rate-rating")),
                                                   comment=f.get("rate-comment"), **kw),
    "reopen": lambda req, f, kw: workflow.reopen(req, reason=f.get("ro-reason"), **kw),
    "followup": lambda req, f, kw: workflow.record_followup(req, note=f.get("fu-reason"), **kw),
    "agree": lambda req, f, kw: workflow.agree_time(req, at=_local_dt(f.get("a-agreed_at")), **kw),
    "fund": lambda req, f, kw: funding.mark_needs_fund(req, budget_fen=funding.parse_budget(f.get("f-budget_yuan")),
                                                       **kw),
}
DONE = {
    "accept": _l("已受理"), "reject": _l("已不予受理"), "dispatch": _l("已派单"), "transfer": _l("已转派"),
    "start": _l("已开始处理"), "complete": _l("已完工"), "confirm": _l("感谢您的评价"),
    "reopen": _l("已重新打开，服务站将返工"), "followup": _l("回访已登记"), "agree": _l("约定时间已保存"),
    "fund": _l("已标记需动用维修资金"),
}


@bp.route("/<int:request_id>/<action>", methods=["POST"])
@login_required
def act(request_id: int, action: str):
    """One workflow step; an error re-shows the page with the reason (4xx) and changes nothing."""
    if action not in ACTIONS:
        abort(404)
    scope = current_scope()
    req = queue.load(scope, request_id)
    try:
        ACTIONS[action](req, request.form, {"actor": current_user, "scope": scope, "now": _now()})
    except DomainError as err:
        db.session.rollback()
        req = queue.load(scope, request_id)
        return render_template("repairs/show.html", error=err.message, **_detail_context(req)), err.status
    flash(str(DONE[action]), "success")
    return redirect(url_for("repairs.show", request_id=request_id))


# -- the public page and its QR code -------------------------------------------------------------------------
@bp.route("/public/<token>", methods=["GET", "POST"])
def public(token: str):
    """Anyone with the printed QR code files a common-area request with a phone number (rate-limited)."""
    compound = portal.compound_for_token(token)
    form = PublicFileForm(locations=filing.public_location_options(compound))
    if form.validate_on_submit():
        try:
            req = filing.file_public(
                token, category=form.category.data, urgency=form.urgency.data, description=form.description.data,
                location_note=form.location_note.data, photos=_photos(), filer_name=form.filer_name.data,
                filer_phone=form.filer_phone.data, ip=request.remote_addr,
                **{k: v for k, v in filing.parse_location(form.location.data).items() if k != "household_id"},
            )
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
            return render_template("repairs/public.html", form=form, compound=compound), err.status
        return render_template("repairs/public_done.html", req=req, compound=compound,
                               stations=portal.stations_of(compound))
    status = 400 if request.method == "POST" else 200
    return render_template("repairs/public.html", form=form, compound=compound), status


@bp.route("/compounds/<int:compound_id>/poster", methods=["GET", "POST"])
@login_required
def poster(compound_id: int):
    """A printable poster with the compound's QR code and its URL in large text (POST makes the page first)."""
    scope = current_scope()
    compound = portal.poster_compound(compound_id, user=current_user, scope=scope)
    if request.method == "POST":
        portal.open_portal(compound, actor=current_user, scope=scope)
        return redirect(url_for("repairs.poster", compound_id=compound.id))
    page = portal.find_portal(compound)
    url = url_for("repairs.public", token=page.token, _external=True) if page else None
    return render_template("repairs/poster.html", compound=compound, url=url, stations=portal.stations_of(compound))


@bp.route("/compounds/<int:compound_id>/qr.svg")
@login_required
def qr(compound_id: int):
    """The QR code (SVG) of the compound's public page."""
    compound = portal.poster_compound(compound_id, user=current_user, scope=current_scope())
    page = portal.find_portal(compound)
    if page is None:
        raise NotFound(_("本小区还没有生成报修二维码"))
    return Response(portal.qr_svg(url_for("repairs.public", token=page.token, _external=True)),
                    mimetype="image/svg+xml")


# -- metrics -------------------------------------------------------------------------------------------------
@bp.route("/metrics", endpoint="metrics")
@login_required
def metrics_page():
    """Per station and month: count, on-time rates, average rating, reopen rate."""
    require(current_user, "repair.metrics")
    now = _now()
    period = request.args.get("period")
    month = Month.parse(period, field="period") if period else Month.of(now)
    page = paginate(metrics.visible_stations(current_scope()).order_by(Station.name, Station.id))
    values = metrics.station_metrics([s.id for s in page.items], month, as_of=now)
    return render_template("repairs/metrics.html", page=page, values=values, period=str(month))


# -- county settings: deadlines and the work calendar --------------------------------------------------------
def _rules_context(county_id: int, year: int) -> dict:
    overview = deadlines.rules_overview(current_scope(), county_id, year)
    return {"rows": overview.rows, "days": overview.days, "year": overview.year, "known": overview.known,
            "defaults": overview.defaults}


@bp.route("/rules", methods=["GET", "POST"])
@login_required
def rules():
    """The county's deadline rules (处理时限) and official schedule of holidays and make-up days."""
    require(current_user, "repair.rules")
    county_id = current_user.county_id
    form = RuleForm(prefix="rule")

    def action():
        return deadlines.upsert_rule(
            county_id, actor=current_user, scope=current_scope(), category=form.category.data or None,
            urgency=Urgency(form.urgency.data), service_grade=form.service_grade.data,
            response_minutes=form.response_minutes.data, onsite_minutes=form.onsite_minutes.data,
            completion_workdays=form.completion_workdays.data, completion_hours=form.completion_hours.data,
        )

    year = request.args.get("year", local_today().year, type=int)
    if not 2000 <= year <= 2100:
        year = local_today().year
    return submit_form(form, action, done=_("时限已保存"), redirect_to=url_for("repairs.rules"),
                       template="repairs/rules.html", day_form=CalendarDayForm(prefix="day"),
                       **_rules_context(county_id, year))


@bp.route("/rules/days", methods=["POST"])
@login_required
def calendar_day():
    """Enter one day of the county's official schedule (a holiday or a make-up working day)."""
    require(current_user, "repair.rules")
    county_id = current_user.county_id
    form = CalendarDayForm(prefix="day")
    if form.validate_on_submit():
        try:
            row = workdays.set_day(county_id, form.day.data, form.is_workday.data == "1", actor=current_user,
                                   scope=current_scope(), note=form.note.data or None)
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(_("日期已保存"), "success")
            return redirect(url_for("repairs.rules", year=row.day.year))
    year = form.day.data.year if form.day.data else local_today().year
    return render_template("repairs/rules.html", form=RuleForm(prefix="rule"), day_form=form,
                           **_rules_context(county_id, year)), 400
