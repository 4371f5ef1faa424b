"""考核结果 pages: a published month's bulletin (on screen, xlsx, PDF) and full rankings, a unit's trend, the
escalation ladder and its settings, the year-end result with its items and weights, what-if under a draft."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope, require
from pm.blueprints.assessment_results.forms import MONTH_FIELDS, STEP_FIELDS, LadderForm, WeightsForm, WhatIfForm, YearItemForm
from pm.blueprints.webutil import errors_to_form, options, paginate, submit_form
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import AssessmentPeriod, AssessmentScheme, SchemeStatus, StreetOffice, UnitKind
from pm.models.assessment_results import DEFAULT_STEPS
from pm.services.assessments import bulletins, ladder, results_files, whatif, yearend
from pm.services.assessments.events import UNIT_MODELS
from pm.services.dashboard import charts
from pm.services.labels import label
from pm.services.pdf import render_pdf
from pm.timeutil import to_local, utcnow

bp = Blueprint("assessment_results", __name__, url_prefix="/assessments")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_ROWS = 200  # a year-end PDF lists at most this many units (the xlsx lists all), so it renders in seconds


@bp.context_processor
def _helpers():
    return {"label": label}


def _download(data: bytes, mimetype: str, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _period(period_id: int) -> AssessmentPeriod:
    require(current_user, "assessment.view")
    return current_scope().get(AssessmentPeriod, period_id)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 11 and 0 < int(value) < 2**31 else None


def _street_arg() -> int | None:
    return _int_arg("street_id")


def distribution_chart(rows) -> object:
    return charts.columns(rows, label=_("各分数段的服务站数：%(rows)s", rows=_("，").join(f"{t} {n}" for t, n in rows)),
                          highlight_last=False)


def print_css() -> str:
    return render_template("assessment_results/print.css")


@bp.route("/periods/<int:period_id>/bulletin")
@login_required
def bulletin(period_id: int):
    """The month's bulletin: 红榜/黑榜 per kind, main problems by category, the ladder, the distribution."""
    found = _period(period_id)
    data = bulletins.bulletin(current_scope(), found, street_id=_street_arg())
    return render_template("assessment_results/bulletin.html", b=data, chart=distribution_chart(data.distribution))


@bp.route("/periods/<int:period_id>/bulletin.xlsx")
@login_required
def bulletin_xlsx(period_id: int):
    found = _period(period_id)
    street = _street_arg()
    data = results_files.bulletin_xlsx(current_scope(), found, street_id=street)
    return _download(data, XLSX, f"bulletin-{found.month}{'-' + str(street) if street else ''}.xlsx")


