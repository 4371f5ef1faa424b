"""表决事项 pages: the list, filing a motion, its page (text, cost table by floor, affected households, the live
tally as bars, the steps), the county's policy; the owner's vote and the committee's ballot lists are in
pm.blueprints.motions.voting. Rules and queries live in pm.services.motions and pm.services.votes."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope
from pm.blueprints.motions import voting
from pm.blueprints.motions.common import labels, load_motion, tally_context
from pm.blueprints.votepages import form_id
from pm.blueprints.motions.forms import AffectedForm, CostForm, MotionForm, MotionTransitionForm, PolicyForm
from pm.blueprints.fund.plans.forms import yuan_to_fen
from pm.blueprints.webutil import errors_to_form, options, paginate
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound, County, Role
from pm.models.motions import MotionKind, MotionStatus
from pm.services import motions, votes
from pm.services.motions.access import POLICY

bp = Blueprint("motions", __name__, url_prefix="/motions")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

voting.pages.register(bp)


@bp.route("/")
@login_required
def index():
    """Motions in the user's scope, newest first; ?due=1: those awaiting my ballot (the home page's figure)."""
    status = request.args.get("status")
    known = status if status in {s.value for s in MotionStatus} else None
    due = request.args.get("due") == "1"
    stmt = motions.motions_stmt(current_scope(), status=known, due_for=current_user if due else None)
    return render_template("motions/index.html", page=paginate(stmt), status=status, due=due,
                           may_file=can(current_user, "motions.file"), **labels())


def _compounds(scope) -> list[Compound]:
    return list(db.session.scalars(scope.select(Compound).order_by(Compound.name, Compound.id)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """提出表决事项: choose the compound, then kind, title, text (and the unit for an elevator motion)."""
    if not can(current_user, "motions.file"):
        abort(403)
    scope = current_scope()
    raw = request.form.get("compound_id") or request.args.get("compound_id")
    compound = None
    if raw and raw.isdigit() and len(raw) <= 9:
        compound = db.session.scalar(scope.select(Compound).where(Compound.id == int(raw)))
    if compound is None:
        if request.method == "POST":
            flash(_("小区不存在或不在您的权限范围内"), "danger")
        return render_template("motions/pick_compound.html", compounds=_compounds(scope)), \
            (400 if request.method == "POST" else 200)
    form = MotionForm(compound_id=str(compound.id))
    form.unit_id.choices = options([("", _("（不按单元）"))] + [
        (str(u.id), f"{u.building.name}{u.name}") for u in motions.units_of(compound.id, scope)])
    if form.validate_on_submit():
        try:
            unit_id = None
            if form.kind.data == MotionKind.ELEVATOR.value and form.unit_id.data:
                unit_id = form_id(form.unit_id.data, field="unit_id")
            motion = motions.create_motion(compound, kind=form.kind.data, title=form.title.data, body=form.body.data,
                                           unit_id=unit_id, actor=current_user, scope=scope)
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(_("表决事项草稿已保存"), "success")
            return redirect(url_for("motions.show", motion_id=motion.id))
    status = 400 if request.method == "POST" else 200
    return render_template("motions/new.html", form=form, compound=compound), status


def _show(motion, *, cost_form=None, affected_form=None, cost_values=None, status=200):
    scope = current_scope()
    rows = motions.cost_table(motion)
    manage = motions.may_file(motion.compound, current_user, scope)
    draft = motion.status == MotionStatus.DRAFT
    households = motions.unit_households(motion) if motion.unit_id is not None and draft and manage else []
    if affected_form is None and households:
        affected_form = AffectedForm(household_ids=[a.household_id for a in motion.affected])
    if affected_form is not None:
        affected_form.household_ids.choices = [(h.id, h.label) for h in households]
    floors = sorted({h.floor for h in households})
    current = {c.floor: c.coefficient for c in motion.coefficients}
    context = tally_context(motion) if motion.status != MotionStatus.DRAFT else {}
    return render_template(
        "motions/show.html", motion=motion, rows=rows, my_rows=motions.my_rows(rows, current_user),
        rule=motions.rule_for(motion.kind), manage=manage, draft=draft,
        cost_form=cost_form or CostForm(total=f"{motion.total_cost_fen / 100:.2f}" if motion.total_cost_fen else ""),
        affected_form=affected_form, floors=floors, cost_values=cost_values or {str(f): str(v) for f, v in current.items()},
        transition_form=MotionTransitionForm(), paper=can(current_user, "motions.ballot.paper"),
        own_homes=motions.my_households(motion, current_user), **context, **labels()), status


@bp.route("/<int:motion_id>")
@login_required
def show(motion_id: int):
    """The motion: its text and rule, the cost table (each owner's own part marked), the affected households,
    the tally as bars against the rule and, once closed, the published result."""
    return _show(load_motion(motion_id))


@bp.route("/<int:motion_id>/costs", methods=["POST"])
@login_required
def costs(motion_id: int):
    """Save a draft elevator motion's cost table: the total and a coefficient per floor (coef_<floor>)."""
    motion = load_motion(motion_id)
    form = CostForm()
    values = {k[5:]: v for k, v in request.form.items() if k.startswith("coef_") and len(k) <= 12}
    if form.validate_on_submit():
        try:
            motions.set_costs(motion, total_cost_fen=yuan_to_fen(form.total.data, field="total"),
                              coefficients=values.items(), actor=current_user, scope=current_scope())
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err, {"coefficients": "total", "total_cost_fen": "total"})
        else:
            flash(_("费用共担表已保存"), "success")
            return redirect(url_for("motions.show", motion_id=motion_id))
    db.session.expire_all()
    return _show(load_motion(motion_id), cost_form=form, cost_values=values, status=400)


