"""Meeting attachments and action-item evidence through the API (multipart, the same content checks as the page,
the scoped download), and a returned item's rejection kept as its own record beside the typed report."""
from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import ActionEvidence, ActionItem, ActionItemReturn, AuditLog, ItemStatus, MeetingAttachment, Role
from pm.services import storage
from pm.services.meetings import meetings
from pm.timeutil import local_today
from tests.asserts import assert_error
from tests.factories import make_user
from tests.factories.files import PNG
from tests.factories.meetings import make_item, make_meeting

PDF = b"%PDF-1.4\n" + b"0" * 100
NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)


def _file(data: bytes, name: str):
    return (io.BytesIO(data), name)


def _stored_files(app) -> list[str]:
    root = app.config["UPLOAD_DIR"]
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


def _download(client, url: str) -> tuple[int, bytes]:
    resp = client.get(url)
    try:
        return resp.status_code, resp.data
    finally:
        resp.close()


def test_api_meeting_attachments_checked_by_content_and_downloaded_in_scope(app, world, api, db, monkeypatch):
    meeting = make_meeting(world, held_on=local_today())
    db.session.commit()
    worker = api(world.users[Role.COMMUNITY_WORKER])
    url = f"/api/v1/meetings/{meeting.id}/attachments"
    monkeypatch.setattr(storage, "MAX_DOCUMENT_BYTES", 1000)  # the same size check, without a 10 MB upload
    for files in ([_file(b"<script>alert(1)</script>", "x.pdf")],  # wrong type by content, whatever its name
                  [_file(PDF, "ok.pdf"), _file(b"%PDF-" + b"0" * 1000, "big.pdf")],  # one too big: none stored
                  [_file(PNG, f"{i}.png") for i in range(7)],  # more than six
                  []):  # nothing chosen
        bad = worker.post(url, data={"files": files}, content_type="multipart/form-data")
        assert_error(bad, 422)
        assert "files" in bad.get_json()["errors"]["json"], bad.get_json()
    assert db.session.scalar(select(func.count(MeetingAttachment.id))) == 0 and _stored_files(app) == []
    resp = worker.post(url, data={"files": [_file(PDF, "纪要.pdf"), _file(PNG, "签到.png")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    files = resp.get_json()["attachments"]
    assert [f["content_type"] for f in files] == ["application/pdf", "image/png"]
    assert _download(api(world.users[Role.STREET_OFFICER]), files[0]["url"]) == (200, PDF)
    outsider = make_user(Role.COMMUNITY_WORKER, world.communities["b"])
    db.session.commit()
    assert_error(api(outsider).get(files[0]["url"]), 404)
    # only the convener attaches; a foreign meeting is a 404 whatever the body holds
    other = make_user(Role.COMMUNITY_WORKER, world.communities["a"])
    db.session.commit()
    assert api(other).post(url, data={"files": [_file(PNG, "a.png")]},
                           content_type="multipart/form-data").status_code == 403
    assert api(outsider).post(url, data={"files": [_file(PNG, "a.png")]},
                              content_type="multipart/form-data").status_code == 404
    assert api(world.users[Role.STATION_STAFF]).post(url, data={"files": [_file(PNG, "a.png")]},
                                                     content_type="multipart/form-data").status_code == 403
    assert db.session.scalar(select(func.count(MeetingAttachment.id))) == 2 and len(_stored_files(app)) == 2
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "meeting.files")) == 1


def test_api_report_with_evidence(app, world, api, db, monkeypatch):
    meeting = make_meeting(world, held_on=local_today())
    item = make_item(world, meeting, due_on=local_today() + timedelta(days=3))
    db.session.commit()
    staff = api(world.users[Role.STATION_STAFF])
    url = f"/api/v1/action-items/{item.id}/report-with-evidence"
    bad = staff.post(url, data={"note": "已划线", "files": [_file(b"GIF89a....", "a.png")]},
                     content_type="multipart/form-data")
    assert_error(bad, 422)
    assert "files" in bad.get_json()["errors"]["json"]
    no_note = staff.post(url, data={"files": [_file(PNG, "a.png")]}, content_type="multipart/form-data")
    assert_error(no_note, 422)
    assert "note" in no_note.get_json()["errors"]["json"]
    db.session.expire_all()
    assert db.session.get(ActionItem, item.id).status == ItemStatus.OPEN
    assert db.session.scalar(select(func.count(ActionEvidence.id))) == 0 and _stored_files(app) == []
    # the committee sees the meeting's items of its compound but does not answer for the station's
    assert api(world.users[Role.COMMITTEE_MEMBER]).post(url, data={"note": "x", "files": [_file(PNG, "a.png")]},
                                                        content_type="multipart/form-data").status_code in (403, 404)
    resp = staff.post(url, data={"note": "已划线", "files": [_file(PNG, "现场.png"), _file(PDF, "验收.pdf")]},
                      content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "reported" and body["report_note"] == "已划线" and len(body["evidence"]) == 2
    assert _download(api(world.users[Role.COMMUNITY_WORKER]), body["evidence"][0]["url"]) == (200, PNG)
    outsider = make_user(Role.COMMUNITY_WORKER, world.communities["b"])
    db.session.commit()
    assert_error(api(outsider).get(body["evidence"][0]["url"]), 404)


def test_return_is_its_own_record_and_the_typed_note_is_untouched(db):
    from tests.factories import make_world
    w = make_world()
    item = make_item(w, make_meeting(w, held_on=TODAY, now=NOW), due_on=TODAY, now=NOW)
    staff, worker = w.users[Role.STATION_STAFF], w.users[Role.COMMUNITY_WORKER]
    meetings.report_item(item, staff, scope=scope_for(staff), note="已施划 20 个车位", now=NOW)
    meetings.confirm_item(item, worker, scope=scope_for(worker), passed=False, reason="缺少照片", now=NOW)
    assert item.status == ItemStatus.OPEN and item.report_note == "已施划 20 个车位"
    meetings.report_item(item, staff, scope=scope_for(staff), note="已补照片", now=NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=2)
    meetings.confirm_item(item, worker, scope=scope_for(worker), passed=False, reason="照片不清楚", now=later)
    assert item.report_note == "已补照片"
    rows = db.session.scalars(select(ActionItemReturn).order_by(ActionItemReturn.id)).all()
    assert [(r.reason, r.report_note, r.returned_by_id, r.returned_at) for r in rows] == [
        ("缺少照片", "已施划 20 个车位", worker.id, NOW), ("照片不清楚", "已补照片", worker.id, later)]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "meeting.item.return")).all()
    assert [a.changes.get("reason") for a in audit] == ["缺少照片", "照片不清楚"]


