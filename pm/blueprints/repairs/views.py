"""报事报修 pages: file, list (queue / my requests), a request's timeline with its actions, photos, the public
QR-code page and its printable poster, monthly metrics, and the county's deadline rules and work calendar."""
from __future__ import annotations

import io
from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import extract, select
from sqlalchemy.orm import joinedload

from pm.access import can, current_scope, require
from pm.blueprints.repairs import bp
from pm.blueprints.repairs.forms import (
    CalendarDayForm,
    FileForm,
    PublicFileForm,
    RuleForm,
)
from pm.blueprints.webutil import Page, paginate, submit_form
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import (
    Building,
    Compound,
    DeadlineRule,
    Household,
    RepairCategory,
    RepairPhoto,
    RepairRequest,
    Role,
    Station,
    Unit,
    Urgency,
    WorkCalendarDay,
)
from pm.services import repairs
from pm.services.repairs import workdays
from pm.timeutil import LOCAL_TZ, local_today, utcnow


# -- helpers -------------------------------------------------------------------------------------------------
def _locations(compound: Compound, *, scope=None, public: bool = False) -> list[tuple[str, str]]:
    """Location choices: the user's own homes in the compound, then its common areas (compound, buildings, units)."""
    out: list[tuple[str, str]] = []
    if scope is not None and scope.is_household_bound:
        homes = db.session.scalars(
            scope.select(Household).options(joinedload(Household.building), joinedload(Household.unit))
            .where(Household.compound_id == compound.id).order_by(Household.id)
        ).all()
        out += [(f"h:{h.id}", _("我家：%(label)s", label=h.label)) for h in homes]
    out.append(("c", _("公共区域：%(name)s 小区内", name=compound.name)))
    b_stmt = select(Building).where(Building.compound_id == compound.id).order_by(Building.name)
    u_stmt = select(Unit).options(joinedload(Unit.building)).where(Unit.compound_id == compound.id).order_by(Unit.id)
    if not public:
        b_stmt, u_stmt = scope.filter(b_stmt, Building), scope.filter(u_stmt, Unit)
    for b in db.session.scalars(b_stmt.limit(200)):
        out.append((f"b:{b.id}", _("公共区域：%(name)s", name=b.name)))
    for u in db.session.scalars(u_stmt.limit(500)).unique():
        out.append((f"u:{u.id}", _("公共区域：%(b)s%(u)s 楼道", b=u.building.name, u=u.name)))
    return out


