"""Inspection pages (list, create, detail with findings) and the rectification queue (open/overdue first)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import current_scope, require
from pm.blueprints.inspections.forms import (
    DeadlineForm,
    FindingForm,
    InspectionForm,
    RecheckForm,
    ReportForm,
    options,
)
from pm.blueprints.webutil import errors_to_form, paginate, submit_form
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import InspectionLevel, OrderStatus, RectificationOrder
from pm.services.assessments.compute import cutoff_of
from pm.services.inspections import inspections, rectification
from pm.services.periods import Month
from pm.services.inspections.rules import is_inspector, levels_for
from pm.services.labels import choices, label, label_of
from pm.timeutil import local_today

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


@bp.context_processor
def _helpers():
    return {"label": label}


def _page_context() -> dict:
    """What the inspection templates share: the filter choices."""
    return {"level_choices": choices(InspectionLevel), "status_choices": choices(OrderStatus)}


@bp.route("/")
@login_required
def index():
    """Inspections in scope, newest first (findings loaded in one extra query)."""
    require(current_user, "inspection.view")
    level = request.args.get("level")
    level = level if level in {lv.value for lv in InspectionLevel} else None
    stmt = inspections.inspections_stmt(current_scope(), level=level)
    return render_template("inspections/index.html", page=paginate(stmt), level=level, **_page_context())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Record an inspection: the role's level, a target in the user's area, a date not in the future."""
    require(current_user, "inspection.create")
    scope = current_scope()
    form = InspectionForm()
    form.level.choices = options((lv.value, label(lv)) for lv in levels_for(current_user))
    form.target.choices = options((f"{kind.value}:{ident}", _("%(kind)s：%(name)s", kind=label(kind), name=name))
                                  for kind, ident, name in inspections.targets_for(current_user, scope))
    form.inspector_ids.choices = options((u.id, u.display_name) for u in inspections.colleagues(current_user, scope))
    if request.method == "GET":
        form.inspected_on.data = local_today()

    def action():
        kind, _sep, ident = (form.target.data or "").partition(":")
        return inspections.create_inspection(
            current_user, scope=scope, level=form.level.data, target_kind=kind,
            target_id=int(ident) if ident.isdigit() else 0, inspected_on=form.inspected_on.data,
            inspector_ids=form.inspector_ids.data or [], summary=form.summary.data)

    return submit_form(form, action, done=_("检查已保存，请登记发现的问题"),
                       redirect_to=lambda i: url_for("inspections.detail", inspection_id=i.id),
                       template="inspections/form.html", aliases={"target_kind": "target", "target_id": "target"})


@bp.route("/<int:inspection_id>", methods=["GET", "POST"])
@login_required
def detail(inspection_id: int):
    """An inspection with its findings; its inspectors add findings here (each opens a rectification order)."""
    require(current_user, "inspection.view")
    scope = current_scope()
    inspection = inspections.load_inspection(scope, inspection_id)
    form = FindingForm()
    may_add = is_inspector(inspection, current_user)
    if may_add:
        form.item_code.choices = options((i.code, _("%(name)s（%(points)s 分）", name=label_of("assessment_names", i.name),
                                                       points=i.max_points))
                                        for i in inspections.finding_items(inspection))
    if request.method == "GET":
        form.due_on.data = None
    if request.method == "POST" and not may_add:
        raise Forbidden("只有本次检查的检查人员可以登记问题")

    def action():
        return inspections.add_finding(inspection, current_user, scope=scope, item_code=form.item_code.data,
                                       deduction=form.deduction.data, note=form.note.data, measure=form.measure.data,
                                       due_on=form.due_on.data, photos=request.files.getlist("photos"))

    return submit_form(form, action, done=_("问题已登记，整改单已下发"),
                       redirect_to=url_for("inspections.detail", inspection_id=inspection.id),
                       template="inspections/detail.html", inspection=inspection, may_add=may_add,
                       total=inspections.total_deduction(inspection), **_page_context())


