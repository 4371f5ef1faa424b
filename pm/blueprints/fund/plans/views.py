"""使用方案 pages: list, draft, detail (timeline, scope, documents, tally, apportionment), transitions,
owners' phone voting and paper ballots. Rules and queries live in pm.services.fund.plans and pm.services.votes."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_fresh, login_required

from pm.access import can, current_scope
from pm.blueprints.fund.plans import ballots
from pm.blueprints.fund.plans.common import labels, load_plan, tally_context
from pm.blueprints.fund.plans.forms import DocumentForm, PlanForm, TransitionForm, options, yuan_to_fen
from pm.blueprints.webutil import errors_to_form, paginate, submit_form
from pm.errors import DomainError, Forbidden
from pm.extensions import db, login_manager
from pm.models import Compound
from pm.models.fund import PlanStatus
from pm.services import votes
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import Targets
from pm.services.labels import label, label_of

# Transitions that move money or approve it need a fresh login (reliability.md: fresh_login_required).
bp = Blueprint("plans", __name__, url_prefix="/plans")


FRESH = {"passed", "payment_approved", "charged"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_labels, _plan = labels, load_plan

# The owner's vote and the committee's ballot lists (pm.blueprints.fund.plans.ballots).
ballots.pages.register(bp)


@bp.route("/")
@login_required
def index():
    """Plans in the user's scope (owners: their compound's), newest first, paginated."""
    status = request.args.get("status")
    known = status if status in {s.value for s in PlanStatus} else None  # an unknown filter shows every plan
    stmt = fund_plans.plans_stmt(current_scope(), status=known)
    return render_template("fund/plans/index.html", page=paginate(stmt), status=status, **_labels())


def _compounds(scope) -> list[Compound]:
    return list(db.session.scalars(scope.select(Compound).order_by(Compound.name, Compound.id)))


def _target_choices(scope, compound: Compound) -> list[tuple[str, str]]:
    """b:ID / u:ID / h:ID choices of one compound."""
    buildings, units, households = fund_plans.targets_of(compound, scope)
    return ([(f"b:{b.id}", _("楼栋 · %(name)s", name=b.name)) for b in buildings]
            + [(f"u:{u.id}", _("单元 · %(name)s", name=f"{u.building.name}{u.name}")) for u in units]
            + [(f"h:{h.id}", _("住户 · %(name)s", name=h.label)) for h in households])


def _targets(form: PlanForm) -> Targets:
    if form.scope_kind.data == "whole":
        return Targets()
    t = Targets(whole=False)
    for value in form.targets.data or []:
        kind, _sep, raw = value.partition(":")
        {"b": t.buildings, "u": t.units, "h": t.households}[kind].append(int(raw))
    return t


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Draft a plan for one compound (chosen first when the user has several)."""
    if not can(current_user, "fund.plan.propose"):
        raise Forbidden(_("您的角色无权起草使用方案"))
    scope = current_scope()
    compounds = _compounds(scope)
    raw = request.args.get("compound_id", type=int)
    if raw is None and len(compounds) == 1:
        raw = compounds[0].id
    if raw is None:
        return render_template("fund/plans/pick_compound.html", compounds=compounds)
    compound = scope.get(Compound, raw)
    policy = fund_plans.policy_for(compound.id)
    form = PlanForm()
    form.targets.choices = options(_target_choices(scope, compound))
    form.emergency_reason.choices = options([("", "—")] + list(policy.emergency_reasons.items()))

    def create():
        return fund_plans.create_plan(
            compound, actor=current_user, scope=scope, title=form.title.data, shared_part=form.shared_part.data,
            reason=form.reason.data, budget_fen=yuan_to_fen(form.budget.data, field="budget"),
            contractor=form.contractor.data, decision_kind=form.decision_kind.data, targets=_targets(form),
            confirmations={name: getattr(form, name).data for name in fund_plans.CONFIRMATIONS},
            is_emergency=form.is_emergency.data, emergency_reason=form.emergency_reason.data or None,
        )

    return submit_form(
        form, create, done=_("方案草稿已保存"), redirect_to=lambda plan: url_for("plans.show", plan_id=plan.id),
        template="fund/plans/form.html", aliases={"budget_fen": "budget", "scope": "targets"}, compound=compound,
    )


