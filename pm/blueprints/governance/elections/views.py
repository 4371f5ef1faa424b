"""Owners' committee election pages: the list, forming the preparatory group, nominations, publicity, voting (the
owner's phone ballot and paper ballots entered for the group), counting, the publicised result and filing."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import can, current_scope, require
from pm.blueprints.governance.elections import forms as f
from pm.blueprints.governance.elections import voting
from pm.blueprints.webutil import errors_to_form, submit_form
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound, Election, ElectionStatus, Household, Ownership, Person, Role
from pm.models.votes import Decision
from pm.services import votes
from pm.services.governance import election_count, elections, officers
from pm.services.labels import label
from pm.timeutil import local_today

bp = Blueprint("elections", __name__, url_prefix="/elections")
bp.add_url_rule("/<int:election_id>/ballot", "ballot", voting.ballot, methods=["GET", "POST"])
bp.add_url_rule("/<int:election_id>/ballot/confirm", "ballot_confirm", voting.ballot_confirm, methods=["POST"])
bp.add_url_rule("/<int:election_id>/receipts/<int:ballot_id>", "receipt", voting.receipt)
bp.add_url_rule("/<int:election_id>/unvoted", "unvoted", voting.unvoted)


@bp.context_processor
def _helpers():
    return {"label": label, "rule_text": election_count.RULE_TEXT}


def _parse_group(text: str) -> list[dict]:
    rows = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if parts and parts[0]:
            rows.append({"name": parts[0], "side": parts[1] if len(parts) > 1 else "",
                         "phone": parts[2] if len(parts) > 2 and parts[2] else None})
    return rows


def _owners(compound_id: int) -> list[tuple[str, str]]:
    """(household:person, label) of the compound's current owners, in door order (one query)."""
    rows = db.session.execute(current_scope().filter(select(Household, Person), Household)
                              .join(Ownership, (Ownership.household_id == Household.id) & Ownership.ended_on.is_(None))
                              .join(Person, Person.id == Ownership.person_id)
                              .options(joinedload(Household.building), joinedload(Household.unit))
                              .where(Household.compound_id == compound_id, Person.is_organisation.is_(False))
                              .order_by(Household.building_id, Household.unit_id, Household.room_no, Person.id))
    return [(f"{h.id}:{p.id}", f"{h.label} {p.name}") for h, p in rows]


def _pair(value: str) -> tuple[Household, Person]:
    try:
        hh_id, person_id = (int(v) for v in (value or "").split(":"))
    except ValueError:
        raise DomainError("请选择房屋和业主", field="owner") from None
    scope = current_scope()
    return scope.get(Household, hh_id), db.session.get(Person, person_id) or abort(404)


def _election(election_id: int) -> Election:
    require(current_user, "governance.view")
    return elections.load(current_scope(), election_id)