def bulletin_pdf_bytes(scope, period: AssessmentPeriod, street_id: int | None) -> bytes:
    """The printable bulletin (bounded: top/bottom lists, problems, steps and the street ranking, never every
    station), rendered inline — about a second for a county (bench/README.md)."""
    data = bulletins.bulletin(scope, period, street_id=street_id)
    html = render_template("assessment_results/bulletin_print.html", b=data, css=print_css(),
                           chart=distribution_chart(data.distribution),
                           now_local=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    started = time.monotonic()
    pdf = render_pdf(html)
    current_app.logger.info("bulletin PDF of period %s rendered in %.2f s", period.id, time.monotonic() - started)
    return pdf


@bp.route("/periods/<int:period_id>/bulletin.pdf")
@login_required
def bulletin_pdf(period_id: int):
    found = _period(period_id)
    street = _street_arg()
    return _download(bulletin_pdf_bytes(current_scope(), found, street), "application/pdf",
                     f"bulletin-{found.month}{'-' + str(street) if street else ''}.pdf")


@bp.route("/periods/<int:period_id>/ranking")
@login_required
def ranking(period_id: int):
    """A kind's full ranking of the month (?kind=station; county-wide rank; one street's units with ?street_id=)."""
    found = _period(period_id)
    kind = request.args.get("kind", "station")
    if kind not in {k.value for k in UnitKind}:
        abort(404)
    bulletins.require_published(found)
    page = paginate(bulletins.ranking_stmt(current_scope(), found, kind, street_id=_street_arg()))
    return render_template("assessment_results/ranking.html", period=found, kind=UnitKind(kind), page=page,
                           street_id=_street_arg())


@bp.route("/trend")
@login_required
def unit_trend():
    """A unit's published monthly totals (?kind=station&id=N) as a chart and a list linking to its score pages."""
    require(current_user, "assessment.view")
    kind, ident = request.args.get("kind", ""), request.args.get("id", "")
    if kind not in {k.value for k in UnitKind} or not ident.isdigit() or len(ident) > 9:
        abort(404)
    unit_id = int(ident)
    scope = current_scope()
    unit = scope.get(UNIT_MODELS[UnitKind(kind)], unit_id)
    rows = bulletins.trend(scope, kind, unit_id)
    if not rows:
        raise NotFound("考核对象不存在或不在您的管辖范围内")
    chart = charts.columns([(m[2:], float(t)) for m, t, _r, _s in rows],
                           label=_("每月得分：%(rows)s", rows=_("，").join(f"{m} {t}" for m, t, _r, _s in rows)))
    return render_template("assessment_results/trend.html", unit=unit, kind=UnitKind(kind), rows=rows, chart=chart)


def _ladder_form(settings) -> LadderForm:
    steps = [str(x) for x in (settings.steps or DEFAULT_STEPS)]
    if request.method == "GET":
        data = {"bottom_size": settings.bottom_size, "top_size": settings.top_size, "threshold": settings.threshold or ""}
        data.update({name: steps[n] if n < len(steps) else "" for n, name in enumerate(STEP_FIELDS)})
        form = LadderForm(data=data)
    else:
        form = LadderForm()
    choices = [("", _("（不用）"))] + [(x.value, str(label(x))) for x in ladder.BOTTOM_STEPS]
    for name in STEP_FIELDS:
        getattr(form, name).choices = choices
    return form


def _chosen_steps(form: LadderForm) -> list[str]:
    """The step fields in order, blanks at the end left out (a blank in between is refused by the service)."""
    values = [getattr(form, name).data or "" for name in STEP_FIELDS]
    while values and not values[-1]:
        values.pop()
    return values


@bp.route("/ladder", methods=["GET", "POST"])
@login_required
def ladder_page():
    """Units on the ladder (newest month first) and, for a county administrator, the ladder's settings: group
    sizes, the threshold and the steps month by month."""
    require(current_user, "assessment.view")
    settings = ladder.settings_of(bulletins.home_county(current_scope()))
    form = _ladder_form(settings)
    if request.method == "POST":
        require(current_user, "assessment.manage")

    def action():
        return ladder.update_settings(current_user.county_id, current_user, bottom_size=form.bottom_size.data,
                                      top_size=form.top_size.data, threshold=form.threshold.data,
                                      steps=_chosen_steps(form))

    aliases = {"steps": "step1", **{f"steps.{n}": name for n, name in enumerate(STEP_FIELDS)}}
    return submit_form(form, action, done=_("已保存"), redirect_to=url_for("assessment_results.ladder_page"),
                       template="assessment_results/ladder.html", settings=settings, aliases=aliases,
                       ladder_steps=[str(x) for x in (settings.steps or DEFAULT_STEPS)],
                       page=paginate(ladder.steps_stmt(current_scope(), active_only=request.args.get("all") != "1",
                                                       period_id=_int_arg("period_id"))),
                       may_manage=can(current_user, "assessment.manage"))


def _year_context(year: int, kind: str):
    if not 2000 <= year <= 2100 or kind not in {k.value for k in UnitKind}:
        abort(404)
    scope = current_scope()
    raw = request.args.get("street_id", "")
    street = _street_arg()
    if raw and street is None:
        raise NotFound(_("街道办不存在或不在您的管辖范围内"), field="street_id")
    return scope, yearend.result(scope, bulletins.home_county(scope), year, kind, street_id=street)


def year_file_name(result, ext: str) -> str:
    street = f"-street{result.street.id}" if result.street else ""
    return f"year-{result.year}-{result.kind.value}{street}.{ext}"


def year_pdf_bytes(result) -> bytes:
    """The printable year-end result (bounded to PDF_ROWS units; the xlsx lists them all)."""
    left_out = max(0, len(result.rows) - PDF_ROWS)
    result.rows = result.rows[:PDF_ROWS]
    html = render_template("assessment_results/year_print.html", result=result, css=print_css(), left_out=left_out,
                           now_local=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    return render_pdf(html)


def _street_choices(scope) -> list[tuple[int, str]]:
    return db.session.execute(scope.select(StreetOffice).with_only_columns(StreetOffice.id, StreetOffice.name)
                              .order_by(StreetOffice.name, StreetOffice.id).limit(500)).all()


@bp.route("/year/<int:year>", methods=["GET", "POST"])
@login_required
def year(year: int):
    """年终考核 of a kind (?kind=station): the weighted months, the items, the final ranking; the county enters
    year-end items with a reason."""
    require(current_user, "assessment.view")
    kind = request.args.get("kind", "station")
    scope, result = _year_context(year, kind)
    form = YearItemForm()
    manage = can(current_user, "assessment.manage")
    if manage:
        form.unit.choices = options((f"{k.value}:{u.id}", label(k) + _("：") + u.name) for k, model in UNIT_MODELS.items()
                                    for u in db.session.scalars(scope.select(model).order_by(model.id).limit(500)))
    if request.method == "POST":
        require(current_user, "assessment.manage")

    def action():
        unit_kind, _sep, ident = (form.unit.data or "").partition(":")
        if not ident.isdigit():
            raise NotFound(_("考核对象不存在或不在您的管辖范围内"), field="unit")
        return yearend.add_item(current_user, scope=scope, year=year, unit_kind=unit_kind, unit_id=int(ident),
                                points=form.points.data, reason=form.reason.data)

    settings = ladder.settings_of(bulletins.home_county(current_scope()))
    weights = WeightsForm(data={f"w{k}": v for k, v in (settings.month_weights or {}).items()})
    return submit_form(form, action, done=_("已登记"), redirect_to=url_for("assessment_results.year", year=year,
                                                                        kind=kind),
                       template="assessment_results/year.html", result=result, kind=UnitKind(kind), may_manage=manage,
                       streets=_street_choices(scope),
                       items=db.session.scalars(yearend.items_stmt(scope, bulletins.home_county(scope), year,
                                                                   street_id=_street_arg())).all(),
                       weights_form=weights, month_fields=MONTH_FIELDS, aliases={"unit_id": "unit", "unit_kind": "unit"})


@bp.route("/year/<int:year>/weights", methods=["POST"])
@login_required
def year_weights(year: int):
    """The month weights of the year-end result (summing to 100 %; all blank: equal)."""
    require(current_user, "assessment.manage")
    scope, result = _year_context(year, "station")
    form = WeightsForm()

    def action():
        values = {name[1:]: getattr(form, name).data for name in MONTH_FIELDS if getattr(form, name).data}
        return yearend.update_weights(current_user.county_id, current_user, values)

    return submit_form(form, action, done=_("已保存"), redirect_to=url_for("assessment_results.year", year=year),
                       template="assessment_results/year.html", result=result, kind=UnitKind.STATION,
                       may_manage=True, items=[], streets=_street_choices(scope), weights_form=form, month_fields=MONTH_FIELDS,
                       aliases={"weights": "w01"})


@bp.route("/year/<int:year>.xlsx")
@login_required
def year_xlsx(year: int):
    require(current_user, "assessment.view")
    _scope, result = _year_context(year, request.args.get("kind", "station"))
    return _download(results_files.year_xlsx(result), XLSX, year_file_name(result, "xlsx"))


@bp.route("/year/<int:year>.pdf")
@login_required
def year_pdf(year: int):
    require(current_user, "assessment.view")
    _scope, result = _year_context(year, request.args.get("kind", "station"))
    return _download(year_pdf_bytes(result), "application/pdf", year_file_name(result, "pdf"))


@bp.route("/periods/<int:period_id>/whatif", methods=["GET", "POST"])
@login_required
def whatif_page(period_id: int):
    """假设测算: the month under a draft version, ranked beside its scores (nothing is saved)."""
    found = _period(period_id)
    require(current_user, "assessment.manage")
    scope = current_scope()
    form = WhatIfForm()
    form.scheme_id.choices = options((str(s.id), f"{label(s.kind)} v{s.version} {s.name}")
                                     for s in db.session.scalars(scope.select(AssessmentScheme).where(
                                         AssessmentScheme.status == SchemeStatus.DRAFT).order_by(AssessmentScheme.id)))
    rows, status = [], 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            ident = form.scheme_id.data or ""
            try:
                scheme = scope.get(AssessmentScheme, int(ident)) if ident.isdigit() and len(ident) < 10 else None
                if scheme is None:
                    raise NotFound(_("考核办法不存在"), field="scheme_id")
                rows, status = whatif.run(found, scheme, current_user), 200
            except DomainError as err:
                errors_to_form(form, err, None)
            db.session.rollback()  # nothing of a what-if is ever written
    return render_template("assessment_results/whatif.html", form=form, period=found, rows=rows), status
