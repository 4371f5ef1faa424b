"""历史工单导入 pages: the upload form (预演: every row checked, the errors or a preview), the confirmation
that imports the previewed file, and the template download."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import current_scope, require
from pm.blueprints.repairimports.forms import CommitForm, RepairImportForm
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound
from pm.services.labels import place_label
from pm.services.repairs import importing
from pm.services.repairs.filing import compounds_for
from pm.services.repairs.import_rows import HEADERS

bp = Blueprint("repairimports", __name__, url_prefix="/repairs/imports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(form: RepairImportForm, *, problems=(), outcome=None, status: int = 200):
    return render_template("repairimports/index.html", form=form, problems=problems, outcome=outcome,
                           commit_form=CommitForm(), columns=HEADERS), status


def _form() -> RepairImportForm:
    form = RepairImportForm()
    form.compound_id.choices = [(c.id, place_label(c)) for c in compounds_for(current_scope())]
    return form


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The upload form; a valid file is kept and previewed (nothing imported until confirmed)."""
    require(current_user, "repair.import")
    scope, form = current_scope(), _form()
    if not form.validate_on_submit():
        return _page(form, status=400 if request.method == "POST" else 200)
    upload = form.file.data
    try:
        compound = scope.get(Compound, form.compound_id.data)
        data = upload.read(importing.MAX_BYTES + 1)
        if len(data) > importing.MAX_BYTES:
            raise DomainError("文件过大（不超过 %(mb)s MB）", field="file", mb=importing.MAX_BYTES // (1024 * 1024))
        outcome = importing.check_file(compound, upload.filename or "", data, actor=current_user, scope=scope)
    except importing.RepairImportRejected as err:
        db.session.rollback()
        form.form_errors.append(err.message)
        return _page(form, problems=err.problems, status=400)
    except DomainError as err:
        if err.status not in (409, 422):
            raise
        db.session.rollback()
        form.form_errors.append(err.message)
        return _page(form, status=400)
    return _page(form, outcome=outcome)


@bp.post("/<int:import_id>/commit")
@login_required
def commit(import_id: int):
    """确认导入 of a previewed file: creates the requests not imported yet, all or none."""
    form = CommitForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "danger")
        return redirect(url_for("repairimports.index")), 303
    try:
        outcome = importing.commit(import_id, actor=current_user, scope=current_scope())
    except importing.RepairImportRejected as err:
        db.session.rollback()
        page_form = _form()
        page_form.form_errors.append(err.message)
        return _page(page_form, problems=err.problems, status=409)
    flash(_("已导入历史工单 %(created)s 件，此前已导入 %(old)s 件（未重复导入）",
            created=outcome.counts.get("created", 0), old=outcome.counts.get("already_imported", 0)), "success")
    return redirect(url_for("repairimports.index"))


@bp.get("/template.xlsx")
@login_required
def template():
    """The import template, with one example row marked 示例 (never imported)."""
    require(current_user, "repair.import")
    response = Response(importing.template_workbook(), mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"repair-import.xlsx\"; filename*=UTF-8''{quote(_('历史工单导入模板') + '.xlsx')}")
    return response