@bp.route("/rectifications/")
@login_required
def orders():
    """整改单 queue: owed (overdue first by deadline), then awaiting re-check, then closed."""
    require(current_user, "inspection.view")
    today = local_today()
    status = request.args.get("status")
    status = status if status in {s.value for s in OrderStatus} else None
    ident = request.args.get("responsible_id", "")
    if request.args.get("responsible_kind") and not (ident.isdigit() and len(ident) < 10):
        raise NotFound(_("考核对象不存在或不在您的管辖范围内"), field="responsible_id")
    unit_filters = assessment_filters(request.args.get("responsible_kind") or None, int(ident) if ident else None,
                                      request.args.get("overdue_in") or None)
    stmt = rectification.orders_stmt(
        current_scope(), status=status, overdue_on=today if request.args.get("overdue") == "1" else None,
        issued_by_id=current_user.id if request.args.get("mine") == "1" else None,  # an inspector's own, to re-check
        **unit_filters)
    args = {k: v for k, v in request.args.items()
            if k in ("status", "overdue", "mine", "responsible_kind", "responsible_id", "overdue_in")}
    return render_template("inspections/orders.html", page=paginate(stmt), today=today, status=status, args=args,
                           overdue_in=request.args.get("overdue_in") if unit_filters.get("overdue_during") else None,
                           filtered=bool(unit_filters), **_page_context())


def assessment_filters(kind: str | None, unit_id: int | None, month: str | None) -> dict:
    """The list's filters behind an assessment line: the responsible unit (kind and id) and "overdue at some moment
    of the month", read as of the month's assessment cut-off exactly like the computed line."""
    out: dict = {}
    if kind:
        out["responsible"] = (kind, unit_id)
    if month:
        found = Month.parse(month, field="overdue_in")
        out["overdue_during"] = (found.first_day, found.last_day, cutoff_of(found))
    return out


def _order(order_id: int) -> RectificationOrder:
    require(current_user, "inspection.view")
    return rectification.load_order(current_scope(), order_id)


def _render_order(order: RectificationOrder, report_form=None, recheck_form=None, deadline_form=None,
                  status: int = 200):
    actions = rectification.allowed_actions(order, current_user, current_scope())
    return render_template(
        "inspections/order.html", order=order, today=local_today(),
        report_form=report_form or ReportForm(), recheck_form=recheck_form or RecheckForm(),
        deadline_form=deadline_form or DeadlineForm(), may_extend=rectification.may_extend(order, current_user),
        may_report="report" in actions, may_recheck="recheck" in actions, **_page_context(),
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
    return _post(order, form, lambda: rectification.report_done(order, current_user, scope=current_scope(),
                                                                note=form.note.data,
                                                                photos=request.files.getlist("photos")),
                 _("已报告整改完成，等待复查"), report_form=form)


@bp.route("/rectifications/<int:order_id>/recheck", methods=["POST"])
@login_required
def recheck(order_id: int):
    """The inspector closes the order or sends it back."""
    order = _order(order_id)
    form = RecheckForm()
    return _post(order, form, lambda: rectification.recheck(order, current_user, scope=current_scope(),
                                                            passed=form.decision.data == "close",
                                                            reason=form.reason.data, due_on=form.due_on.data),
                 _("复查结果已保存"), recheck_form=form)


@bp.route("/rectifications/<int:order_id>/deadline", methods=["POST"])
@login_required
def deadline(order_id: int):
    """延期: an inspector gives the order a new deadline with a reason (kept in its deadline history)."""
    order = _order(order_id)
    form = DeadlineForm()
    return _post(order, form, lambda: rectification.extend_deadline(order, current_user, scope=current_scope(),
                                                                    due_on=form.due_on.data, reason=form.reason.data),
                 _("整改期限已调整"), deadline_form=form)