@bp.route("/")
@login_required
def index():
    """Elections in scope, newest first (?compound_id= for one compound)."""
    require(current_user, "governance.view")
    compound_id = request.args.get("compound_id", type=int)
    compound = current_scope().get(Compound, compound_id) if compound_id else None
    rows = db.session.scalars(elections.elections_stmt(current_scope(), compound_id).limit(200)).all()
    names = {c.id: c.name for c in db.session.scalars(current_scope().filter(select(Compound), Compound).where(
        Compound.id.in_({e.compound_id for e in rows})))} if rows else {}
    return render_template("elections/index.html", rows=rows, names=names, compound=compound)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The street office forms the preparatory group (?compound_id=, &kind=re for a re-election)."""
    require(current_user, "governance.elections")
    scope = current_scope()
    compound = scope.get(Compound, request.args.get("compound_id", type=int) or 0)
    form = f.StartForm(kind=request.args.get("kind", "first"))
    return submit_form(form, lambda: elections.start_election(
        compound, kind=form.kind.data, seats=form.seats.data, term_years=form.term_years.data,
        group=_parse_group(form.group.data), actor=current_user, scope=scope),
        done=_("筹备组已成立，开始提名"), redirect_to=lambda e: url_for("elections.show", election_id=e.id),
        template="elections/new.html", compound=compound)


def _detail(election: Election, status: int = 200, **forms):
    decision = db.session.get(Decision, election.decision_id) if election.decision_id else None
    tally = votes.tally(decision) if decision is not None and can(current_user, "governance.paper") else None
    today = local_today()
    members = officers.elected_members(election, today) if election.status in officers.DONE else []
    context = dict(e=election, compound=db.session.get(Compound, election.compound_id), tally=tally,
                   today=today, publicise_form=f.PubliciseForm(), voting_form=f.VotingForm(),
                   file_form=f.FileForm(), action_form=f.ActionForm(), members=members,
                   officers_form=_officers_form(members))
    context.update(forms)
    return render_template("elections/show.html", **context), status


def _officers_form(members, form=None):
    form = form or f.OfficersForm()
    form.chair.choices = [(m.person_id, m.person.name) for m in members]
    form.vice_chairs.choices = [(m.person_id, m.person.name) for m in members]
    return form


@bp.route("/<int:election_id>")
@login_required
def show(election_id: int):
    """The election: its group, candidates (publicised), the rule, and once counted the publicised result."""
    return _detail(_election(election_id))


def _act(election: Election, form, action, done: str, name: str):
    if form.validate_on_submit():
        try:
            action()
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(done, "success")
            return redirect(url_for("elections.show", election_id=election.id))
    db.session.refresh(election)
    return _detail(election, 400, **{name: form})


@bp.route("/<int:election_id>/candidates/new", methods=["GET", "POST"])
@login_required
def nominate(election_id: int):
    """Register a candidate (a current owner of the compound) while nominations are open."""
    require(current_user, "governance.elections")
    election = _election(election_id)
    form = f.NominateForm()
    form.owner.choices = _owners(election.compound_id)

    def action():
        household, person = _pair(form.owner.data)
        return elections.nominate(election, person=person, household=household, statement=form.statement.data,
                                  nominated_by=form.nominated_by.data, is_party_member=form.is_party_member.data,
                                  actor=current_user, scope=current_scope())

    return submit_form(form, action, done=_("候选人已登记"),
                       redirect_to=url_for("elections.show", election_id=election.id),
                       template="elections/nominate.html", e=election)


@bp.route("/<int:election_id>/publicity", methods=["POST"])
@login_required
def publicise(election_id: int):
    require(current_user, "governance.elections")
    election = _election(election_id)
    form = f.PubliciseForm()
    return _act(election, form, lambda: elections.publicise(election, starts_on=form.starts_on.data,
                                                            actor=current_user, scope=current_scope()),
                _("候选人已公示"), "publicise_form")


@bp.route("/<int:election_id>/voting", methods=["POST"])
@login_required
def open_voting(election_id: int):
    require(current_user, "governance.elections")
    election = _election(election_id)
    form = f.VotingForm()
    return _act(election, form, lambda: elections.open_voting(election, opens_on=form.opens_on.data,
                                                              closes_on=form.closes_on.data, actor=current_user,
                                                              scope=current_scope()), _("投票已开始"), "voting_form")


@bp.route("/<int:election_id>/close", methods=["POST"])
@login_required
def close(election_id: int):
    require(current_user, "governance.elections")
    election = _election(election_id)
    form = f.ActionForm()
    return _act(election, form, lambda: elections.close(election, actor=current_user, scope=current_scope()),
                _("已计票，结果已公示"), "action_form")


@bp.route("/<int:election_id>/filing", methods=["POST"])
@login_required
def file(election_id: int):
    require(current_user, "governance.elections")
    election = _election(election_id)
    form = f.FileForm()
    return _act(election, form, lambda: elections.file(election, filed_on=form.filed_on.data, actor=current_user,
                                                       scope=current_scope()), _("备案已登记"), "file_form")


@bp.route("/<int:election_id>/cancel", methods=["POST"])
@login_required
def cancel(election_id: int):
    require(current_user, "governance.elections")
    election = _election(election_id)
    form = f.ActionForm()
    return _act(election, form, lambda: elections.cancel(election, actor=current_user, scope=current_scope()),
                _("选举已撤销"), "action_form")


@bp.route("/<int:election_id>/paper", methods=["GET", "POST"])
@login_required
def paper(election_id: int):
    """Enter a paper ballot for the preparatory group (marked as paper, with who entered it)."""
    require(current_user, "governance.paper")
    election = _election(election_id)
    decision = db.session.get(Decision, election.decision_id) if election.decision_id else None
    form = f.PaperForm()
    form.owner.choices = [(f"{h.id}:{p.id}", f"{h.label} {p.name}")
                          for h, p in votes.owners_without_ballot(decision, current_scope())] \
        if election.status == ElectionStatus.VOTING else []
    form.candidate_ids.choices = [(c.id, c.person.name) for c in election.candidates]

    def action():
        household, person = _pair(form.owner.data)
        return elections.cast(election, household, form.candidate_ids.data or [], actor=current_user,
                              scope=current_scope(), paper=True, person=person)

    return submit_form(form, action, done=_("纸质选票已录入"),
                       redirect_to=url_for("elections.paper", election_id=election.id),
                       template="elections/paper.html", e=election)


@bp.route("/<int:election_id>/officers", methods=["POST"])
@login_required
def choose_officers(election_id: int):
    """The elected members' chair and vice-chairs (street office, county or the committee itself)."""
    require(current_user, officers.CAPABILITY)
    election = _election(election_id)
    form = _officers_form(officers.elected_members(election, local_today()))
    return _act(election, form, lambda: officers.choose_officers(
        election, chair_person_id=form.chair.data, vice_chair_person_ids=form.vice_chairs.data,
        effective_on=form.effective_on.data, actor=current_user, scope=current_scope()),
        _("主任委员和副主任委员已登记"), "officers_form")
