"""The owner's election ballot on the phone — choose → confirm → receipt, as for fund-plan and motion ballots (the
vote engine's receipts) — and the canvass: the dwellings that have not voted (committee and community). The view
functions are registered on the elections blueprint by pm.blueprints.governance.elections.views."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import current_scope, require
from pm.blueprints.governance.elections import forms as f
from pm.blueprints.webutil import errors_to_form
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import Election, Household, Role
from pm.models.votes import Decision
from pm.services import votes
from pm.services.governance import elections
from pm.services.votes.canvass import CAPABILITY as CANVASS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _election(election_id: int) -> Election:
    require(current_user, "governance.view")
    return elections.load(current_scope(), election_id)


def _decision(election: Election) -> Decision | None:
    return db.session.get(Decision, election.decision_id) if election.decision_id else None


def _ballot_form(election: Election):
    """The form, the user's dwellings that vote and their ballots so far (household id → ballot)."""
    decision = _decision(election)
    homes = votes.my_households(decision, current_user) if decision is not None else []
    voted = votes.ballots_by_household(decision, [h.id for h in homes], current_scope()) if homes else {}
    form = f.BallotForm()
    form.household_id.choices = [(h.id, h.label) for h in homes if h.id not in voted]
    form.candidate_ids.choices = [(c.id, c.person.name) for c in election.candidates]
    return form, homes, voted


def _page(election: Election, form, homes, voted, status: int = 200):
    receipts = {hh: votes.receipt_number(b) for hh, b in voted.items()}
    return render_template("elections/ballot.html", e=election, form=form, homes=homes, voted=voted,
                           receipts=receipts), status


@login_required
def ballot(election_id: int):
    """The owner's ballot: choose up to the seat count for a dwelling; choosing (POST) only shows the
    confirmation page, nothing is recorded until it is confirmed."""
    election = _election(election_id)
    if current_user.role != Role.OWNER:
        abort(403)
    form, homes, voted = _ballot_form(election)
    if request.method == "GET":
        return _page(election, form, homes, voted)
    if form.validate_on_submit():
        try:
            chosen = elections.check_choice(election, form.candidate_ids.data or [])
        except DomainError as err:
            errors_to_form(form, err)
        else:
            names = {c.id: c.person.name for c in election.candidates}
            household = next(h for h in homes if h.id == form.household_id.data)
            return render_template("elections/confirm.html", e=election, form=form, household=household,
                                   chosen=[(i, names[i]) for i in chosen])
    return _page(election, form, homes, voted, 400)


@login_required
def ballot_confirm(election_id: int):
    """Record the confirmed ballot (the owner's own dwelling) and show its receipt."""
    election = _election(election_id)
    if current_user.role != Role.OWNER:
        abort(403)
    form, homes, _voted = _ballot_form(election)
    # Any of the user's dwellings may be posted: one that has voted already (a second tab, the back button) is
    # refused by the vote engine with its reason, not by the form as "invalid".
    form.household_id.choices = [(h.id, h.label) for h in homes]
    if not form.validate_on_submit():
        flash(_("提交无效，请重试"), "danger")
        return redirect(url_for("elections.ballot", election_id=election.id))
    try:
        household = current_scope().get(Household, form.household_id.data)
        ballot_row = elections.cast(election, household, form.candidate_ids.data or [], actor=current_user,
                                    scope=current_scope())
    except (DomainError, Forbidden) as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("elections.ballot", election_id=election.id))
    flash(_("您的投票已记录"), "success")
    return redirect(url_for("elections.receipt", election_id=election.id, ballot_id=ballot_row.id))


@login_required
def receipt(election_id: int, ballot_id: int):
    """投票回执 of an election ballot: printable, can be opened again any time."""
    election = _election(election_id)
    if election.decision_id is None:
        abort(404)
    found = votes.receipt(ballot_id, user=current_user, scope=current_scope(), decision_id=election.decision_id)
    names = {c.id: c.person.name for c in election.candidates}
    chosen = [names[i] for i in elections.my_choices(election, ballot_id)]
    return render_template("elections/receipt.html", e=election, receipt=found, chosen=chosen)


@login_required
def unvoted(election_id: int):
    """未投票住户 of the election (door, owners, phones) for collecting ballots; ?format=xlsx downloads it."""
    require(current_user, CANVASS)
    election = _election(election_id)
    decision = _decision(election)
    if decision is None:
        abort(404)
    rows = votes.unvoted(decision, actor=current_user, scope=current_scope())
    if request.args.get("format") == "xlsx":
        return Response(votes.unvoted_workbook(decision.title, rows), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename=election-{election.id}-unvoted.xlsx"})
    return render_template("elections/unvoted.html", e=election, title=decision.title, rows=rows)
