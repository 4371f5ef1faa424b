"""月度考核 pages: periods with ranked scores and their steps, a unit's score line by line with appeals, schemes,
bonus and veto events."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope, require
from pm.blueprints.assessments.forms import (
    ActionForm,
    ActivateForm,
    AdjustmentForm,
    AppealForm,
    DecisionForm,
    EventForm,
    NewDraftForm,
    PeriodForm,
    SchemeForm,
    unit_kinds,
)
from pm.blueprints.webutil import options, paginate, submit_form
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import (
    AssessmentAppeal,
    AssessmentLine,
    AssessmentPeriod,
    AssessmentScheme,
    PeriodStatus,
    SchemeStatus,
    UnitKind,
)
from pm.services.assessments import compute, events, periods, schemes
from pm.services.assessments.events import UNIT_MODELS
from pm.services.labels import label
from pm.services.periods import Month
from pm.timeutil import utcnow

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

ACTIONS = {
    PeriodStatus.OPEN: ("compute",), PeriodStatus.COMPUTED: ("compute", "review"),
    PeriodStatus.REVIEW: ("close_review",), PeriodStatus.DECIDED: ("publish",), PeriodStatus.PUBLISHED: ("lock",),
    PeriodStatus.LOCKED: (),
}


@bp.context_processor
def _helpers():
    return {"label": label, "action_names": {"compute": _("计算（草稿，可重复）"), "review": _("开始公示"),
                                             "close_review": _("结束公示"), "publish": _("发布"), "lock": _("锁定")}}


def _period(period_id: int) -> AssessmentPeriod:
    require(current_user, "assessment.view")
    return current_scope().get(AssessmentPeriod, period_id)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The county's periods, newest first; a county administrator opens the period of a month that has ended."""
    require(current_user, "assessment.view")
    form = PeriodForm()
    if request.method == "POST":
        require(current_user, "assessment.manage")

    def action():
        return compute.open_period(current_user.county_id, Month.parse(form.month.data), actor=current_user,
                                   now=utcnow())

    return submit_form(form, action, done=_("考核期已打开"),
                       redirect_to=lambda p: url_for("assessments.period", period_id=p.id),
                       template="assessments/index.html", page=paginate(periods.periods_stmt(current_scope())),
                       may_manage=can(current_user, "assessment.manage"))


@bp.route("/periods/<int:period_id>")
@login_required
def period(period_id: int):
    """A period: its steps, the ranked scores you may see (per kind of unit) and its appeals."""
    found = _period(period_id)
    scope = current_scope()
    scores = db.session.scalars(periods.scores_stmt(scope, found)).all()
    by_kind = {kind: [s for s in scores if s.unit_kind == kind] for kind in UnitKind}
    manage = can(current_user, "assessment.manage")
    return render_template("assessments/period.html", period=found, by_kind=by_kind,
                           appeals=periods.appeals_of(scope, found), actions=ACTIONS[found.status] if manage else (),
                           action_form=ActionForm(), decision_form=DecisionForm(), may_manage=manage)


