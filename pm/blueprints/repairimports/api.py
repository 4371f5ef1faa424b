"""历史工单导入 REST API: upload a file with a dry run (预演) that returns an id, then commit that id.

POST /compounds/<id>/repair-imports (multipart: file, dry_run) checks every row: 422 listing every bad row
(rows: {row, column, message}) and nothing kept, else 201 with the counts, a preview and the id; dry_run=false
commits at once. POST /repair-imports/<id>/commit creates the requests not imported yet (the uploader only; the
rows are checked again; the same file again creates nothing). Needs repair.import (station managers and the
officials above, within their scope).
"""
from __future__ import annotations

from flask.views import MethodView

from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope, multipart
from pm.blueprints.fund.integration.api import rejected, upload_bytes
from pm.blueprints.repairimports import schemas as s
from pm.extensions import db
from pm.models import Compound
from pm.services.repairs import importing

URL_PREFIX = ""
blp = api_blueprint("repairimports_api", __name__, description="历史工单导入：先预演（返回编号），再凭编号提交")


def out(outcome: importing.Outcome) -> dict:
    b = outcome.batch
    return {"id": b.id, "compound_id": b.compound_id, "filename": b.filename, "status": b.status,
            "dry_run": outcome.dry_run, "created_at": b.created_at, "committed_at": b.committed_at,
            "counts": outcome.counts, "rows": outcome.preview}


@blp.route("/compounds/<int:compound_id>/repair-imports")
class RepairImports(MethodView):
    @blp.doc(**multipart(s.UploadForm, s.UploadFile))
    @blp.arguments(s.UploadForm, location="form")
    @blp.arguments(s.UploadFile, location="files")
    @blp.response(201, s.RepairImportOut)
    @blp.alt_response(422, description="有错误的行（逐条列出，rows），未导入")
    def post(self, form, files, compound_id):
        """历史工单导入: check every row of the file (and with dry_run=false import it at once)."""
        user, scope = api_user(), api_scope()
        compound = get_in_scope(Compound, compound_id)
        name, data = upload_bytes(files["file"], importing.MAX_BYTES)
        try:
            outcome = importing.check_file(compound, name, data, actor=user, scope=scope)
            if not form["dry_run"]:
                outcome = importing.commit(outcome.batch.id, actor=user, scope=scope)
        except importing.RepairImportRejected as err:
            db.session.rollback()
            return rejected(err.message, err.problems)
        return out(outcome)


@blp.route("/repair-imports/<int:import_id>/commit")
class RepairImportCommit(MethodView):
    @blp.response(200, s.RepairImportOut)
    @blp.alt_response(422, description="提交时有错误的行（逐条列出，rows），未导入")
    def post(self, import_id):
        """提交导入: create the requests of a dry run not imported yet, all or none (the uploader only)."""
        try:
            outcome = importing.commit(import_id, actor=api_user(), scope=api_scope())
        except importing.RepairImportRejected as err:
            db.session.rollback()
            return rejected(err.message, err.problems)
        return out(outcome)
