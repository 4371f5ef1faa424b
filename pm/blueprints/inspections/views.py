"""Inspection pages (list, create, detail with findings) and the rectification queue (open/overdue first)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import OFFICIALS_ABOVE_STATION, current_scope, require
from pm.blueprints.inspections import bp
from pm.blueprints.inspections.forms import (
    FindingForm,
    InspectionForm,
    RecheckForm,
    ReportForm,
    options,
)
from pm.blueprints.webutil import errors_to_form, paginate, submit_form
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    ASSESSMENT_ITEMS,
    Community,
    Compound,
    Finding,
    FindingPhoto,
    Inspection,
    InspectionLevel,
    OrderStatus,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    Station,
    StreetOffice,
    TargetKind,
    User,
)
from pm.services import inspections, uploads
from pm.timeutil import local_today

LEVEL_LABELS = {InspectionLevel.COMMUNITY_DAILY: _l("社区每日巡查"), InspectionLevel.STREET_WEEKLY: _l("街道每周督查"),
                InspectionLevel.COUNTY_MONTHLY: _l("县每月抽查")}
TARGET_LABELS = {TargetKind.COMPOUND: _l("小区"), TargetKind.STATION: _l("服务站"), TargetKind.COMMUNITY: _l("社区"),
                 TargetKind.STREET: _l("街道办事处")}
STATUS_LABELS = {OrderStatus.OPEN: _l("待整改"), OrderStatus.REPORTED: _l("待复查"),
                 OrderStatus.RETURNED: _l("退回重改"), OrderStatus.CLOSED: _l("已闭合")}
EVENT_LABELS = {"opened": _l("下发"), "reported": _l("报告整改完成"), "returned": _l("复查退回"),
                "closed": _l("复查合格，闭合"), "escalated": _l("逾期督办")}


def labels() -> dict:
    """Display labels shared by the inspection templates."""
    return {"levels": LEVEL_LABELS, "targets": TARGET_LABELS, "statuses": STATUS_LABELS,
            "events": EVENT_LABELS, "items": {i.code: i for i in ASSESSMENT_ITEMS}}


def target_choices(user: User) -> list[tuple[str, str]]:
    """Targets the user's inspection level may inspect, in their area ("kind:id")."""
    scope = current_scope()
    kinds = {k for level in inspections.levels_for(user) for k in inspections.LEVEL_TARGETS[level]}
    out = []
    if TargetKind.STREET in kinds:
        out += [(f"street:{s.id}", f"{_('街道')}：{s.name}") for s in db.session.scalars(
            select(StreetOffice).where(StreetOffice.id.in_(scope.within_streets)).order_by(StreetOffice.name))]
    if TargetKind.COMMUNITY in kinds:
        out += [(f"community:{c.id}", f"{_('社区')}：{c.name}") for c in db.session.scalars(
            scope.select(Community).where(Community.id.in_(scope.within_communities)).order_by(Community.name))]
    if TargetKind.STATION in kinds:
        out += [(f"station:{s.id}", f"{_('服务站')}：{s.name}") for s in db.session.scalars(
            scope.select(Station).where(Station.id.in_(scope.within_stations)).order_by(Station.name))]
    if TargetKind.COMPOUND in kinds:
        out += [(f"compound:{c.id}", f"{_('小区')}：{c.name}") for c in db.session.scalars(
            scope.select(Compound).order_by(Compound.name))]
    return out


