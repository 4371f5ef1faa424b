"""业主表决 pages of a plan: the owner's vote (choose → confirm → receipt), the receipt, and the committee's lists
for collecting ballots door to door (who has not voted) and for paper ballots (who entered each, and when).
The view functions are registered on the plans blueprint by pm.blueprints.fund.plans.views."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope
from pm.blueprints.fund.plans.common import labels, load_plan
from pm.blueprints.fund.plans.forms import BallotForm, PaperBallotForm, options
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import Household, Person
from pm.models.fund import PlanStatus, UsePlan
from pm.models.votes import Decision, VoteChoice
from pm.services import votes
from pm.services.fund import plans as fund_plans

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _vote_page(plan: UsePlan, form: BallotForm):
    scope = current_scope()
    mine = fund_plans.my_households(plan, current_user)
    ballots = fund_plans.my_ballots(plan, mine, scope)
    return render_template("fund/plans/vote.html", plan=plan, households=mine, ballots=ballots, form=form,
                           receipts={hh: votes.receipt_number(b) for hh, b in ballots.items()},
                           costs=fund_plans.my_costs(plan, current_user, scope),
                           documents=fund_plans.documents_of(plan, scope),
                           voting=plan.status == PlanStatus.VOTING, **labels())


def _chosen(plan: UsePlan, form: BallotForm) -> tuple[Household, VoteChoice]:
    """The dwelling and choice of a posted ballot form, checked before the confirmation page: one of the user's
    own dwellings that vote on the plan and have not voted (cast_ballot checks all of it again)."""
    if plan.status != PlanStatus.VOTING:
        raise DomainError("该方案不在表决期", field="plan")
    try:
        choice = VoteChoice(form.choice.data)
        household_id = int(form.household_id.data)
    except (TypeError, ValueError):
        raise DomainError("提交无效，请重试", field="choice") from None
    mine = {h.id: h for h in fund_plans.my_households(plan, current_user)}
    if household_id not in mine:
        raise Forbidden("只有该户的现业主可以投票")
    if fund_plans.my_ballots(plan, [mine[household_id]], current_scope()):
        raise DomainError("该户已经投过票，每户只能投一票", field="household_id")
    return mine[household_id], choice


@login_required
def vote(plan_id: int):
    """业主手机投票: the plan, what it costs my dwelling, its documents, and big buttons 同意/反对/弃权 per dwelling.
    Choosing (POST) only shows the confirmation page; nothing is recorded until it is confirmed."""
    plan = load_plan(plan_id)
    form = BallotForm()
    if request.method == "GET":
        return _vote_page(plan, form)
    if not form.validate_on_submit():
        flash(_("提交无效，请重试"), "danger")
        return redirect(url_for("plans.vote", plan_id=plan_id))
    try:
        household, choice = _chosen(plan, form)
    except DomainError as err:
        flash(err.message, "danger")
        return redirect(url_for("plans.vote", plan_id=plan_id))
    costs = fund_plans.household_costs(plan, [household], current_scope())
    return render_template("fund/plans/confirm.html", plan=plan, household=household, choice=choice.value,
                           cost=costs[0] if costs else None, form=form, **labels())


@login_required
def vote_confirm(plan_id: int):
    """Record the confirmed ballot (the owner's own, by the existing rules) and show its receipt."""
    plan = load_plan(plan_id)
    scope = current_scope()
    form = BallotForm()
    if not form.validate_on_submit():
        flash(_("提交无效，请重试"), "danger")
        return redirect(url_for("plans.vote", plan_id=plan_id))
    try:
        household = scope.get(Household, int(form.household_id.data))
        ballot = fund_plans.cast_ballot(plan, household, form.choice.data, actor=current_user, scope=scope)
    except (DomainError, ValueError) as err:
        db.session.rollback()
        flash(getattr(err, "message", _("提交无效")), "danger")
        return redirect(url_for("plans.vote", plan_id=plan_id))
    flash(_("您的投票已记录"), "success")
    return redirect(url_for("plans.receipt", plan_id=plan_id, ballot_id=ballot.id))


@login_required
def receipt(plan_id: int, ballot_id: int):
    """投票回执: time, plan, dwelling, choice and receipt number of one ballot; printable, open again any time."""
    plan = load_plan(plan_id)
    if plan.decision_id is None:
        abort(404)
    found = votes.receipt(ballot_id, user=current_user, scope=current_scope(), decision_id=plan.decision_id)
    return render_template("fund/plans/receipt.html", plan=plan, receipt=found, **labels())


def _decision(plan: UsePlan) -> Decision:
    decision = fund_plans.decision_of(plan)
    if decision is None:
        abort(404)
    return decision


@login_required
def unvoted(plan_id: int):
    """未投票住户: the dwellings that have not voted yet, in door order, with owners and phones (for collecting
    ballots door to door; printable; ?format=xlsx downloads it). Committee and community only."""
    plan = load_plan(plan_id)
    rows = votes.unvoted(_decision(plan), actor=current_user, scope=current_scope())
    if request.args.get("format") == "xlsx":
        return Response(votes.unvoted_workbook(plan.title, rows), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename=plan-{plan.id}-unvoted.xlsx"})
    return render_template("fund/plans/unvoted.html", plan=plan, rows=rows, **labels())


def _voters(plan: UsePlan) -> list[tuple[str, str]]:
    """Paper-ballot choices "household:person" for every owner of a dwelling that has not voted yet."""
    return [(f"{h.id}:{p.id}", f"{h.label} · {p.name}") for h, p in fund_plans.paper_ballot_voters(plan, current_scope())]


def paper_form(plan: UsePlan) -> PaperBallotForm:
    form = PaperBallotForm()
    form.voter.choices = options(_voters(plan)) if can(current_user, "fund.ballot.paper") else []
    return form


@login_required
def paper_ballots(plan_id: int):
    """纸质票: the list of paper ballots entered (with the entering account and time) and the form to enter one."""
    plan = load_plan(plan_id)
    scope = current_scope()
    form = paper_form(plan)
    if request.method == "GET":
        entries = votes.paper_entries(_decision(plan), actor=current_user, scope=scope)
        return render_template("fund/plans/paper_ballots.html", plan=plan, entries=entries,
                               form=form if plan.status == PlanStatus.VOTING else None, **labels())
    if not form.validate_on_submit():
        flash(_("请选择住户与投票业主"), "danger")
        return redirect(url_for("plans.paper_ballots", plan_id=plan_id))
    hh_raw, _sep, person_raw = form.voter.data.partition(":")
    try:
        household = scope.get(Household, int(hh_raw))
        person = scope.get(Person, int(person_raw))
        fund_plans.cast_ballot(plan, household, form.choice.data, actor=current_user, scope=scope, person=person,
                               paper=True)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        flash(_("纸质票已录入"), "success")
    return redirect(url_for("plans.paper_ballots", plan_id=plan_id))
