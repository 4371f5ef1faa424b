"""台账导入导出 pages: upload form, job progress and result, template and export downloads."""
from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import can, current_scope, require
from pm.blueprints.imports.forms import ConfirmForm, ExportForm, ImportForm, OpeningBalancesForm
from pm.blueprints.imports.labels import CHANGE_NAMES, SUMMARY_NAMES
from pm.blueprints.webutil import paginate
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound, ImportJob, ImportStatus
from pm.services.fund import opening, overview
from pm.services.imports import exporting, jobs, layout, preview
from pm.services.imports.messages import M_STALLED
from pm.services.labels import label, place_label
from pm.tasks import imports as import_tasks
from pm.transactions import commit_now

bp = Blueprint("imports", __name__, url_prefix="/imports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JOBS_PER_PAGE = 20
CHANGES_PER_PAGE = 50


def _download(data: bytes, filename: str) -> Response:
    """An xlsx attachment that is never cached (it holds owners' names and phones)."""
    response = Response(data, mimetype=XLSX)
    # RFC 5987 so a Chinese file name survives; the ASCII fallback is for old clients.
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"registry.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _max_size() -> str:
    """MAX_CONTENT_LENGTH for people: 16 MB (or KB below a megabyte)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KB"


def _forms(scope, form: ImportForm | None = None) -> tuple[ImportForm, ExportForm]:
    """Both forms with the compounds of the user's scope as choices."""
    compounds = jobs.importable_compounds(scope)
    choices = [(c.id, place_label(c)) for c in compounds]
    form = form or ImportForm()
    form.compound_id.choices = choices
    export_form = ExportForm(formdata=None)
    export_form.compound_id.choices = choices
    return form, export_form


def _index_page(form: ImportForm, export_form: ExportForm, status: int = 200):
    """Render the index with a page of recent jobs."""
    page = paginate(jobs.recent_jobs(current_scope()), per_page=JOBS_PER_PAGE)
    return render_template(
        "imports/index.html", form=form, export_form=export_form, jobs=page.items, page=page.page, pages=page.pages,
        max_size=_max_size(),
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
    ), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The upload form, the export form and recent jobs; a valid upload starts a job."""
    require(current_user, "registry.import")
    scope = current_scope()
    form, export_form = _forms(scope)
    if form.validate_on_submit():
        try:
            job = jobs.create_job(form.compound_id.data, form.file.data, scope=scope, actor=current_user,
                                  upload_dir=current_app.config["UPLOAD_DIR"],
                                  max_running=current_app.config["IMPORT_MAX_RUNNING"])
        except DomainError as err:
            if err.status not in (422, 503):
                raise  # out of scope: 403/404, never a hint that the compound exists
            db.session.rollback()
            form.file.errors = [*form.file.errors, _(err.message)]
            page, status = _index_page(form, export_form, 400 if err.status == 422 else 503)
            return page, status, _retry_after(err)
        commit_now("the import slot and job row must be seen by other workers and by the import's thread")
        import_tasks.start(job.id)
        return redirect(url_for("imports.show", job_id=job.id))
    return _index_page(form, export_form, 400 if request.method == "POST" else 200)


@bp.errorhandler(413)
def too_large(_err):
    """An upload over MAX_CONTENT_LENGTH: re-show the form with the limit (the body was never read)."""
    if not can(current_user, "registry.import"):
        return render_template("errors/error.html", code=413, message=_("上传的文件太大")), 413
    form, export_form = _forms(current_scope(), ImportForm(formdata=None))
    form.file.errors = [_("上传的文件太大：最大 %(size)s，请分批导入", size=_max_size())]
    return _index_page(form, export_form, 413)


def _retry_after(err: DomainError) -> dict:
    return {"Retry-After": str(err.retry_after)} if getattr(err, "retry_after", None) else {}


def _job(job_id: int) -> ImportJob:
    """A job in the user's scope (404 otherwise) for a user who may import."""
    return jobs.get_job(current_scope(), current_user, job_id)


def _show(job: ImportJob, *, problem: str | None = None, status: int = 200):
    page = request.args.get("page", 1, type=int)
    changes, pages = preview.page_of_changes(job.plan, page, CHANGES_PER_PAGE)
    return render_template(
        "imports/show.html", job=job, status=jobs.job_status(job), statuses=ImportStatus,
        error_count=jobs.error_count(job), stalled_message=M_STALLED, changes=changes, page=page, pages=pages,
        expired=jobs.is_expired(job), may_confirm=job.user_id == current_user.id, problem=problem,
        confirm_form=ConfirmForm(), summary_names=SUMMARY_NAMES, change_names=CHANGE_NAMES,
    ), status


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int):
    """A job's progress bar while it runs; its preview (counts, changes, 确认导入) when its dry run is done;
    its counts or its error table when it ends."""
    return _show(_job(job_id))