@bp.route("/<int:motion_id>/affected", methods=["POST"])
@login_required
def affected(motion_id: int):
    """Save the households the elevator directly affects."""
    motion = load_motion(motion_id)
    form = AffectedForm()
    form.household_ids.choices = [(h.id, h.label) for h in motions.unit_households(motion)]
    if form.validate_on_submit():
        try:
            motions.set_affected(motion, form.household_ids.data or [], actor=current_user, scope=current_scope())
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(_("受影响住户已保存"), "success")
            return redirect(url_for("motions.show", motion_id=motion_id))
    db.session.expire_all()
    return _show(load_motion(motion_id), affected_form=form, status=400)


@bp.route("/<int:motion_id>/transition", methods=["POST"])
@login_required
def transition(motion_id: int):
    """One step: publicity (until a date), voting (until a date), closed (count, publish), cancelled."""
    motion = load_motion(motion_id)
    form = MotionTransitionForm()
    if not form.validate_on_submit() or form.to.data not in motions.TARGETS:
        flash(_("提交无效，请重试"), "danger")
        return redirect(url_for("motions.show", motion_id=motion_id))
    until = form.until.data
    try:
        motions.transition(motion, form.to.data, actor=current_user, scope=current_scope(),
                           publicity_until=until, closes_on=until)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        flash(_("已更新表决事项状态"), "success")
    return redirect(url_for("motions.show", motion_id=motion_id))


@bp.route("/<int:motion_id>/tally")
@login_required
def tally_page(motion_id: int):
    """实时计票 (bars against the rule); ?format=xlsx downloads the tally with its exact fractions."""
    motion = load_motion(motion_id)
    if request.args.get("format") == "xlsx":
        return Response(votes.tally_workbook(motion.title, motions.tally(motion)), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename=motion-{motion.id}-tally.xlsx"})
    return render_template("motions/tally.html", motion=motion, **tally_context(motion), **labels())


@bp.route("/policy", methods=["GET", "POST"])
@login_required
def policy():
    """本县加装电梯规则 (county admins): the affected households' consent and cost × area."""
    county_id = current_user.county_id if current_user.role == Role.COUNTY_ADMIN else None
    if county_id is None or not can(current_user, POLICY) or not current_scope().contains(County, county_id):
        abort(403)
    current = motions.policy_for(county_id)
    form = PolicyForm(obj=current)
    if form.validate_on_submit():
        motions.set_policy(county_id, affected_consent=form.affected_consent.data,
                           cost_by_area=form.cost_by_area.data, actor=current_user, scope=current_scope())
        flash(_("已保存"), "success")
        return redirect(url_for("motions.policy"))
    return render_template("motions/policy.html", form=form), (400 if request.method == "POST" else 200)