@bp.route("/")
@login_required
def index():
    """Inspections in scope, newest first (findings loaded in one extra query)."""
    require(current_user, "inspection.view")
    stmt = (
        current_scope().select(Inspection)
        .options(joinedload(Inspection.created_by), selectinload(Inspection.findings))
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    )
    level = request.args.get("level")
    if level in {lv.value for lv in InspectionLevel}:
        stmt = stmt.where(Inspection.level == level)
    return render_template("inspections/index.html", page=paginate(stmt), level=level, **labels())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Record an inspection: the role's level, a target in the user's area, a date not in the future."""
    require(current_user, "inspection.create")
    form = InspectionForm()
    levels = inspections.levels_for(current_user)
    form.level.choices = options((lv.value, LEVEL_LABELS[lv]) for lv in levels)
    form.target.choices = options(target_choices(current_user))
    colleagues = db.session.scalars(
        current_scope().select(User).where(User.role.in_(OFFICIALS_ABOVE_STATION), User.is_enabled.is_(True),
                                           User.id != current_user.id).order_by(User.display_name).limit(200)).all()
    form.inspector_ids.choices = options((u.id, u.display_name) for u in colleagues)
    if request.method == "GET":
        form.inspected_on.data = local_today()

    def action():
        kind, _sep, ident = (form.target.data or "").partition(":")
        return inspections.create_inspection(
            current_user, level=form.level.data, target_kind=kind, target_id=int(ident) if ident.isdigit() else 0,
            inspected_on=form.inspected_on.data, inspector_ids=form.inspector_ids.data or [],
            summary=form.summary.data)

    return submit_form(form, action, done=_("检查已保存，请登记发现的问题"),
                       redirect_to=lambda i: url_for("inspections.detail", inspection_id=i.id),
                       template="inspections/form.html", aliases={"target_kind": "target", "target_id": "target"})


def _inspection(inspection_id: int) -> Inspection:
    require(current_user, "inspection.view")
    return current_scope().get(Inspection, inspection_id, options=(
        selectinload(Inspection.inspectors),
        selectinload(Inspection.findings).selectinload(Finding.photos),
        selectinload(Inspection.findings).joinedload(Finding.order),
    ))


@bp.route("/<int:inspection_id>", methods=["GET", "POST"])
@login_required
def detail(inspection_id: int):
    """An inspection with its findings; its inspectors add findings here (each opens a rectification order)."""
    inspection = _inspection(inspection_id)
    form = FindingForm()
    may_add = inspections.is_inspector(inspection, current_user)
    if request.method == "GET":
        form.due_on.data = None
    if request.method == "POST" and not may_add:
        raise Forbidden(_("只有本次检查的检查人员可以登记问题"))

    def action():
        return inspections.add_finding(inspection, current_user, item_code=form.item_code.data,
                                       deduction=form.deduction.data, note=form.note.data, measure=form.measure.data,
                                       due_on=form.due_on.data, photos=request.files.getlist("photos"))

    total = sum((f.deduction for f in inspection.findings), start=0)
    return submit_form(form, action, done=_("问题已登记，整改单已下发"),
                       redirect_to=url_for("inspections.detail", inspection_id=inspection.id),
                       template="inspections/detail.html", inspection=inspection, may_add=may_add, total=total,
                       **labels())


@bp.route("/rectifications/")
@login_required
def orders():
    """整改单 queue: owed (overdue first by deadline), then awaiting re-check, then closed."""
    require(current_user, "inspection.view")
    today = local_today()
    stmt = current_scope().select(RectificationOrder).options(joinedload(RectificationOrder.issued_by)) \
        .order_by(*inspections.queue_order())
    status = request.args.get("status")
    if status in {s.value for s in OrderStatus}:
        stmt = stmt.where(RectificationOrder.status == status)
    if request.args.get("overdue") == "1":
        stmt = stmt.where(inspections.overdue_filter(today))
    if request.args.get("mine") == "1":  # an inspector's own orders, to re-check
        stmt = stmt.where(RectificationOrder.issued_by_id == current_user.id)
    args = {k: v for k, v in request.args.items() if k in ("status", "overdue", "mine")}
    return render_template("inspections/orders.html", page=paginate(stmt), today=today, status=status, args=args,
                           **labels())


def _order(order_id: int) -> RectificationOrder:
    require(current_user, "inspection.view")
    return current_scope().get(RectificationOrder, order_id, options=(
        selectinload(RectificationOrder.events).joinedload(RectificationEvent.actor),
        selectinload(RectificationOrder.events).selectinload(RectificationEvent.photos),
        joinedload(RectificationOrder.finding),
    ))


def _render_order(order: RectificationOrder, report_form=None, recheck_form=None, status: int = 200):
    return render_template(
        "inspections/order.html", order=order, today=local_today(),
        report_form=report_form or ReportForm(), recheck_form=recheck_form or RecheckForm(),
        may_report=inspections.can_report(order, current_user) and order.status in inspections.OWED,
        may_recheck=inspections.can_recheck(order, current_user) and order.status == OrderStatus.REPORTED,
        **labels(),
    ), status


@bp.route("/rectifications/<int:order_id>")
@login_required
def order_detail(order_id: int):
    """An order with its timeline and the actions open to the user."""
    return _render_order(_order(order_id))


def _post(order: RectificationOrder, form, action, done: str, **forms):
    """The POST flow of an order's action forms: refusals propagate (403/404), rule errors re-show the page."""
    if form.validate_on_submit():
        try:
            action()
        except (Forbidden, NotFound):
            raise
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(done, "success")
            return redirect(url_for("inspections.order_detail", order_id=order.id))
    return _render_order(_order(order.id), status=400, **forms)


@bp.route("/rectifications/<int:order_id>/report", methods=["POST"])
@login_required
def report(order_id: int):
    """The responsible body reports the fix with evidence."""
    order = _order(order_id)
    form = ReportForm()
    return _post(order, form, lambda: inspections.report_done(order, current_user, note=form.note.data,
                                                              photos=request.files.getlist("photos")),
                 _("已报告整改完成，等待复查"), report_form=form)


@bp.route("/rectifications/<int:order_id>/recheck", methods=["POST"])
@login_required
def recheck(order_id: int):
    """The inspector closes the order or sends it back."""
    order = _order(order_id)
    form = RecheckForm()
    return _post(order, form, lambda: inspections.recheck(order, current_user, passed=form.decision.data == "close",
                                                          reason=form.reason.data, due_on=form.due_on.data),
                 _("复查结果已保存"), recheck_form=form)


@bp.route("/photos/finding/<int:photo_id>")
@login_required
def finding_photo(photo_id: int):
    """A finding photo, served only inside the viewer's scope."""
    require(current_user, "inspection.view")
    photo = current_scope().get(FindingPhoto, photo_id)
    return uploads.send_stored(photo.path, photo.content_type)


@bp.route("/photos/rectification/<int:photo_id>")
@login_required
def order_photo(photo_id: int):
    """An evidence photo of an order, served only inside the viewer's scope."""
    require(current_user, "inspection.view")
    photo = current_scope().get(RectificationPhoto, photo_id)
    return uploads.send_stored(photo.path, photo.content_type)
