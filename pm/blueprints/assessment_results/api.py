"""考核结果 REST API: a published month's bulletin (JSON, xlsx, PDF) and rankings, ladder steps and the ladder's
settings, year-end results (JSON, xlsx), items and month weights, what-if under a draft version."""
from __future__ import annotations

from flask import make_response
from flask.views import MethodView

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope, paginate
from pm.blueprints.assessment_results import schemas as s
from pm.blueprints.assessment_results.views import XLSX, bulletin_pdf_bytes, year_file_name, year_pdf_bytes
from pm.extensions import db
from pm.models import AssessmentPeriod, AssessmentScheme, UnitKind
from pm.services.assessments import bulletins, ladder, results_files, whatif, yearend

URL_PREFIX = ""
blp = api_blueprint("assessment_results_api", __name__,
                    description="考核结果：通报（红榜/黑榜、主要问题、结果运用）、排名、结果运用设置、年终考核、假设测算")


def _viewer():
    user = api_user()
    require(user, "assessment.view")
    return user


def _manage():
    user = api_user()
    require(user, "assessment.manage")
    return user


def _file(data: bytes, mimetype: str, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.route("/assessment-periods/<int:period_id>/bulletin")
class Bulletin(MethodView):
    @blp.arguments(s.BulletinArgs, location="query")
    @blp.response(200, s.BulletinOut)
    @blp.alt_response(409, description="考核结果尚未发布")
    def get(self, args, period_id):
        """The published month's bulletin for the county or one street (?street_id=)."""
        _viewer()
        period = get_in_scope(AssessmentPeriod, period_id)
        b = bulletins.bulletin(api_scope(), period, street_id=args["street_id"])
        return {"period_id": period.id, "month": period.month, "street_id": args["street_id"],
                "kinds": [{"kind": k, "count": b.counts[k], "top": b.top[k], "bottom": b.bottom[k]} for k in b.top],
                "problems": [{"category": c, "lines": n, "units": u, "points_lost": p} for c, n, u, p in b.problems],
                "steps": b.steps, "distribution": [{"band": t, "stations": n} for t, n in b.distribution],
                "streets": b.streets}


@blp.route("/assessment-periods/<int:period_id>/bulletin.xlsx")
class BulletinXlsx(MethodView):
    @blp.arguments(s.BulletinArgs, location="query")
    @blp.response(200, description="Excel：各类单位完整排名、主要问题、结果运用", content_type=XLSX)
    def get(self, args, period_id):
        """The bulletin as an xlsx file (every unit ranked)."""
        _viewer()
        period = get_in_scope(AssessmentPeriod, period_id)
        data = results_files.bulletin_xlsx(api_scope(), period, street_id=args["street_id"])
        return _file(data, XLSX, f"bulletin-{period.month}.xlsx")


@blp.route("/assessment-periods/<int:period_id>/bulletin.pdf")
class BulletinPdf(MethodView):
    @blp.arguments(s.BulletinArgs, location="query")
    @blp.response(200, description="可打印的 PDF 通报", content_type="application/pdf")
    def get(self, args, period_id):
        """The printable bulletin (PDF)."""
        _viewer()
        period = get_in_scope(AssessmentPeriod, period_id)
        bulletins.require_published(period)
        return _file(bulletin_pdf_bytes(api_scope(), period, args["street_id"]), "application/pdf",
                     f"bulletin-{period.month}.pdf")


@blp.route("/assessment-periods/<int:period_id>/ranking")
class Ranking(MethodView):
    @blp.arguments(s.RankingArgs, location="query")
    @blp.response(200, s.RankingPage)
    def get(self, args, period_id):
        """A kind's full ranking of a published month (one street's units with street_id)."""
        _viewer()
        period = get_in_scope(AssessmentPeriod, period_id)
        bulletins.require_published(period)
        return paginate(bulletins.ranking_stmt(api_scope(), period, args["kind"], street_id=args["street_id"]), args)


@blp.route("/assessment-ladder-steps")
class LadderSteps(MethodView):
    @blp.arguments(s.LadderArgs, location="query")
    @blp.response(200, s.LadderPage)
    def get(self, args):
        """Ladder steps (通报批评, 黄牌警告, 约谈; 通报表扬 with include_commended) you may see, newest first."""
        _viewer()
        stmt = ladder.steps_stmt(api_scope(), period_id=args["period_id"], active_only=not args["include_commended"])
        return paginate(stmt, args)


@blp.route("/assessment-settings")
class Settings(MethodView):
    @blp.response(200, s.SettingsIO)
    def get(self):
        """Your county's ladder settings and month weights."""
        user = _viewer()
        return ladder.settings_of(bulletins.home_county(api_scope()))

    @blp.arguments(s.SettingsIO)
    @blp.response(200, s.SettingsIO)
    def put(self, data):
        """Set the ladder: bottom group size and/or threshold, top group size, the steps (a negative size is refused)."""
        user = _manage()
        return ladder.update_settings(user.county_id, user, **data)


@blp.route("/assessment-settings/month-weights")
class MonthWeights(MethodView):
    @blp.arguments(s.WeightsIn)
    @blp.response(200, s.SettingsIO)
    def put(self, data):
        """The weights of the months in the year-end result, summing to 100 (null: equal weights)."""
        user = _manage()
        return yearend.update_weights(user.county_id, user, data["weights"])


@blp.route("/assessment-years/<int:year>")
class Year(MethodView):
    @blp.arguments(s.YearArgs, location="query")
    @blp.response(200, s.YearOut)
    def get(self, args, year):
        """年终考核 of a kind: weighted published months plus year-end items, ranked (one street: ?street_id=)."""
        return _year(year, args)


def _year(year: int, args: dict):
    _viewer()
    return yearend.result(api_scope(), bulletins.home_county(api_scope()), year, args["kind"],
                          street_id=args["street_id"])


@blp.route("/assessment-years/<int:year>.xlsx")
class YearXlsx(MethodView):
    @blp.arguments(s.YearArgs, location="query")
    @blp.response(200, description="Excel：年终考核排名", content_type=XLSX)
    def get(self, args, year):
        """The year-end result as xlsx (one street: ?street_id=)."""
        result = _year(year, args)
        return _file(results_files.year_xlsx(result), XLSX, year_file_name(result, "xlsx"))


@blp.route("/assessment-years/<int:year>.pdf")
class YearPdf(MethodView):
    @blp.arguments(s.YearArgs, location="query")
    @blp.response(200, description="可打印的 PDF 年终考核排名", content_type="application/pdf")
    def get(self, args, year):
        """The year-end result as a printable PDF (at most 200 units; one street: ?street_id=)."""
        result = _year(year, args)
        return _file(year_pdf_bytes(result), "application/pdf", year_file_name(result, "pdf"))


@blp.route("/assessment-years/<int:year>/items")
class YearItems(MethodView):
    @blp.response(200, s.YearItemOut(many=True))
    def get(self, year):
        """The year-end items of your county you may see."""
        user = _viewer()
        return db.session.scalars(yearend.items_stmt(api_scope(), bulletins.home_county(api_scope()), year)).all()

    @blp.arguments(s.YearItemIn)
    @blp.response(201, s.YearItemOut)
    def post(self, data, year):
        """A year-end item (加减分) for a unit of your county, with the reason."""
        user = _manage()
        return yearend.add_item(user, scope=api_scope(), year=year, **data)


@blp.route("/assessment-periods/<int:period_id>/what-if")
class WhatIf(MethodView):
    @blp.arguments(s.WhatIfIn)
    @blp.response(200, s.WhatIfOut)
    def post(self, data, period_id):
        """Score the month under a draft version and rank it beside its scores; nothing is saved."""
        user = _manage()
        period = get_in_scope(AssessmentPeriod, period_id)
        scheme = get_in_scope(AssessmentScheme, data["scheme_id"], field="scheme_id")
        rows = whatif.run(period, scheme, user)
        db.session.rollback()
        return {"period_id": period_id, "scheme_id": data["scheme_id"], "rows": rows}