@bp.post("/<int:job_id>/confirm")
@login_required
def confirm(job_id: int):
    """The uploader confirms the preview: the write starts (refused if the preview expired, the registry changed
    since, or every import slot is taken — the page says so and nothing is written)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _show(_job(job_id), problem=_("页面已过期，请刷新后重试"), status=400)
    try:
        job = jobs.confirm(job_id, scope=current_scope(), actor=current_user,
                           max_running=current_app.config["IMPORT_MAX_RUNNING"])
    except DomainError as err:
        if err.status not in (409, 503):
            raise
        db.session.rollback()
        page, status = _show(_job(job_id), problem=err.message, status=err.status)
        return page, status, _retry_after(err)
    commit_now("the import slot and the confirmation must be seen by other workers and by the import's thread")
    import_tasks.start(job.id)
    return redirect(url_for("imports.show", job_id=job.id))


@bp.get("/<int:job_id>/status")
@login_required
def status(job_id: int):
    """The job's progress as JSON, polled by import-progress.js."""
    job = _job(job_id)
    body = jobs.job_status(job)
    body["status_label"] = label(job.status)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/template.xlsx")
@login_required
def template():
    """The empty import template."""
    require(current_user, "registry.import")
    return _download(layout.template_workbook(), _("小区台账导入模板") + ".xlsx")


@bp.get("/export")
@login_required
def export_choose():
    """The export form on the index page submits here; it redirects to the file of that compound."""
    compound_id = request.args.get("compound_id", type=int)
    if compound_id is None:
        abort(404)
    return redirect(url_for("imports.export", compound_id=compound_id))


@bp.get("/export/<int:compound_id>.xlsx")
@login_required
def export(compound_id: int):
    """A compound's registry in the import layout."""
    compound, data = exporting.export_workbook(compound_id, scope=current_scope(), actor=current_user)
    return _download(data, f"{compound.name}-{_('台账')}.xlsx")


@bp.route("/opening-balances", methods=["GET", "POST"])
@login_required
def opening_balances():
    """期初余额导入 (from a previous system): a dry run shows what would be posted; the import posts all or none."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    form = OpeningBalancesForm()
    form.compound_id.choices = [(c.id, place_label(c)) for c in overview.compounds_in_scope(scope)]
    problems, result = [], None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = opening.import_opening_balances(scope.get(Compound, form.compound_id.data), upload.filename or "",
                                                     upload.read(opening.MAX_BYTES + 1), actor=current_user,
                                                     scope=scope, dry_run=form.dry_run.data)
        except opening.OpeningRejected as err:
            db.session.rollback()
            problems = err.problems
            form.form_errors.append(err.message)
        except DomainError as err:
            db.session.rollback()
            form.form_errors.append(err.message)
        else:
            if not result.dry_run:
                flash(_("已导入 %(n)s 户的期初余额：入账 %(posted)s 笔，此前已入账 %(old)s 笔（未重复入账）",
                        n=len(result.rows), posted=result.posted, old=result.replayed), "success")
                return redirect(url_for("imports.opening_balances"))
    status = 400 if request.method == "POST" and result is None else 200
    return render_template("imports/opening_balances.html", form=form, problems=problems, result=result,
                           columns=opening.COLUMNS), status
