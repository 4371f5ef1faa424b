"""满意度测评 pages: the list (results by month), opening a survey, a survey with its answer or paper-entry form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope, require
from pm.blueprints.surveys.forms import CloseSurveyForm, OpenSurveyForm, answer_form
from pm.blueprints.webutil import errors_to_form, options, paginate, submit_form
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import Compound, Household, Survey, SurveyStatus
from pm.services import surveys
from pm.services.labels import label
from pm.services.periods import Month
from pm.services.surveys import operations, reading
from pm.timeutil import utcnow

bp = Blueprint("surveys", __name__, url_prefix="/surveys")


@bp.context_processor
def _helpers():
    return {"label": label}


def _unit_filters():
    """?month=YYYY-MM and ?unit_kind=&unit_id= (an assessment line's survey results)."""
    args = request.args
    month = Month.parse(args["month"]) if args.get("month") else None
    ident = args.get("unit_id", "")
    if not args.get("unit_kind"):
        return month, None
    if not (ident.isdigit() and len(ident) < 10):
        raise NotFound(operations.E_NOT_FOUND, field="unit_id")
    return month, (args["unit_kind"], int(ident))


@bp.route("/")
@login_required
def index():
    """Surveys in scope, newest month first, each with its score and response rate; a resident's to answer."""
    require(current_user, "survey.view")
    scope = current_scope()
    status = request.args.get("status")
    status = status if status in {s.value for s in SurveyStatus} else None
    month, unit = _unit_filters()
    page = paginate(reading.surveys_stmt(scope, status=status, month=month, unit=unit))
    results = surveys.survey_results([x.id for x in page.items])
    pending = db.session.execute(reading.pending_stmt(scope)).all() if scope.is_household_bound else []
    return render_template("surveys/index.html", page=page, results=results, pending=pending, status=status,
                           filtered=bool(month or unit), month=month,
                           status_choices=[(s.value, label(s)) for s in SurveyStatus])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The community opens a compound's survey of a month; its owners and residents are told."""
    require(current_user, "survey.manage")
    scope = current_scope()
    form = OpenSurveyForm()
    form.compound_id.choices = options((c.id, c.name) for c in db.session.scalars(
        scope.select(Compound).order_by(Compound.name)))
    if request.method == "GET":
        form.month.data = str(Month.of(utcnow()))

    def action():
        compound = db.session.get(Compound, form.compound_id.data)
        if compound is None:
            raise NotFound(operations.E_NOT_FOUND, field="compound_id")
        return operations.open_survey(compound, Month.parse(form.month.data), actor=current_user, scope=scope)

    return submit_form(form, action, done=_("测评已开展，已通知小区住户"),
                       redirect_to=lambda x: url_for("surveys.detail", survey_id=x.id), template="surveys/new.html")


def _render(survey: Survey, form=None, status: int = 200):
    scope = current_scope()
    paper = can(current_user, "survey.manage")
    answering = survey.status == SurveyStatus.OPEN and (paper or can(current_user, "survey.answer"))
    homes = reading.households_for(scope, survey, paper=paper) if answering else []
    if form is None and homes:
        form = answer_form(survey.questions, paper=paper)
    if form is not None:
        form.household_id.choices = options((h.id, f"{h.building.name} {h.unit.name} {h.room_no}") for h in homes)
    page = paginate(reading.responses_stmt(scope, survey))
    # A form sent back with its errors is shown even when nothing is left to answer (e.g. the survey just closed).
    shown = form if homes or (form is not None and status >= 400) else None
    return render_template("surveys/detail.html", survey=survey, result=surveys.survey_results([survey.id])[survey.id],
                           form=shown, paper=paper, page=page, close_form=CloseSurveyForm()), status


@bp.route("/<int:survey_id>")
@login_required
def detail(survey_id: int):
    """A survey: its questions, score and response rate, the responses, and the form to answer or enter paper."""
    require(current_user, "survey.view")
    return _render(reading.load_survey(current_scope(), survey_id))


@bp.route("/<int:survey_id>/responses", methods=["POST"])
@login_required
def respond(survey_id: int):
    """Answer for one's household (owners, residents) or enter a paper questionnaire (the community)."""
    require(current_user, "survey.view")
    scope = current_scope()
    survey = reading.load_survey(scope, survey_id)
    paper = can(current_user, "survey.manage")
    form = answer_form(survey.questions, paper=paper)
    if form.validate_on_submit():
        try:
            household = db.session.get(Household, form.household_id.data)
            answers = [getattr(form, f"q{i}").data for i in range(len(survey.questions))]
            operations.respond(survey, household, answers, actor=current_user, scope=scope, paper=paper)
        except (Forbidden, NotFound):
            raise
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(_("已录入纸质问卷") if paper else _("感谢您参加满意度测评"), "success")
            return redirect(url_for("surveys.detail", survey_id=survey_id))
    return _render(survey, form, status=400)


@bp.route("/<int:survey_id>/close", methods=["POST"])
@login_required
def close(survey_id: int):
    """The community ends a survey."""
    require(current_user, "survey.manage")
    scope = current_scope()
    survey = reading.load_survey(scope, survey_id)
    if CloseSurveyForm().validate_on_submit():
        try:
            operations.close_survey(survey, actor=current_user, scope=scope)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return _render(survey, status=409)
        flash(_("测评已结束"), "success")
    return redirect(url_for("surveys.detail", survey_id=survey_id))
