"""Uploads and downloads through the API: multipart operations with the same content checks as the pages (type by
content, size, count; a bad file changes nothing) and the scoped download GET /api/v1/files/{kind}/{id}."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import PlanDocument, PlanStatus, RectificationPhoto, RepairRequest, Role, TeamKind, WorkLog
from pm.services import storage
from pm.services.inspections import inspections
from pm.timeutil import local_today
from tests.asserts import assert_error
from tests.factories import make_user
from tests.factories.files import PNG
from tests.factories.fund import make_plan
from tests.factories.stations import make_team

PDF = b"%PDF-1.4\n" + b"0" * 100


def _file(data: bytes, name: str):
    return (io.BytesIO(data), name)


def _download(client, url: str) -> tuple[int, bytes]:
    resp = client.get(url)
    try:
        return resp.status_code, resp.data
    finally:
        resp.close()


def test_plan_document_upload_and_scoped_download(world, api, db, monkeypatch):
    plan = make_plan(world.compounds["a"][0], status=PlanStatus.DRAFT)
    db.session.commit()
    worker = api(world.users[Role.COMMUNITY_WORKER])
    resp = worker.post(f"/api/v1/plans/{plan.id}/documents", data={"file": _file(PDF, "方案.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    stored = resp.get_json()["files"][0]
    assert stored["kind"] == "plan_document" and stored["content_type"] == "application/pdf"
    assert _download(api(world.users[Role.COMMITTEE_MEMBER]), stored["url"]) == (200, PDF)
    outsider = make_user(Role.COMMUNITY_WORKER, world.communities["b"])
    db.session.commit()
    assert_error(api(outsider).get(stored["url"]), 404)
    # a script named .pdf, and an oversized file, are refused by content and size; nothing is stored
    monkeypatch.setattr(storage, "MAX_DOCUMENT_BYTES", 1000)  # the same check, without a 10 MB upload
    for data in (b"<script>alert(1)</script>", b"%PDF-" + b"0" * 1000):
        bad = worker.post(f"/api/v1/plans/{plan.id}/documents", data={"file": _file(data, "x.pdf")},
                          content_type="multipart/form-data")
        assert_error(bad, 422)
        assert "file" in bad.get_json()["errors"]["json"]
    assert db.session.scalar(select(func.count(PlanDocument.id))) == 1


def test_repair_filed_with_photos_and_completed_with_photos(world, api, db):
    staff = world.users[Role.STATION_STAFF]
    make_team(world.stations["a"], TeamKind.MAINTENANCE, [staff], name="运维队")
    db.session.commit()
    owner = api(world.users[Role.OWNER])
    form = {"compound_id": str(world.compounds["a"][0].id), "category": "leak", "description": "厨房水管漏水",
            "household_id": str(world.households["a"][0].id)}
    bad = owner.post("/api/v1/repairs/with-photos", data={**form, "photos": [_file(b"GIF89a....", "a.png")]},
                     content_type="multipart/form-data")
    assert_error(bad, 422)
    assert db.session.scalar(select(func.count(RepairRequest.id))) == 0
    too_many = owner.post("/api/v1/repairs/with-photos", content_type="multipart/form-data",
                          data={**form, "photos": [_file(PNG, f"{i}.png") for i in range(7)]})
    assert_error(too_many, 422)
    resp = owner.post("/api/v1/repairs/with-photos", content_type="multipart/form-data",
                      data={**form, "photos": [_file(PNG, "a.png"), _file(PNG, "b.png")]})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["record"] == "repair" and len(body["files"]) == 2
    assert _download(api(staff), body["files"][0]["url"]) == (200, PNG)


def test_work_log_with_photos(world, api, db):
    staff = world.users[Role.STATION_STAFF]
    team = make_team(world.stations["a"], TeamKind.CLEANING, [staff], name="保洁队")
    db.session.commit()
    resp = api(staff).post("/api/v1/work-logs/with-photos", content_type="multipart/form-data", data={
        "team_id": str(team.id), "log_on": local_today().isoformat(), "shift": "morning", "content": "清扫楼道",
        "photos": [_file(PNG, "a.png")]})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["files"][0]["kind"] == "worklog_photo"
    assert db.session.scalar(select(func.count(WorkLog.id))) == 1


def test_checkin_with_a_photo(world, api, db):
    manager = api(world.users[Role.STATION_MANAGER])
    route = manager.post("/api/v1/patrol-routes", json={"name": "夜巡", "points": ["东门"]}).get_json()
    point_id = route["points"][0]["id"]
    resp = api(world.users[Role.STATION_STAFF]).post(
        f"/api/v1/patrol-points/{point_id}/photo-checkins", content_type="multipart/form-data",
        data={"status": "ok", "photo": _file(PNG, "a.png")})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["files"][0]["kind"] == "checkin_photo"
    bad = api(world.users[Role.STATION_STAFF]).post(
        f"/api/v1/patrol-points/{point_id}/photo-checkins", content_type="multipart/form-data",
        data={"status": "ok", "photo": _file(b"not an image", "a.png")})
    assert_error(bad, 422)


def test_rectification_evidence(world, api, db):
    street = world.users[Role.STREET_OFFICER]
    by = {"actor": street, "scope": scope_for(street)}
    inspection = inspections.create_inspection(**by, level="street_weekly", target_kind="compound",
                                               target_id=world.compounds["a"][0].id, inspected_on=local_today())
    order = inspections.add_finding(inspection, **by, item_code="order", deduction="0.5", note="门岗脱岗",
                                    measure="加强值守", due_on=local_today() + timedelta(days=2)).order
    db.session.commit()
    found = api(street).post(f"/api/v1/inspections/{inspection.id}/findings/with-photos",
                             content_type="multipart/form-data", data={
                                 "item_code": "environment", "deduction": "0.5", "note": "楼道堆物", "measure": "清理",
                                 "due_on": (local_today() + timedelta(days=3)).isoformat(),
                                 "photos": [_file(PNG, "a.png")]})
    assert found.status_code == 201, found.get_json()
    assert found.get_json()["files"][0]["kind"] == "finding_photo"
    manager = api(world.users[Role.STATION_MANAGER])
    resp = manager.post(f"/api/v1/rectifications/{order.id}/evidence", content_type="multipart/form-data",
                        data={"note": "已安排值守", "photos": [_file(PNG, "a.png")]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "reported" and resp.get_json()["files"][0]["kind"] == "rectification_photo"
    assert db.session.scalar(select(func.count(RectificationPhoto.id))) == 1
    assert _download(api(street), resp.get_json()["files"][0]["url"]) == (200, PNG)
