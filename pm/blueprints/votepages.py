"""The owner's vote and the committee's ballot pages, once for every subject voted on with choices 同意/反对/弃权
(fund use plans, owner motions): choose → confirm → receipt on the phone (nothing is recorded before the
confirmation), the printable receipt, 未投票住户 for collecting ballots door to door (?format=xlsx), and 纸质票
(the paper ballots with who entered each, and the form to enter one). A subclass names its blueprint, templates
and the service calls that differ; `register` adds the five rules to its blueprint."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import Scope, can, current_scope
from pm.blueprints.fund.plans.forms import BallotForm, PaperBallotForm
from pm.blueprints.webutil import options
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import Household, Person
from pm.models.votes import Ballot, Decision, VoteChoice
from pm.services import votes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_id(value, *, field: str) -> int:
    """An id typed in a form: digits only, at most 9 of them (else a field error, never a database overflow)."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise DomainError("提交无效，请重试", field=field)
    return int(text)


class VotePages(ABC):
    endpoint: str  # the blueprint: "plans"
    id_arg: str  # the URL's id: "plan_id"
    templates: str  # the template folder: "fund/plans"
    name: str  # the subject's name in the templates: "plan"
    paper_capability: str  # who may enter paper ballots
    xlsx_prefix: str  # the unvoted list's file name: "plan" → plan-7-unvoted.xlsx

    # -- what each subject does its own way ------------------------------------------------------------------------
    @abstractmethod
    def load(self, subject_id: int) -> Any:
        """The subject within the caller's scope (404 otherwise)."""

    @abstractmethod
    def labels(self) -> dict:
        """The labels every template of the subject gets."""

    @abstractmethod
    def voting(self, subject) -> bool:
        """Whether ballots are taken now."""

    @abstractmethod
    def not_voting(self) -> DomainError:
        """The refusal when ballots are not taken."""

    @abstractmethod
    def decision_of(self, subject) -> Decision | None:
        """The vote engine's decision of the subject, once voting has opened."""

    @abstractmethod
    def my_households(self, subject) -> list[Household]:
        """The caller's own dwellings that vote on the subject."""

    @abstractmethod
    def my_ballots(self, subject, households, scope: Scope) -> dict[int, Ballot]:
        """The ballots of those dwellings, by household id."""

    @abstractmethod
    def cast(self, subject, household, choice, *, scope: Scope, **paper) -> Ballot:
        """Record a ballot (paper=True, person=… when the committee enters a paper one)."""

    @abstractmethod
    def paper_voters(self, subject, scope: Scope) -> list[tuple[Household, Person]]:
        """Every owner of a dwelling that has not voted yet."""

    @abstractmethod
    def my_cost(self, subject, household) -> Any:
        """What the subject costs the dwelling (shown on the confirmation page), or None."""

    @abstractmethod
    def vote_context(self, subject, scope: Scope) -> dict:
        """What the subject's vote page shows besides the dwellings (costs, documents, closing day)."""

    # -- the pages ---------------------------------------------------------------------------------------------------
    def register(self, bp: Blueprint) -> None:
        base = f"/<int:{self.id_arg}>"
        for rule, name, methods in (("/vote", "vote", ["GET", "POST"]), ("/vote/confirm", "vote_confirm", ["POST"]),
                                    ("/receipts/<int:ballot_id>", "receipt", ["GET"]), ("/unvoted", "unvoted", ["GET"]),
                                    ("/paper-ballots", "paper_ballots", ["GET", "POST"])):
            bp.add_url_rule(base + rule, name, login_required(getattr(self, name)), methods=methods)

    def _url(self, name: str, subject_id: int, **args) -> str:
        return url_for(f"{self.endpoint}.{name}", **{self.id_arg: subject_id}, **args)

    def _render(self, template: str, subject, **context) -> str:
        return render_template(f"{self.templates}/{template}", **{self.name: subject}, **context, **self.labels())

    def _chosen(self, subject, form: BallotForm) -> tuple[Household, VoteChoice]:
        """The dwelling and choice of a posted ballot form, checked before the confirmation page (casting checks all
        of it again): one of the user's own dwellings that vote and have not voted."""
        if not self.voting(subject):
            raise self.not_voting()
        try:
            choice = VoteChoice(form.choice.data)
        except (TypeError, ValueError):
            raise DomainError("提交无效，请重试", field="choice") from None
        household_id = form_id(form.household_id.data, field="household_id")
        mine = {h.id: h for h in self.my_households(subject)}
        if household_id not in mine:
            raise Forbidden("只有该户的现业主可以投票")
        if self.my_ballots(subject, [mine[household_id]], current_scope()):
            raise DomainError("该户已经投过票，每户只能投一票", field="household_id")
        return mine[household_id], choice

    def vote(self, **ids):
        """业主手机投票: the subject, what it costs my dwelling, big buttons 同意/反对/弃权 per dwelling. Choosing
        (POST) only shows the confirmation page; nothing is recorded until it is confirmed."""
        subject_id = ids[self.id_arg]
        subject, form, scope = self.load(subject_id), BallotForm(), current_scope()
        if request.method == "GET":
            mine = self.my_households(subject)
            ballots = self.my_ballots(subject, mine, scope)
            return self._render("vote.html", subject, households=mine, ballots=ballots, form=form,
                                receipts={hh: votes.receipt_number(b) for hh, b in ballots.items()},
                                voting=self.voting(subject), **self.vote_context(subject, scope))
        if not form.validate_on_submit():
            flash(_("提交无效，请重试"), "danger")
            return redirect(self._url("vote", subject_id))
        try:
            household, choice = self._chosen(subject, form)
        except DomainError as err:
            flash(err.message, "danger")
            return redirect(self._url("vote", subject_id))
        return self._render("confirm.html", subject, household=household, choice=choice.value,
                            cost=self.my_cost(subject, household), form=form)

    def vote_confirm(self, **ids):
        """Record the confirmed ballot (the owner's own) and show its receipt."""
        subject_id = ids[self.id_arg]
        subject, form, scope = self.load(subject_id), BallotForm(), current_scope()
        if not form.validate_on_submit():
            flash(_("提交无效，请重试"), "danger")
            return redirect(self._url("vote", subject_id))
        try:
            household = scope.get(Household, form_id(form.household_id.data, field="household_id"))
            ballot = self.cast(subject, household, form.choice.data, scope=scope)
        except (DomainError, ValueError) as err:
            db.session.rollback()
            flash(getattr(err, "message", _("提交无效")), "danger")
            return redirect(self._url("vote", subject_id))
        flash(_("您的投票已记录"), "success")
        return redirect(self._url("receipt", subject_id, ballot_id=ballot.id))

    def receipt(self, ballot_id: int, **ids):
        """投票回执: time, subject, dwelling, choice and receipt number of one ballot; printable, open again any time."""
        subject = self.load(ids[self.id_arg])
        if subject.decision_id is None:
            abort(404)
        found = votes.receipt(ballot_id, user=current_user, scope=current_scope(), decision_id=subject.decision_id)
        return self._render("receipt.html", subject, receipt=found)

    def _decision(self, subject) -> Decision:
        decision = self.decision_of(subject)
        if decision is None:
            abort(404)
        return decision

    def unvoted(self, **ids):
        """未投票住户: the dwellings that have not voted yet, in door order, with owners and phones (printable;
        ?format=xlsx downloads it)."""
        subject = self.load(ids[self.id_arg])
        rows = votes.unvoted(self._decision(subject), actor=current_user, scope=current_scope())
        if request.args.get("format") == "xlsx":
            name = f"{self.xlsx_prefix}-{subject.id}-unvoted.xlsx"
            return Response(votes.unvoted_workbook(subject.title, rows), mimetype=XLSX,
                            headers={"Content-Disposition": f"attachment; filename={name}"})
        return self._render("unvoted.html", subject, rows=rows)

    def paper_form(self, subject) -> PaperBallotForm:
        """The form for a paper ballot: "household:person" for every owner of a dwelling that has not voted yet."""
        form = PaperBallotForm()
        voters = [(f"{h.id}:{p.id}", f"{h.label} · {p.name}") for h, p in self.paper_voters(subject, current_scope())]
        form.voter.choices = options(voters) if can(current_user, self.paper_capability) else []
        return form

    def paper_ballots(self, **ids):
        """纸质票: the paper ballots entered (with the entering account and time) and the form to enter one."""
        subject_id = ids[self.id_arg]
        subject, scope = self.load(subject_id), current_scope()
        form = self.paper_form(subject)
        if request.method == "GET":
            entries = votes.paper_entries(self._decision(subject), actor=current_user, scope=scope)
            return self._render("paper_ballots.html", subject, entries=entries,
                                form=form if self.voting(subject) else None)
        if not form.validate_on_submit():
            flash(_("请选择住户与投票业主"), "danger")
            return redirect(self._url("paper_ballots", subject_id))
        hh_raw, _sep, person_raw = form.voter.data.partition(":")
        try:
            household = scope.get(Household, form_id(hh_raw, field="voter"))
            person = scope.get(Person, form_id(person_raw, field="voter"))
            self.cast(subject, household, form.choice.data, scope=scope, person=person, paper=True)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
        else:
            flash(_("纸质票已录入"), "success")
        return redirect(self._url("paper_ballots", subject_id))
