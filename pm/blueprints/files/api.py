"""Uploads and downloads through the API: the scoped download of any stored file, and multipart operations for what
the pages upload — plan documents, repair photos (filing and completion), work-log and check-in photos,
rectification evidence. Each calls the same service as its page, so the content checks are the same (type sniffed
from the bytes, size and count limits: pm.services.storage) and a bad file changes nothing."""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, get_in_scope
from pm.blueprints.files import schemas as s
from pm.blueprints.inspections.schemas import FindingIn
from pm.extensions import db
from pm.models import (
    Compound,
    FindingPhoto,
    Inspection,
    PatrolPoint,
    RectificationEvent,
    RectificationOrder,
    RectificationPhoto,
    RepairPhoto,
    RepairRequest,
    Team,
    UsePlan,
    WorkLogPhoto,
)
from pm.services import storage
from pm.services.fund import plans as fund_plans
from pm.services.inspections import inspections, rectification
from pm.services.repairs import filing, workflow
from pm.services.stations import patrols, worklogs
from pm.timeutil import utcnow

URL_PREFIX = ""
blp = api_blueprint("files_api", __name__, description="文件：按权限下载上传的文件；以 multipart 上传方案材料、报修照片、日志与打卡照片、整改证据")
FILE_RESPONSE = {"200": {"description": "the file: images inline, documents as attachments", "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


def _stored(kind: str, rows, *, path: str = "path", ctype: str = "content_type", name: str | None = None) -> list:
    return [{"kind": kind, "id": r.id, "url": url_for("files_api.Download", kind=kind, file_id=r.id),
             "filename": getattr(r, name) if name else None, "content_type": getattr(r, ctype)}
            for r in rows if getattr(r, path)]


def _parse(schema: type, location: str) -> dict:
    """Read a multipart part after the record's scope check (a foreign id is a 404 whatever the body holds);
    a bad field is the usual 422 naming it."""
    return blp.ARGUMENTS_PARSER.parse(schema(), location=location)


def _out(record: str, ident: int, status, files: list) -> dict:
    return {"record": record, "id": ident, "status": getattr(status, "value", status), "files": files}


@blp.route("/files/<kind>/<int:file_id>")
class Download(MethodView):
    @blp.doc(responses=FILE_RESPONSE)
    def get(self, kind, file_id):
        """下载文件: a stored file of a record in your scope (the same check as the page /files/<kind>/<id>);
        kinds: plan_document, repair_photo, worklog_photo, checkin_photo, finding_photo, rectification_photo."""
        return storage.serve(api_scope(), api_user(), kind, file_id)


@blp.route("/plans/<int:plan_id>/documents")
class PlanDocuments(MethodView):
    @blp.doc(**s.multipart(s.OneFile))
    @blp.response(201, s.UploadedOut)
    def post(self, plan_id):
        """上传方案材料 (multipart `file`): PDF, JPEG or PNG checked by content, at most 10 MB."""
        plan = get_in_scope(UsePlan, plan_id)
        files = _parse(s.OneFile, "files")
        upload = files["file"]
        doc = fund_plans.add_document(plan, filename=upload.filename,
                                      data=upload.read(fund_plans.MAX_DOCUMENT_BYTES + 1),
                                      actor=api_user(), scope=api_scope())
        return _out("plan", plan.id, plan.status, _stored(fund_plans.DOCUMENT_KIND, [doc], path="stored_path",
                                                          name="filename"))


@blp.route("/patrol-points/<int:point_id>/photo-checkins")
class PhotoCheckins(MethodView):
    @blp.doc(**s.multipart(s.CheckinForm, s.OnePhoto))
    @blp.response(201, s.UploadedOut)
    def post(self, point_id):
        """打卡 with a photo (multipart `status`, `note`, `photo`); orders and repairs from a check-in: the JSON
        operation POST /patrol-points/{point_id}/checkins."""
        require(api_user(), "stations.log")
        point = get_in_scope(PatrolPoint, point_id, options=(joinedload(PatrolPoint.route),))
        form, files = _parse(s.CheckinForm, "form"), _parse(s.OnePhoto, "files")
        row = patrols.record_checkin(point, actor=api_user(), scope=api_scope(), status=form["status"],
                                     note=form.get("note"), photo=files.get("photo"))
        checkin = row.row
        return _out("checkin", checkin.id, checkin.status, _stored("checkin_photo", [checkin], path="photo_path",
                                                                   ctype="photo_type"))


@blp.route("/inspections/<int:inspection_id>/findings/with-photos")
class FindingWithPhotos(MethodView):
    @blp.doc(**s.multipart(FindingIn, s.Photos))
    @blp.response(201, s.UploadedOut)
    def post(self, inspection_id):
        """检查问题 with photos (multipart: the fields of POST /inspections/{id}/findings, and `photos`); it opens a
        rectification order, as the page does."""
        require(api_user(), "inspection.view")
        inspection = get_in_scope(Inspection, inspection_id)
        form, files = _parse(FindingIn, "form"), _parse(s.Photos, "files")
        finding = inspections.add_finding(inspection, api_user(), scope=api_scope(), photos=files["photos"], **form)
        db.session.flush()
        photos = db.session.scalars(select(FindingPhoto).where(FindingPhoto.finding_id == finding.id)
                                    .order_by(FindingPhoto.id))
        return _out("finding", finding.id, None, _stored("finding_photo", photos))


@blp.route("/rectifications/<int:order_id>/evidence")
class RectificationEvidence(MethodView):
    @blp.doc(**s.multipart(s.NoteForm, s.Photos))
    @blp.response(200, s.UploadedOut)
    def post(self, order_id):
        """报告整改完成 with evidence (multipart `note`, `photos`), as the page does."""
        require(api_user(), "inspection.view")
        order = rectification.load_order(api_scope(), order_id)
        form, files = _parse(s.NoteForm, "form"), _parse(s.Photos, "files")
        rectification.report_done(order, api_user(), scope=api_scope(), note=form["note"], photos=files["photos"])
        db.session.flush()
        photos = db.session.scalars(select(RectificationPhoto).join(
            RectificationEvent, RectificationEvent.id == RectificationPhoto.event_id).where(
            RectificationEvent.order_id == order.id).order_by(RectificationPhoto.id))
        return _out("rectification", order.id, db.session.get(RectificationOrder, order.id).status,
                    _stored("rectification_photo", photos))


def _repair_out(req_id: int) -> dict:
    req = db.session.get(RepairRequest, req_id)
    photos = db.session.scalars(select(RepairPhoto).where(RepairPhoto.request_id == req_id).order_by(RepairPhoto.id))
    return _out("repair", req_id, req.status, _stored("repair_photo", photos))


@blp.route("/repairs/with-photos")
class RepairWithPhotos(MethodView):
    @blp.doc(**s.multipart(s.RepairForm, s.Photos))
    @blp.arguments(s.RepairForm, location="form")
    @blp.arguments(s.Photos, location="files")
    @blp.response(201, s.UploadedOut)
    def post(self, form, files):
        """报修 with photos (multipart: the fields of POST /repairs, and `photos`)."""
        compound = get_in_scope(Compound, form.pop("compound_id"), field="compound_id")
        req = filing.file_request(compound, actor=api_user(), scope=api_scope(), photos=files["photos"], **form)
        db.session.flush()
        return _repair_out(req.id)


@blp.route("/repairs/<int:request_id>/completion")
class RepairCompletion(MethodView):
    @blp.doc(**s.multipart(s.NoteForm, s.Photos))
    @blp.response(200, s.UploadedOut)
    def post(self, request_id):
        """完工 with photos (multipart `note`, `photos`): the "complete" step of POST /repairs/{id}/transitions."""
        req = get_in_scope(RepairRequest, request_id)
        form, files = _parse(s.NoteForm, "form"), _parse(s.Photos, "files")
        workflow.complete(req, actor=api_user(), scope=api_scope(), note=form["note"], photos=files["photos"],
                          now=utcnow())
        db.session.flush()
        return _repair_out(req.id)


@blp.route("/work-logs/with-photos")
class WorkLogWithPhotos(MethodView):
    @blp.doc(**s.multipart(s.WorkLogForm, s.Photos))
    @blp.arguments(s.WorkLogForm, location="form")
    @blp.arguments(s.Photos, location="files")
    @blp.response(201, s.UploadedOut)
    def post(self, form, files):
        """工作日志 with photos (multipart: the fields of POST /work-logs, and `photos`)."""
        team = get_in_scope(Team, form["team_id"], field="team_id")
        log = worklogs.create_log(team, log_on=form["log_on"], shift=form["shift"], content=form["content"],
                                  actor=api_user(), scope=api_scope(), photos=files["photos"])
        db.session.flush()
        photos = db.session.scalars(select(WorkLogPhoto).where(WorkLogPhoto.log_id == log.id).order_by(WorkLogPhoto.id))
        return _out("work_log", log.id, None, _stored("worklog_photo", photos))