def _shares(plan: UsePlan):
    """The share table for the page, or {"error": …} when a preview cannot be split."""
    try:
        return fund_plans.plan_shares(plan, current_scope(), households=True)
    except DomainError as err:
        return {"error": err.message}


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int):
    """One plan: facts, what it costs my dwelling, scope, timeline, documents, tally, apportionment and the forms
    this user may use."""
    plan = _plan(plan_id)
    scope = current_scope()
    actions = fund_plans.allowed_actions(plan, current_user, scope)
    policy = fund_plans.policy_for(plan.compound_id)
    return render_template(
        "fund/plans/show.html", plan=plan, timeline=fund_plans.timeline(plan),
        scope_words=fund_plans.describe_scope(plan, whole=label_of("plan_scope", "whole")),
        documents=fund_plans.documents_of(plan, scope), **(tally_context(plan) if actions.tally else {"tally": None}),
        shares=_shares(plan), costs=fund_plans.my_costs(plan, current_user, scope), actions=actions,
        inputs=fund_plans.TRANSITION_INPUTS, transition_form=TransitionForm(),
        paper_form=ballots.pages.paper_form(plan) if actions.paper_ballot else None,
        canvass=can(current_user, "fund.ballot.paper") and plan.decision_id is not None,
        document_form=DocumentForm() if actions.add_document else None,
        emergency_label=policy.emergency_reasons.get(plan.emergency_reason, plan.emergency_reason)
        if plan.emergency_reason else "",
        approver=policy.approver, **_labels(),
    )


@bp.route("/<int:plan_id>/tally")
@login_required
def tally_page(plan_id: int):
    """实时计票: progress against the thresholds (reloads itself while the vote is open); ?format=xlsx downloads
    every figure with its exact fraction."""
    plan = _plan(plan_id)
    if plan.is_emergency:
        abort(404)
    context = tally_context(plan)
    if request.args.get("format") == "xlsx":
        return Response(votes.tally_workbook(plan.title, context["tally"]), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename=plan-{plan.id}-tally.xlsx"})
    return render_template("fund/plans/tally.html", plan=plan, **context, **_labels())


@bp.route("/<int:plan_id>/transition", methods=["POST"])
@login_required
def transition(plan_id: int):
    """Apply one transition from the plan page; approvals and charging need a fresh login."""
    plan = _plan(plan_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("提交无效：%(errors)s", errors="；".join(m for ms in form.errors.values() for m in ms)), "danger")
        return redirect(url_for("plans.show", plan_id=plan.id))
    to = form.to.data
    if to in FRESH and not login_fresh():
        return login_manager.needs_refresh()
    try:
        cost = yuan_to_fen(form.actual_cost.data, field="actual_cost") if to == "settled" else None
        fund_plans.transition(plan, to, actor=current_user, scope=current_scope(), reason=form.reason.data or None,
                              actual_cost_fen=cost)
    except DomainError as err:
        db.session.rollback()
        detail = "；".join(m for ms in err.fields.values() for m in ms if m != err.message)
        flash(err.message + (f"（{detail}）" if detail else ""), "danger")
        return redirect(url_for("plans.show", plan_id=plan_id))
    flash(_("方案状态已更新：%(status)s", status=label(plan.status)), "success")
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/documents", methods=["POST"])
@login_required
def upload(plan_id: int):
    """Upload a plan document (checked by content; served by /files/plan_document/<id>)."""
    plan = _plan(plan_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            fund_plans.add_document(plan, filename=upload.filename,
                                    data=upload.read(fund_plans.MAX_DOCUMENT_BYTES + 1),
                                    actor=current_user, scope=current_scope())
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(_("材料已上传"), "success")
            return redirect(url_for("plans.show", plan_id=plan_id))
    for message in [m for ms in form.errors.values() for m in ms] + list(form.form_errors):
        flash(message, "danger")
    return redirect(url_for("plans.show", plan_id=plan_id))
