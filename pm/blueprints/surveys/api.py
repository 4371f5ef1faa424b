"""满意度测评 REST API: surveys (open, close, results) and their responses (answer online or enter paper)."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope, paginate
from pm.blueprints.surveys import schemas as s
from pm.models import Compound, Household, Survey
from pm.services import surveys
from pm.services.periods import Month
from pm.services.surveys import operations, reading

URL_PREFIX = ""
blp = api_blueprint("surveys_api", __name__, description="群众满意度测评：每户一份，1–5 分，社区可录入纸质问卷")


def _with_results(items: list[Survey]) -> list[Survey]:
    results = surveys.survey_results([x.id for x in items])
    for item in items:
        item.result = results[item.id]
    return items


def _survey(survey_id: int) -> Survey:
    require(api_user(), "survey.view")
    return _with_results([reading.load_survey(api_scope(), survey_id)])[0]


@blp.route("/surveys")
class Surveys(MethodView):
    @blp.arguments(s.SurveyArgs, location="query")
    @blp.response(200, s.SurveyPage)
    def get(self, args):
        """Surveys in your area (newest month first) with score, responses and households."""
        require(api_user(), "survey.view")
        month = Month.parse(args["month"]) if args.get("month") else None
        page = paginate(reading.surveys_stmt(api_scope(), month=month, status=args.get("status"),
                                             compound_id=args.get("compound_id")), args)
        _with_results(page["items"])
        return page

    @blp.arguments(s.SurveyIn)
    @blp.response(201, s.SurveyOut)
    def post(self, data):
        """Open a compound's survey of a month (community workers); its owners and residents are asked."""
        require(api_user(), "survey.manage")
        compound = get_in_scope(Compound, data["compound_id"], field="compound_id")
        survey = operations.open_survey(compound, Month.parse(data["month"]), actor=api_user(), scope=api_scope(),
                                        questions=data.get("questions"))
        return _survey(survey.id)


@blp.route("/surveys/<int:survey_id>")
class SurveyDetail(MethodView):
    @blp.response(200, s.SurveyOut)
    def get(self, survey_id):
        """One survey with its questions and result."""
        return _survey(survey_id)


@blp.route("/surveys/<int:survey_id>/close")
class SurveyClose(MethodView):
    @blp.response(200, s.SurveyOut)
    def post(self, survey_id):
        """End a survey (community workers): no more responses."""
        survey = _survey(survey_id)
        operations.close_survey(survey, actor=api_user(), scope=api_scope())
        return _survey(survey_id)


@blp.route("/surveys/<int:survey_id>/responses")
class Responses(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.ResponsePage)
    def get(self, args, survey_id):
        """A survey's responses (officials: all; an owner or resident: their home's)."""
        survey = _survey(survey_id)
        return paginate(reading.responses_stmt(api_scope(), survey), args)

    @blp.arguments(s.ResponseIn)
    @blp.response(201, s.ResponseOut)
    def post(self, data, survey_id):
        """Answer for your household (owners, residents), or enter a paper questionnaire (`paper`: community)."""
        survey = _survey(survey_id)
        household = get_in_scope(Household, data["household_id"], field="household_id")
        return operations.respond(survey, household, data["answers"], actor=api_user(), scope=api_scope(),
                                  paper=data["paper"])