@bp.route("/periods/<int:period_id>/step", methods=["POST"])
@login_required
def step(period_id: int):
    """One step of the period (compute, review, close the review, publish, lock)."""
    require(current_user, "assessment.manage")
    found = _period(period_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            compute.transition(found, form.action.data, actor=current_user, now=utcnow())
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return redirect(url_for("assessments.period", period_id=period_id)), 303
        flash(_("已完成：%(step)s", step=form.action.data), "success")
    return redirect(url_for("assessments.period", period_id=period_id))


@bp.route("/scores/<int:score_id>", methods=["GET", "POST"])
@login_required
def score(score_id: int):
    """A unit's score line by line, each with its rule and the records behind it; the unit appeals a line during
    the review; a county administrator adjusts a published score with a reason."""
    require(current_user, "assessment.view")
    scope = current_scope()
    found = periods.load_score(scope, score_id)
    the_period = db.session.get(AssessmentPeriod, found.period_id)
    form = AdjustmentForm()
    may_adjust = can(current_user, "assessment.manage") and the_period.status in (PeriodStatus.PUBLISHED,
                                                                                 PeriodStatus.LOCKED)
    if request.method == "POST":
        require(current_user, "assessment.manage")

    def action():
        return periods.adjust(found, current_user, points=form.points.data, reason=form.reason.data)

    appeals = {a.line_id: a for a in periods.appeals_of(scope, the_period, score_id=found.id)}
    may_appeal = the_period.status == PeriodStatus.REVIEW and periods.own_score(current_user, found)
    return submit_form(form, action, done=_("更正已登记"), redirect_to=url_for("assessments.score", score_id=score_id),
                       template="assessments/score.html", score=found, period=the_period, appeals=appeals,
                       may_appeal=may_appeal, may_adjust=may_adjust, appeal_form=AppealForm(), links=_links(found),
                       adjusted=found.total + sum((a.points for a in found.adjustments), start=Decimal(0)))


def _links(score) -> dict[int, list[tuple[str, str]]]:
    """line id → (text, url) of the records behind it."""
    out: dict[int, list[tuple[str, str]]] = {}
    month = db.session.get(AssessmentPeriod, score.period_id).month
    delay = db.session.get(AssessmentScheme, score.scheme_id).log_delay_days
    for line in score.lines:
        refs, links = line.refs or {}, []
        for inspection_id in refs.get("inspections", []):
            links.append((_("检查记录 #%(id)s", id=inspection_id),
                          url_for("inspections.detail", inspection_id=inspection_id)))
        if "repairs" in refs:
            links.append((_("本月报修统计"), url_for("repairs.metrics", period=month,
                                                   station_id=refs["repairs"]["station_id"])))
            links.append((_("超时报修"), url_for("repairs.index", station_id=refs["repairs"]["station_id"],
                                                status="all", late_in=month)))
        if "logs" in refs:
            links.append((_("缺失日志的日期"), url_for("stations.month_calendar", station_id=refs["logs"]["station_id"],
                                                   month=month, delay_days=delay)))
        if refs.get("overdue"):
            unit = refs["orders"]
            links.append((_("逾期整改单"), url_for("inspections.orders", responsible_kind=unit["unit_kind"],
                                                  responsible_id=unit["unit_id"], overdue_in=month)))
        if "survey" in refs:
            links.append((_("满意度测评结果"), url_for("surveys.index", month=month, unit_kind=score.unit_kind.value,
                                                    unit_id=score.unit_id)))
        if refs.get("events"):
            links.append((_("加分或否决事项"), url_for("assessments.event_list",
                                                   ids=",".join(str(i) for i in refs["events"]))))
        out[line.id] = links
    return out


@bp.route("/lines/<int:line_id>/appeal", methods=["POST"])
@login_required
def appeal(line_id: int):
    """申诉 one line of your own unit's score, with the reason and evidence photos."""
    require(current_user, "assessment.appeal")
    scope = current_scope()
    line = scope.get(AssessmentLine, line_id)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            periods.file_appeal(line, current_user, scope=scope, reason=form.reason.data,
                                photos=[f for f in request.files.getlist("photos") if f and f.filename])
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return redirect(url_for("assessments.score", score_id=line.score_id)), 303
        flash(_("申诉已提交"), "success")
    else:
        flash(_("请填写申诉理由"), "danger")
    return redirect(url_for("assessments.score", score_id=line.score_id))


@bp.route("/appeals/<int:appeal_id>/decide", methods=["POST"])
@login_required
def decide(appeal_id: int):
    """Uphold (with the new points) or reject an appeal, with the reason."""
    require(current_user, "assessment.manage")
    found = current_scope().get(AssessmentAppeal, appeal_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            periods.decide_appeal(found, current_user, upheld=form.upheld.data == "1", decision=form.decision.data,
                                  new_points=form.new_points.data or None)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return redirect(url_for("assessments.period", period_id=found.period_id)), 303
        flash(_("申诉已处理"), "success")
    else:
        flash(_("请填写处理意见"), "danger")
    return redirect(url_for("assessments.period", period_id=found.period_id))


# -- schemes ----------------------------------------------------------------------------------------------
@bp.route("/schemes", methods=["GET", "POST"])
@login_required
def scheme_list():
    """Every version of the county's schemes; a county administrator starts a new draft of a kind."""
    require(current_user, "assessment.view")
    form = NewDraftForm()
    form.kind.choices = unit_kinds()
    if request.method == "POST":
        require(current_user, "assessment.manage")

    def action():
        return schemes.create_draft(current_user.county_id, form.kind.data, current_user)

    return submit_form(form, action, done=_("草稿已建立"),
                       redirect_to=lambda s: url_for("assessments.scheme", scheme_id=s.id),
                       template="assessments/schemes.html", page=paginate(schemes.schemes_stmt(current_scope())),
                       may_manage=can(current_user, "assessment.manage"))


@bp.route("/schemes/<int:scheme_id>", methods=["GET", "POST"])
@login_required
def scheme(scheme_id: int):
    """A version's categories and items; a draft's points, caps and settings are edited here."""
    require(current_user, "assessment.view")
    found = schemes.load(current_scope(), scheme_id)
    form = SchemeForm(obj=found) if request.method == "GET" else SchemeForm()
    editable = found.status == SchemeStatus.DRAFT and can(current_user, "assessment.manage")
    if request.method == "POST":
        require(current_user, "assessment.manage")

    def action():
        structure = schemes.structure_of(found)
        for category, data in zip(found.categories, structure):
            data["max_points"] = request.form.get(f"cat-{category.id}-max", data["max_points"])
            for item, item_data in zip(category.items, data["items"]):
                item_data["max_points"] = request.form.get(f"item-{item.id}-max", item_data["max_points"])
                cap = request.form.get(f"item-{item.id}-cap", "")
                item_data["monthly_cap"] = cap.strip() or None
        return schemes.update_draft(found, current_user, name=form.name.data, full_marks=form.full_marks.data,
                                    log_delay_days=form.log_delay_days.data, categories=structure)

    return submit_form(form, action, done=_("草稿已保存"), redirect_to=url_for("assessments.scheme", scheme_id=scheme_id),
                       template="assessments/scheme.html", scheme=found, editable=editable,
                       activate_form=ActivateForm())


@bp.route("/schemes/<int:scheme_id>/activate", methods=["POST"])
@login_required
def activate(scheme_id: int):
    """Put a draft in force from the first day of a month."""
    require(current_user, "assessment.manage")
    found = schemes.load(current_scope(), scheme_id)
    form = ActivateForm()
    if form.validate_on_submit():
        try:
            schemes.activate(found, current_user, active_from=form.active_from.data)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return redirect(url_for("assessments.scheme", scheme_id=scheme_id)), 303
        flash(_("已启用"), "success")
    else:
        flash(_("请填写启用日期"), "danger")
    return redirect(url_for("assessments.scheme", scheme_id=scheme_id))


# -- bonus and veto events --------------------------------------------------------------------------------
@bp.route("/events", methods=["GET", "POST"])
@login_required
def event_list():
    """Bonus and veto events in your area; inspectors record one with evidence."""
    require(current_user, "assessment.view")
    scope = current_scope()
    form = EventForm()
    may_record = can(current_user, "assessment.event")
    if may_record:
        form.unit.choices = options((f"{kind.value}:{unit.id}", f"{label(kind)}{_('：')}{unit.name}")
                                    for kind, model in UNIT_MODELS.items()
                                    for unit in db.session.scalars(scope.select(model).order_by(model.id).limit(500)))
    if request.method == "POST":
        require(current_user, "assessment.event")

    def action():
        kind, _sep, ident = (form.unit.data or "").partition(":")
        if not ident.isdigit():
            raise NotFound(_("考核对象不存在或不在您的管辖范围内"), field="unit")
        return events.record_event(current_user, scope=scope, unit_kind=kind, unit_id=int(ident),
                                   item_code=form.item_code.data, happened_on=form.happened_on.data,
                                   note=form.note.data, points=form.points.data or None,
                                   photos=[f for f in request.files.getlist("photos") if f and f.filename])

    raw = request.args.get("ids", "")
    ids = [int(x) for x in raw.split(",") if x.isdigit() and len(x) < 10][:100] if raw else None
    return submit_form(form, action, done=_("已登记"), redirect_to=url_for("assessments.event_list"),
                       template="assessments/events.html", page=paginate(events.events_stmt(scope, ids=ids)),
                       filtered=ids is not None,
                       may_record=may_record, aliases={"unit_id": "unit", "unit_kind": "unit"})

