"""台账导入 REST API: a dry run that returns the plan with an id, then a commit of that dry run.

POST /imports/dry-run (multipart: compound_id, file) reads and validates the file and plans it against the
registry without writing it: 201 with the plan (summary counts and the first page of changes), or 422 with
every error. GET /imports/<id> pages through the changes. POST /imports/<id>/commit writes exactly that plan,
and is refused (409) when the dry run expired, the registry changed since or the caller's scope changed, 403
for another user's dry run, 404 outside the caller's scope, 503 when IMPORT_MAX_RUNNING imports are running.
Both steps run within the request (inline), each in one of the import slots shared by all workers.
"""
from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView
from flask_babel import gettext

from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, multipart
from pm.blueprints.imports import schemas as s
from pm.errors import Conflict, DomainError
from pm.extensions import db
from pm.models import ImportJob, ImportStatus
from pm.services.imports import jobs, preview
from pm.tasks import imports as import_tasks
from pm.transactions import commit_now

URL_PREFIX = ""
blp = api_blueprint("imports_api", __name__, description="台账导入：先预演（返回将要进行的修改），再凭预演编号提交")


def _text(error: dict) -> str:
    """A stored error's msgid, translated, with its parameters."""
    msgid = error["message"]
    return gettext(msgid, **(error.get("params") or {}))


def _errors(job: ImportJob) -> list[dict]:
    return [{"sheet": e.get("sheet"), "row": e.get("row"), "column": e.get("column"), "message": _text(e)}
            for e in job.errors or []]


def _out(job: ImportJob, page: int = 1, per_page: int = 50) -> dict:
    changes, pages = preview.page_of_changes(job.plan, page, per_page)
    plan = job.plan or {}
    return {
        "id": job.id, "compound_id": job.compound_id, "filename": job.filename, "status": job.status.value,
        "message": gettext(job.message, count=jobs.error_count(job)) if job.message else None,
        "created_at": job.created_at, "expires_at": job.expires_at, "total_rows": job.total_rows,
        "summary": plan.get("summary"), "counts": job.counts if job.status == ImportStatus.DONE else None,
        "changes": changes, "changes_total": plan.get("changes_total", 0), "page": min(page, pages), "pages": pages,
        "errors": _errors(job), "error_count": jobs.error_count(job),
    }


def _rejected(job: ImportJob):
    """422 with every error of the file: the envelope's field `file` lists them as text, `rows` as records."""
    rows = _errors(job)
    lines = [" ".join(str(part) for part in (e["sheet"] or "", e["row"] or "", e["column"] or "") if part)
             + ("：" if (e["sheet"] or e["row"] or e["column"]) else "") + e["message"] for e in rows]
    message = gettext(job.message, count=jobs.error_count(job)) if job.message else gettext("输入有误")
    body = {"code": 422, "status": "Unprocessable Entity", "message": message, "errors": {"json": {"file": lines}},
            "import": _out(job)}
    return jsonify(body), 422


def _run(job_id: int) -> ImportJob:
    import_tasks.run_job(job_id)  # inline, whatever IMPORT_ASYNC says: the answer carries the result
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


@blp.route("/imports/dry-run")
class DryRun(MethodView):
    @blp.doc(**multipart(s.DryRunForm, s.DryRunFile))  # one multipart form in the document (valid OpenAPI 3)
    @blp.arguments(s.DryRunForm, location="form")
    @blp.arguments(s.DryRunFile, location="files")
    @blp.response(201, s.ImportOut)
    @blp.alt_response(422, description="文件不可用，或有错误的行（逐条列出）")
    @blp.alt_response(503, description="同时进行的导入已达上限，请稍后再试")
    def post(self, form, files):
        """预演导入: validate the file and plan it against the registry; nothing is written (needs registry.import)."""
        job = jobs.create_job(form["compound_id"], files["file"], scope=api_scope(), actor=api_user(),
                              upload_dir=current_app.config["UPLOAD_DIR"],
                              max_running=current_app.config["IMPORT_MAX_RUNNING"])
        commit_now("the import slot must be seen by other workers while the dry run runs")
        job = _run(job.id)
        if job.status == ImportStatus.REJECTED:
            return _rejected(job)
        if job.status != ImportStatus.PLANNED:
            raise DomainError(job.message or gettext("导入失败"), field="file")
        return _out(job)


@blp.route("/imports/<int:job_id>")
class ImportJobView(MethodView):
    @blp.arguments(s.ChangesArgs, location="query")
    @blp.response(200, s.ImportOut)
    def get(self, args, job_id):
        """一次导入: its status, and a page of its dry run's changes."""
        return _out(jobs.get_job(api_scope(), api_user(), job_id), args["page"], args["per_page"])


@blp.route("/imports/<int:job_id>/commit")
class Commit(MethodView):
    @blp.response(200, s.ImportOut)
    @blp.alt_response(409, description="预演已过期、台账在预演后被修改、权限变化，或不在待确认状态")
    @blp.alt_response(503, description="同时进行的导入已达上限，请稍后再试")
    def post(self, job_id):
        """提交导入: write the dry run's plan, only if the registry is still what the dry run saw."""
        job = jobs.confirm(job_id, scope=api_scope(), actor=api_user(),
                           max_running=current_app.config["IMPORT_MAX_RUNNING"])
        commit_now("the import slot must be seen by other workers while the write runs")
        job = _run(job.id)
        if job.status == ImportStatus.EXPIRED:
            raise Conflict(job.message or "")
        if job.status == ImportStatus.REJECTED:
            return _rejected(job)
        if job.status != ImportStatus.DONE:
            raise DomainError(job.message or gettext("导入失败"), field="file")
        return _out(job)