def test_return_without_reason_changes_nothing(db):
    from pm.errors import DomainError
    from tests.factories import make_world
    w = make_world()
    item = make_item(w, make_meeting(w, held_on=TODAY, now=NOW), due_on=TODAY, now=NOW)
    staff, worker = w.users[Role.STATION_STAFF], w.users[Role.COMMUNITY_WORKER]
    meetings.report_item(item, staff, scope=scope_for(staff), note="已施划", now=NOW)
    try:
        meetings.confirm_item(item, worker, scope=scope_for(worker), passed=False, reason="  ", now=NOW)
    except DomainError as err:
        assert "reason" in err.fields
    else:
        raise AssertionError("a return without a reason was accepted")
    assert item.status == ItemStatus.REPORTED and item.returns == []


def test_history_on_the_page_and_in_the_api(client, auth, api, world, db):
    meeting = make_meeting(world, held_on=local_today())
    item = make_item(world, meeting, due_on=local_today() + timedelta(days=3))
    staff, worker = world.users[Role.STATION_STAFF], world.users[Role.COMMUNITY_WORKER]
    meetings.report_item(item, staff, scope=scope_for(staff), note="已施划车位")
    db.session.commit()
    auth.login("community")
    resp = client.post(f"/meetings/items/{item.id}/confirm", data={"decision": "return", "reason": "缺少照片"})
    assert resp.status_code == 302
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "缺少照片" in page and "已施划车位" in page and "退回：缺少照片" not in page
    body = api(staff).get(f"/api/v1/action-items/{item.id}").get_json()
    assert body["report_note"] == "已施划车位"
    assert [(r["reason"], r["report_note"], r["returned_by"]["id"]) for r in body["returns"]] == [
        ("缺少照片", "已施划车位", worker.id)]
