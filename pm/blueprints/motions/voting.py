"""业主表决 pages of a motion: the owner's vote (choose → confirm → receipt; each dwelling's cost part shown before
voting), the receipt, and the committee's lists (who has not voted; paper ballots with who entered each). The view
functions are registered on the motions blueprint by pm.blueprints.motions.views."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope
from pm.blueprints.motions.common import form_id, labels, load_motion
from pm.blueprints.motions.forms import BallotForm, PaperBallotForm
from pm.blueprints.webutil import options
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import Household, Person
from pm.models.motions import Motion, MotionStatus
from pm.models.votes import Decision, VoteChoice
from pm.services import motions, votes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _costs(motion: Motion) -> dict:
    return {r.household.id: r for r in motions.my_rows(motions.cost_table(motion), current_user)}


def _vote_page(motion: Motion, form: BallotForm):
    mine = motions.my_households(motion, current_user)
    ballots = motions.my_ballots(motion, mine, current_scope())
    decision = motions.decision_of(motion)
    return render_template("motions/vote.html", motion=motion, households=mine, ballots=ballots, form=form,
                           receipts={hh: votes.receipt_number(b) for hh, b in ballots.items()}, costs=_costs(motion),
                           closes_on=decision.closes_on if decision is not None else None,
                           voting=motion.status == MotionStatus.VOTING, **labels())


def _chosen(motion: Motion, form: BallotForm) -> tuple[Household, VoteChoice]:
    """The dwelling and choice of a posted ballot form, checked before the confirmation page (cast_ballot checks
    all of it again): one of the user's own dwellings that vote and have not voted."""
    if motion.status != MotionStatus.VOTING:
        raise DomainError("该事项不在表决期", field="motion_id")
    try:
        choice = VoteChoice(form.choice.data)
        household_id = form_id(form.household_id.data, field="household_id")
    except (TypeError, ValueError):
        raise DomainError("提交无效，请重试", field="choice") from None
    mine = {h.id: h for h in motions.my_households(motion, current_user)}
    if household_id not in mine:
        raise Forbidden("只有该户的现业主可以投票")
    if motions.my_ballots(motion, [mine[household_id]], current_scope()):
        raise DomainError("该户已经投过票，每户只能投一票", field="household_id")
    return mine[household_id], choice


@login_required
def vote(motion_id: int):
    """业主手机投票: the motion, my dwelling's cost part, big buttons 同意/反对/弃权 per dwelling. Choosing (POST)
    only shows the confirmation page; nothing is recorded until it is confirmed."""
    motion = load_motion(motion_id)
    form = BallotForm()
    if request.method == "GET":
        return _vote_page(motion, form)
    if not form.validate_on_submit():
        flash(_("提交无效，请重试"), "danger")
        return redirect(url_for("motions.vote", motion_id=motion_id))
    try:
        household, choice = _chosen(motion, form)
    except DomainError as err:
        flash(err.message, "danger")
        return redirect(url_for("motions.vote", motion_id=motion_id))
    return render_template("motions/confirm.html", motion=motion, household=household, choice=choice.value,
                           cost=_costs(motion).get(household.id), form=form, **labels())


@login_required
def vote_confirm(motion_id: int):
    """Record the confirmed ballot (the owner's own) and show its receipt."""
    motion = load_motion(motion_id)
    scope = current_scope()
    form = BallotForm()
    if not form.validate_on_submit():
        flash(_("提交无效，请重试"), "danger")
        return redirect(url_for("motions.vote", motion_id=motion_id))
    try:
        household = scope.get(Household, form_id(form.household_id.data, field="household_id"))
        ballot = motions.cast_ballot(motion, household, form.choice.data, actor=current_user, scope=scope)
    except (DomainError, ValueError) as err:
        db.session.rollback()
        flash(getattr(err, "message", _("提交无效")), "danger")
        return redirect(url_for("motions.vote", motion_id=motion_id))
    flash(_("您的投票已记录"), "success")
    return redirect(url_for("motions.receipt", motion_id=motion_id, ballot_id=ballot.id))


@login_required
def receipt(motion_id: int, ballot_id: int):
    """投票回执: printable, can be opened again any time."""
    motion = load_motion(motion_id)
    if motion.decision_id is None:
        abort(404)
    found = votes.receipt(ballot_id, user=current_user, scope=current_scope(), decision_id=motion.decision_id)
    return render_template("motions/receipt.html", motion=motion, receipt=found, **labels())


def _decision(motion: Motion) -> Decision:
    decision = motions.decision_of(motion)
    if decision is None:
        abort(404)
    return decision


@login_required
def unvoted(motion_id: int):
    """未投票住户 (door, owners, phones) for collecting ballots door to door; ?format=xlsx downloads it."""
    motion = load_motion(motion_id)
    rows = votes.unvoted(_decision(motion), actor=current_user, scope=current_scope())
    if request.args.get("format") == "xlsx":
        return Response(votes.unvoted_workbook(motion.title, rows), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename=motion-{motion.id}-unvoted.xlsx"})
    return render_template("motions/unvoted.html", motion=motion, rows=rows, **labels())


def _paper_form(motion: Motion) -> PaperBallotForm:
    form = PaperBallotForm()
    voters = [(f"{h.id}:{p.id}", f"{h.label} · {p.name}") for h, p in motions.paper_voters(motion, current_scope())]
    form.voter.choices = options(voters) if can(current_user, "motions.ballot.paper") else []
    return form


@login_required
def paper_ballots(motion_id: int):
    """纸质票: the paper ballots entered (who entered each, when) and the form to enter one."""
    motion = load_motion(motion_id)
    scope = current_scope()
    if request.method == "GET":
        entries = votes.paper_entries(_decision(motion), actor=current_user, scope=scope)
        form = _paper_form(motion)
        return render_template("motions/paper_ballots.html", motion=motion, entries=entries,
                               form=form if motion.status == MotionStatus.VOTING else None, **labels())
    form = _paper_form(motion)
    if not form.validate_on_submit():
        flash(_("请选择住户与投票业主"), "danger")
        return redirect(url_for("motions.paper_ballots", motion_id=motion_id))
    hh_raw, _sep, person_raw = form.voter.data.partition(":")
    try:
        household = scope.get(Household, form_id(hh_raw, field="voter"))
        person = scope.get(Person, form_id(person_raw, field="voter"))
        motions.cast_ballot(motion, household, form.choice.data, actor=current_user, scope=scope, person=person,
                            paper=True)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        flash(_("纸质票已录入"), "success")
    return redirect(url_for("motions.paper_ballots", motion_id=motion_id))