def _parse_location(value: str) -> dict:
    kind, _sep, ident = (value or "").partition(":")
    key = {"h": "household_id", "b": "building_id", "u": "unit_id"}.get(kind)
    if kind == "c" or key is None or not ident.isdigit():
        return {}
    return {key: int(ident)}


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
    station_id = args.get("station_id", type=int)
    if current_user.role in (Role.STATION_MANAGER, Role.STATION_STAFF):
        station_id = current_user.station_id
    default_status = "all" if scope.is_household_bound else "open"
    filters = {
        "status": args.get("status") or default_status, "urgency": args.get("urgency") or None,
        "category": args.get("category") or None, "overdue": args.get("overdue") == "1", "q": args.get("q") or None,
    }
    now = _now()
    stmt = repairs.queue_stmt(scope, now=now, station_id=station_id,
                              assignee_id=current_user.id if mine else None, **filters)
    per_page = args.get("per_page", type=int)
    per_page = per_page if per_page in (5, 10, 30, 50, 100) else 30
    number = max(1, args.get("page", 1, type=int))
    items, total = repairs.queue_page(stmt, page=number, per_page=per_page)
    page = Page(items=items, page=number, pages=max(1, -(-total // per_page)), total=total)
    return render_template(
        "repairs/index.html", page=page, now=now, filters=filters, mine=mine, station_id=station_id,
        location_label=repairs.location_label, categories=list(RepairCategory), urgencies=list(Urgency),
        statuses=["open", "all"] + [s.value for s in repairs.RepairStatus],
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """File a request from one's phone."""
    scope = current_scope()
    compounds = db.session.scalars(scope.select(Compound).order_by(Compound.name).limit(300)).all()
    if not compounds:
        raise NotFound(_("您的账号没有关联小区，无法报修"))
    compound_id = request.args.get("compound_id", type=int) or compounds[0].id
    compound = scope.get(Compound, compound_id)
    form = FileForm(locations=_locations(compound, scope=scope))

    def action():
        return repairs.file_request(
            compound, actor=current_user, scope=scope, category=form.category.data, urgency=form.urgency.data,
            description=form.description.data, location_note=form.location_note.data,
            photos=_photos(), ip=request.remote_addr, **_parse_location(form.location.data),
        )

    return submit_form(form, action, done=_("报修已提交，服务站会尽快处理"),
                       redirect_to=lambda req: url_for("repairs.show", request_id=req.id),
                       template="repairs/new.html", compound=compound, compounds=compounds)


# -- one request ---------------------------------------------------------------------------------------------
def _detail_context(req: RepairRequest) -> dict:
    scope = current_scope()
    ctx = {"req": req, "now": _now(), "location": repairs.location_label(req)}
    handler = can(current_user, "repair.handle")
    ctx["is_handler"] = handler
    ctx["is_filer"] = req.filer_user_id == current_user.id
    if handler:
        members = [(f"{t.id}:{m.id}", f"{t.name} · {m.display_name}") for t in repairs.teams_of(req.station_id)
                   for m in t.members]
        ctx["members"] = members
    ctx["can_portal"] = can(current_user, "repair.portal") and scope.contains(Compound, req.compound_id)
    return ctx


@bp.route("/<int:request_id>")
@login_required
def show(request_id: int):
    """A request with its deadlines, photos and timeline, and the actions open to this user."""
    req = repairs.load(current_scope(), request_id)
    return render_template("repairs/show.html", **_detail_context(req))


def _member(value: str) -> tuple[int | None, int | None]:
    team, _sep, user = (value or "").partition(":")
    return (int(team), int(user)) if team.isdigit() and user.isdigit() else (None, None)


def _yuan_to_fen(text: str | None) -> int | None:
    if not text or not text.strip():
        return None
    from pm.services.fund.plans import MAX_BUDGET_FEN
    from pm.services.money import parse_yuan

    return parse_yuan(text, field="budget_yuan", max_fen=MAX_BUDGET_FEN)


ACTIONS = {
    "accept": lambda req, f, s, now: repairs.accept(req, actor=current_user, scope=s, now=now),
    "reject": lambda req, f, s, now: repairs.reject(req, actor=current_user, scope=s, reason=f.get("r-reason"),
                                                    now=now),
    "dispatch": lambda req, f, s, now: repairs.dispatch(req, actor=current_user, scope=s,
                                                        **dict(zip(("team_id", "assignee_id"), _member(f.get("d-member")))),
                                                        now=now),
    "transfer": lambda req, f, s, now: repairs.transfer(req, actor=current_user, scope=s, note=f.get("d-note"),
                                                        **dict(zip(("team_id", "assignee_id"), _member(f.get("d-member")))),
                                                        now=now),
    "start": lambda req, f, s, now: repairs.start(req, actor=current_user, scope=s, now=now),
    "complete": lambda req, f, s, now: repairs.complete(req, actor=current_user, scope=s, note=f.get("n-note"),
                                                        photos=_photos("n-photos"), now=now),
    "confirm": lambda req, f, s, now: repairs.confirm(req, actor=current_user, rating=_int(f.get("rate-rating")),
                                                      comment=f.get("rate-comment"), now=now),
    "reopen": lambda req, f, s, now: repairs.reopen(req, actor=current_user, reason=f.get("ro-reason"), now=now),
    "followup": lambda req, f, s, now: repairs.record_followup(req, actor=current_user, scope=s,
                                                               note=f.get("fu-reason"), now=now),
    "agree": lambda req, f, s, now: repairs.agree_time(req, actor=current_user, scope=s,
                                                       at=_local_dt(f.get("a-agreed_at")), now=now),
    "fund": lambda req, f, s, now: repairs.mark_needs_fund(req, actor=current_user, scope=s,
                                                           budget_fen=_yuan_to_fen(f.get("f-budget_yuan")), now=now),
}
DONE = {
    "accept": _l("已受理"), "reject": _l("已不予受理"), "dispatch": _l("已派单"), "transfer": _l("已转派"),
    "start": _l("已开始处理"), "complete": _l("已完工"), "confirm": _l("感谢您的评价"),
    "reopen": _l("已重新打开，服务站将返工"), "followup": _l("回访已登记"), "agree": _l("约定时间已保存"),
    "fund": _l("已标记需动用维修资金"),
}


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


@bp.route("/<int:request_id>/<action>", methods=["POST"])
@login_required
def act(request_id: int, action: str):
    """One workflow step; an error re-shows the page with the reason (4xx) and changes nothing."""
    if action not in ACTIONS:
        abort(404)
    scope = current_scope()
    req = repairs.load(scope, request_id)
    try:
        ACTIONS[action](req, request.form, scope, _now())
    except DomainError as err:
        db.session.rollback()
        req = repairs.load(scope, request_id)
        return render_template("repairs/show.html", error=err.message, **_detail_context(req)), err.status
    flash(str(DONE[action]), "success")
    return redirect(url_for("repairs.show", request_id=request_id))


@bp.route("/<int:request_id>/photos/<int:photo_id>")
@login_required
def photo(request_id: int, photo_id: int):
    """A photo, served only to users who may see the request."""
    from pm.services.uploads import send_stored

    item = current_scope().get(RepairPhoto, photo_id)
    if item.request_id != request_id:
        raise NotFound(_("照片不存在"))
    return send_stored(item.path, item.content_type)


# -- the public page and its QR code -------------------------------------------------------------------------
@bp.route("/public/<token>", methods=["GET", "POST"])
def public(token: str):
    """Anyone with the printed QR code files a common-area request with a phone number (rate-limited)."""
    compound = repairs.compound_for_token(token)
    form = PublicFileForm(locations=_locations(compound, public=True))
    if form.validate_on_submit():
        try:
            req = repairs.file_request(
                compound, actor=None, scope=None, category=form.category.data, urgency=form.urgency.data,
                description=form.description.data, location_note=form.location_note.data, photos=_photos(),
                filer_name=form.filer_name.data, filer_phone=form.filer_phone.data, ip=request.remote_addr,
                **{k: v for k, v in _parse_location(form.location.data).items() if k != "household_id"},
            )
        except DomainError as err:
            db.session.rollback()
            from pm.blueprints.webutil import errors_to_form

            errors_to_form(form, err)
            return render_template("repairs/public.html", form=form, compound=compound), err.status
        return render_template("repairs/public_done.html", req=req, compound=compound,
                               stations=_stations_of(compound))
    status = 400 if request.method == "POST" else 200
    return render_template("repairs/public.html", form=form, compound=compound), status


def _stations_of(compound: Compound) -> list[Station]:
    return list(db.session.scalars(select(Station).where(Station.compounds.any(Compound.id == compound.id))))


def _portal_compound(compound_id: int) -> Compound:
    require(current_user, "repair.portal")
    return current_scope().get(Compound, compound_id)


@bp.route("/compounds/<int:compound_id>/poster", methods=["GET", "POST"])
@login_required
def poster(compound_id: int):
    """A printable poster with the compound's QR code and its URL in large text (POST makes the page first)."""
    compound = _portal_compound(compound_id)
    if request.method == "POST":
        repairs.portal_for(compound)
        return redirect(url_for("repairs.poster", compound_id=compound.id))
    portal = repairs.find_portal(compound)
    url = url_for("repairs.public", token=portal.token, _external=True) if portal else None
    return render_template("repairs/poster.html", compound=compound, url=url, stations=_stations_of(compound))


@bp.route("/compounds/<int:compound_id>/qr.svg")
@login_required
def qr(compound_id: int):
    """The QR code (SVG) of the compound's public page."""
    import segno

    compound = _portal_compound(compound_id)
    portal = repairs.find_portal(compound)
    if portal is None:
        raise NotFound(_("本小区还没有生成报修二维码"))
    out = io.BytesIO()
    segno.make(url_for("repairs.public", token=portal.token, _external=True), error="m").save(
        out, kind="svg", scale=8, border=2, xmldecl=False)
    return Response(out.getvalue(), mimetype="image/svg+xml")


# -- metrics -------------------------------------------------------------------------------------------------
def parse_period(value: str | None) -> tuple[int, int]:
    """YYYY-MM (default: this month in Beijing time)."""
    if not value:
        today = local_today()
        return today.year, today.month
    try:
        year, month = (int(x) for x in value.split("-"))
    except ValueError:
        raise DomainError(_("月份格式应为 YYYY-MM"), field="period") from None
    repairs.month_bounds(year, month)
    return year, month


@bp.route("/metrics")
@login_required
def metrics():
    """Per station and month: count, on-time rates, average rating, reopen rate."""
    require(current_user, "repair.metrics")
    year, month = parse_period(request.args.get("period"))
    page = paginate(current_scope().select(Station).order_by(Station.name, Station.id))
    values = repairs.station_metrics([s.id for s in page.items], year, month, now=_now())
    return render_template("repairs/metrics.html", page=page, values=values, period=f"{year:04d}-{month:02d}")


# -- county settings: deadlines and the work calendar --------------------------------------------------------
def _rules_context(county_id: int, year: int) -> dict:
    scope = current_scope()
    return {
        "rows": db.session.scalars(scope.select(DeadlineRule).order_by(DeadlineRule.urgency, DeadlineRule.id)).all(),
        "days": db.session.scalars(scope.select(WorkCalendarDay).where(extract("year", WorkCalendarDay.day) == year)
                                   .order_by(WorkCalendarDay.day)).all(),
        "year": year, "known": workdays.year_is_known(county_id, year),
        "defaults": [(u, repairs.default_rule(RepairCategory.OTHER, u, 1),
                      repairs.default_rule(RepairCategory.OTHER, u, 2)) for u in Urgency],
    }


@bp.route("/rules", methods=["GET", "POST"])
@login_required
def rules():
    """The county's deadline rules (处理时限) and official schedule of holidays and make-up days."""
    require(current_user, "repair.rules")
    county_id = current_user.county_id
    form = RuleForm(prefix="rule")

    def action():
        return repairs.upsert_rule(
            county_id, actor=current_user, category=form.category.data or None, urgency=Urgency(form.urgency.data),
            service_grade=form.service_grade.data, response_minutes=form.response_minutes.data,
            onsite_minutes=form.onsite_minutes.data, completion_workdays=form.completion_workdays.data,
            completion_hours=form.completion_hours.data,
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
                                   note=form.note.data or None)
        except DomainError as err:
            db.session.rollback()
            from pm.blueprints.webutil import errors_to_form

            errors_to_form(form, err)
        else:
            flash(_("日期已保存"), "success")
            return redirect(url_for("repairs.rules", year=row.day.year))
    year = form.day.data.year if form.day.data else local_today().year
    return render_template("repairs/rules.html", form=RuleForm(prefix="rule"), day_form=form,
                           **_rules_context(county_id, year)), 400
