"""月度考核 REST API: schemes (drafts, activation), periods and their steps, scores with lines, appeals and their
decisions, adjustments after publication, bonus and veto events."""
# Reads go through the caller's Scope (a foreign id is a 404); writes call pm.services.assessments, which checks
# roles (county administrators manage; a unit appeals only its own score).
from __future__ import annotations

from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import PageArgs, api_blueprint, api_scope, api_user, get_in_scope, page_of, paginate
from pm.blueprints.assessments import schemas as s
from pm.errors import DomainError
from pm.models import AssessmentAppeal, AssessmentLine, AssessmentPeriod, AssessmentScore
from pm.services.assessments import compute, events, periods, schemes
from pm.services.periods import Month
from pm.timeutil import utcnow

URL_PREFIX = ""
blp = api_blueprint("assessments_api", __name__,
                    description="月度考核：考核办法版本、考核期（计算、公示、申诉、发布、锁定）、得分明细、更正、加分与否决")


def _nested(fields: dict) -> dict:
    out: dict = {}
    for name, reasons in fields.items():
        node = out
        *parents, last = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = reasons
    return out


def _manage():
    user = api_user()
    require(user, "assessment.manage")
    return user


@blp.route("/assessment-schemes")
class Schemes(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.SchemePage)
    def get(self, args):
        """Every version of your county's schemes (station, community, street)."""
        require(api_user(), "assessment.view")
        return paginate(schemes.schemes_stmt(api_scope()), args)

    @blp.arguments(s.AssessmentSchemeNew)
    @blp.response(201, s.AssessmentSchemeDetailOut)
    def post(self, data):
        """A new draft version of a kind, copied from the version in force."""
        user = _manage()
        return schemes.create_draft(user.county_id, data["kind"], user)


@blp.route("/assessment-schemes/<int:scheme_id>")
class SchemeDetail(MethodView):
    @blp.response(200, s.AssessmentSchemeDetailOut)
    def get(self, scheme_id):
        """One version with its categories and items."""
        require(api_user(), "assessment.view")
        return schemes.load(api_scope(), scheme_id)

    @blp.arguments(s.AssessmentSchemeUpdate)
    @blp.response(200, s.AssessmentSchemeDetailOut)
    def patch(self, data, scheme_id):
        """Change a draft (categories replace the draft's; items above full marks or negative caps are refused)."""
        user = _manage()
        scheme = schemes.load(api_scope(), scheme_id)
        try:
            return schemes.update_draft(scheme, user, **data)
        except DomainError as err:
            err.fields = _nested(err.fields)  # "categories.0.items.1.max_points" as marshmallow nests it
            raise


@blp.route("/assessment-schemes/<int:scheme_id>/activate")
class SchemeActivate(MethodView):
    @blp.arguments(s.AssessmentActivate)
    @blp.response(200, s.AssessmentSchemeDetailOut)
    def post(self, data, scheme_id):
        """Put a draft in force from the first day of a month (periods already scored keep their version)."""
        user = _manage()
        return schemes.activate(schemes.load(api_scope(), scheme_id), user, active_from=data["active_from"])


@blp.route("/assessment-periods")
class Periods(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.PeriodPage)
    def get(self, args):
        """Your county's periods, newest month first."""
        require(api_user(), "assessment.view")
        return paginate(periods.periods_stmt(api_scope()), args)

    @blp.arguments(s.AssessmentPeriodNew)
    @blp.response(201, s.AssessmentPeriodOut)
    def post(self, data):
        """Open the period of a month that has ended (computing it is a separate step)."""
        user = _manage()
        return compute.open_period(user.county_id, Month.parse(data["month"]), actor=user, now=utcnow())


@blp.route("/assessment-periods/<int:period_id>")
class PeriodDetail(MethodView):
    @blp.response(200, s.AssessmentPeriodOut)
    def get(self, period_id):
        """One period."""
        require(api_user(), "assessment.view")
        return get_in_scope(AssessmentPeriod, period_id)


@blp.route("/assessment-periods/<int:period_id>/transitions")
class PeriodTransitions(MethodView):
    @blp.arguments(s.AssessmentPeriodAction)
    @blp.response(200, s.AssessmentPeriodOut)
    def post(self, data, period_id):
        """compute (draft, as often as needed) → review (公示) → close_review → publish → lock."""
        user = _manage()
        period = get_in_scope(AssessmentPeriod, period_id)
        return compute.transition(period, data["action"], actor=user, now=utcnow())


@blp.route("/assessment-periods/<int:period_id>/scores")
class PeriodScores(MethodView):
    @blp.arguments(s.AssessmentScoreArgs, location="query")
    @blp.response(200, s.ScorePage)
    def get(self, args, period_id):
        """The period's scores you may see, ranked within each kind of unit."""
        require(api_user(), "assessment.view")
        period = get_in_scope(AssessmentPeriod, period_id)
        return paginate(periods.scores_stmt(api_scope(), period, kind=args.get("kind")), args)


@blp.route("/assessment-periods/<int:period_id>/appeals")
class PeriodAppeals(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.AssessmentAppealList)
    def get(self, args, period_id):
        """The period's appeals you may see."""
        require(api_user(), "assessment.view")
        return page_of(periods.appeals_of(api_scope(), get_in_scope(AssessmentPeriod, period_id)), args)


@blp.route("/assessment-scores/<int:score_id>")
class ScoreDetail(MethodView):
    @blp.response(200, s.AssessmentScoreDetailOut)
    def get(self, score_id):
        """A unit's score: every line with its points, rule and the records behind it; adjustments."""
        require(api_user(), "assessment.view")
        return periods.load_score(api_scope(), score_id)


@blp.route("/assessment-scores/<int:score_id>/adjustments")
class ScoreAdjustments(MethodView):
    @blp.arguments(s.AssessmentAdjustmentIn)
    @blp.response(201, s.AssessmentAdjustmentOut)
    def post(self, data, score_id):
        """更正 a published score, with a reason (the published total stays; audited)."""
        user = _manage()
        return periods.adjust(get_in_scope(AssessmentScore, score_id), user, **data)


@blp.route("/assessment-lines/<int:line_id>/appeals")
class LineAppeals(MethodView):
    @blp.arguments(s.AssessmentAppealIn)
    @blp.response(201, s.AssessmentAppealOut)
    def post(self, data, line_id):
        """申诉 one line of your own unit's score during the review window."""
        user = api_user()
        require(user, "assessment.appeal")
        line = get_in_scope(AssessmentLine, line_id)
        return periods.file_appeal(line, user, scope=api_scope(), reason=data["reason"])


@blp.route("/assessment-appeals/<int:appeal_id>/decision")
class AppealDecision(MethodView):
    @blp.arguments(s.AssessmentDecisionIn)
    @blp.response(200, s.AssessmentAppealOut)
    def post(self, data, appeal_id):
        """Uphold (with the line's new points) or reject an appeal, with the reason."""
        user = _manage()
        return periods.decide_appeal(get_in_scope(AssessmentAppeal, appeal_id), user, **data)


@blp.route("/assessment-events")
class Events(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.EventPage)
    def get(self, args):
        """Bonus and veto events in your area, newest first."""
        require(api_user(), "assessment.view")
        return paginate(events.events_stmt(api_scope()), args)

    @blp.arguments(s.AssessmentEventIn)
    @blp.response(201, s.AssessmentEventOut)
    def post(self, data):
        """Record a bonus (加分) or veto (一票否决) event for a unit in your area."""
        user = api_user()
        require(user, "assessment.event")
        return events.record_event(user, scope=api_scope(), **data)
