"""报事报修 pages: filing from a phone, the public QR page, the queue, actions, photos in scope, metrics, rules."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import RepairPortal, RepairRequest, RepairStatus, Role, WorkCalendarDay
from pm.services.repairs import filing, portal, workflow
from pm.timeutil import utcnow
from tests.factories.repairs import PNG, repair_world


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


@pytest.fixture
def w(app, db):
    return repair_world()


def _file_via_page(client, auth, w, **extra):
    auth.login("owner")
    data = {"category": "water_supply", "location": f"h:{w.households['a'][0].id}", "urgency": "normal",
            "description": "厨房水管漏水很严重", "location_note": ""}
    data.update(extra)
    return client.post("/repairs/new", data=data, content_type="multipart/form-data")


def test_owner_files_with_photo_and_sees_timeline(client, auth, db, w):
    """An owner files from the page with a photo; the request page shows the timeline and the photo."""
    resp = _file_via_page(client, auth, w, photos=[(io.BytesIO(PNG), "a.png")])
    assert resp.status_code == 302
    req = db.session.scalar(select(RepairRequest))
    page = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    assert 'id="timeline"' in page and "提交报修" in page
    photo_id = req.photos[0].id
    resp = client.get(f"/files/repair_photo/{photo_id}")
    assert resp.data == PNG and resp.mimetype == "image/png"
    resp.close()


def test_non_image_upload_reshows_form_and_stores_nothing(client, auth, db, w):
    """A text file as photo: the form is shown again with the reason (4xx) and no request is stored."""
    resp = _file_via_page(client, auth, w, photos=[(io.BytesIO(b"just text"), "x.jpg")])
    assert resp.status_code == 400
    assert "不是允许的格式" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 0


def test_photo_not_served_out_of_scope(client, auth, db, w):
    """Another station's staff cannot see the request nor its photo (404)."""
    _file_via_page(client, auth, w, photos=[(io.BytesIO(PNG), "a.png")])
    req = db.session.scalar(select(RepairRequest))
    photo_id = req.photos[0].id
    auth.logout()
    auth.login("staff_b")
    assert client.get(f"/repairs/{req.id}").status_code == 404
    assert client.get(f"/files/repair_photo/{photo_id}").status_code == 404
    auth.logout()
    auth.login("resident")
    assert client.get(f"/files/repair_photo/{photo_id}").status_code == 404


def test_staff_queue_accept_dispatch_and_out_of_order(client, auth, db, w):
    """Staff see the request in the queue, dispatch it; completing before starting is refused (409)."""
    _file_via_page(client, auth, w)
    req = db.session.scalar(select(RepairRequest))
    auth.logout()
    auth.login("staff")
    assert f"#{req.id}" in client.get("/repairs/").get_data(as_text=True)
    staff = w.users[Role.STATION_STAFF]
    resp = client.post(f"/repairs/{req.id}/dispatch", data={"d-member": f"{w.team.id}:{staff.id}"})
    assert resp.status_code == 302
    resp = client.post(f"/repairs/{req.id}/complete", data={"n-note": "修好了"})
    assert resp.status_code == 409 and "不能完工" in resp.get_data(as_text=True)
    db.session.refresh(req)
    assert req.status == RepairStatus.DISPATCHED
    assert f"#{req.id}" in client.get("/repairs/?mine=1").get_data(as_text=True)


def test_rating_by_someone_else_forbidden(client, auth, db, w):
    """The tenant cannot rate the owner's request (it is not even visible: 404)."""
    _file_via_page(client, auth, w)
    req = db.session.scalar(select(RepairRequest))
    auth.logout()
    auth.login("resident")
    assert client.post(f"/repairs/{req.id}/confirm", data={"rate-rating": "1"}).status_code == 404


@pytest.mark.postgres
def test_public_page_files_and_rate_limits(client, db, w):
    """The QR page files without an account; the sixth request from one phone within an hour is refused."""
    compound = w.compounds["a"][0]
    worker = w.users[Role.COMMUNITY_WORKER]
    token = portal.open_portal(compound, **by(worker)).token
    db.session.commit()
    assert client.get(f"/repairs/public/{token}").status_code == 200
    data = {"category": "lighting", "location": "c", "urgency": "normal", "description": "楼道灯不亮了",
            "filer_phone": "13900001111", "location_note": "", "filer_name": ""}
    for _ in range(5):
        resp = client.post(f"/repairs/public/{token}", data=data)
        assert resp.status_code == 200 and "public-done" in resp.get_data(as_text=True)
    resp = client.post(f"/repairs/public/{token}", data=data)
    assert resp.status_code == 422 and "过多" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 5
    assert client.get("/repairs/public/nonsense").status_code == 404


def test_poster_and_qr_for_officials_in_scope(client, auth, db, w):
    """The community prints the poster (URL and QR SVG) of its compound; a foreign compound is a 404."""
    auth.login("community")
    first = client.get(f"/repairs/compounds/{w.compounds['a'][0].id}/poster").get_data(as_text=True)
    assert "生成报修二维码" in first  # nothing is written by a GET: the page is made by a POST
    assert client.get(f"/repairs/compounds/{w.compounds['a'][0].id}/qr.svg").status_code == 404
    client.post(f"/repairs/compounds/{w.compounds['a'][0].id}/poster")
    page = client.get(f"/repairs/compounds/{w.compounds['a'][0].id}/poster").get_data(as_text=True)
    token = db.session.scalar(select(RepairPortal.token))
    assert f"/repairs/public/{token}" in page
    svg = client.get(f"/repairs/compounds/{w.compounds['a'][0].id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert client.get(f"/repairs/compounds/{w.compounds['b'][0].id}/poster").status_code == 404


def test_queue_queries_do_not_grow(client, auth, db, w, count_queries):
    """The station queue issues the same number of queries for 5 and 50 requests."""
    owner = w.users[Role.OWNER]

    def add(n):
        for i in range(n):
            filing.file_request(w.compounds["a"][0], **by(owner), category="road", urgency="normal",
                                description=f"路面破损 {i} 处", building_id=w.households["a"][0].building_id)
        db.session.commit()

    add(5)
    auth.login("staff")
    client.get("/repairs/?per_page=100")
    with count_queries() as small:
        assert client.get("/repairs/?per_page=100").status_code == 200
    add(45)
    with count_queries() as large:
        html = client.get("/repairs/?per_page=100").get_data(as_text=True)
    assert html.count('class="list-group-item list-group-item-action') == 50
    assert large.count == small.count


def test_overdue_flagged_in_list(client, auth, db, w):
    """A request past its response deadline shows as overdue at once."""
    owner = w.users[Role.OWNER]

    filing.file_request(w.compounds["a"][0], **by(owner), category="road",
                        urgency="normal", description="路面破损严重", now=utcnow() - timedelta(days=2))
    db.session.commit()
    auth.login("staff")
    html = client.get("/repairs/?overdue=1").get_data(as_text=True)
    assert "已超时" in html


def test_metrics_page(client, auth, db, w):
    """The street office sees the month's metrics of its stations."""
    _file_via_page(client, auth, w)
    auth.logout()
    auth.login("street")
    html = client.get("/repairs/metrics").get_data(as_text=True)
    assert w.stations["a"].name in html and w.stations["b"].name not in html
    assert client.get("/repairs/metrics?period=2026-13").status_code == 422


def test_county_enters_holiday_and_rule(client, auth, db, w):
    """The county admin enters a 2027 holiday and a deadline rule; a station manager may not."""
    auth.login("county")
    resp = client.post("/repairs/rules/days", data={"day-day": "2027-02-08", "day-is_workday": "0", "day-note": "春节"})
    assert resp.status_code == 302
    assert db.session.scalar(select(WorkCalendarDay.is_workday)) is False
    resp = client.post("/repairs/rules", data={"rule-category": "", "rule-urgency": "normal",
                                                "rule-response_minutes": "60", "rule-completion_workdays": "3"})
    assert resp.status_code == 302
    assert "2027" in client.get("/repairs/rules?year=2027").get_data(as_text=True)
    auth.logout()
    auth.login("manager")
    assert client.get("/repairs/rules").status_code == 403


def _common_request(w, db):

    owner = w.users[Role.OWNER]
    req = filing.file_request(w.compounds["a"][0], **by(owner), category="leak",
                              urgency="normal", description="屋面渗漏，顶楼多户受影响",
                               building_id=w.households["a"][0].building_id)
    db.session.commit()
    return req


def test_manager_marks_fund_and_opens_draft_plan(client, auth, db, w):
    """The station manager marks a shared-part request for the fund with a budget: a linked draft plan opens."""
    from pm.models import UsePlan

    req = _common_request(w, db)
    auth.login("manager")
    resp = client.post(f"/repairs/{req.id}/fund", data={"f-budget_yuan": "12,000.50"})
    assert resp.status_code == 302
    db.session.refresh(req)
    plan = db.session.get(UsePlan, req.use_plan_id)
    assert req.needs_fund and plan.budget_fen == 1200050 and plan.repair_request_id == req.id
    assert client.post(f"/repairs/{req.id}/fund", data={"f-budget_yuan": "100"}).status_code == 409


def test_filer_reopens_completed_request_on_page(client, auth, db, w):
    """After completion the filer reopens from the page with a reason; the request goes back to the worker."""

    req = _common_request(w, db)
    staff = w.users[Role.STATION_STAFF]
    scope = scope_for(staff)
    workflow.dispatch(req, actor=staff, scope=scope, team_id=w.team.id, assignee_id=staff.id)
    workflow.start(req, actor=staff, scope=scope)
    workflow.complete(req, actor=staff, scope=scope, note="已补漏")
    db.session.commit()
    auth.login("owner")
    assert client.post(f"/repairs/{req.id}/reopen", data={"ro-reason": ""}).status_code == 422
    assert client.post(f"/repairs/{req.id}/reopen", data={"ro-reason": "下雨又漏了"}).status_code == 302
    db.session.refresh(req)
    assert req.status == RepairStatus.DISPATCHED and req.reopen_count == 1


def test_unknown_year_deadline_warning_shown(client, auth, db, w):
    """A request whose deadline falls in a year without a holiday schedule shows a clear warning."""
    from datetime import datetime, timezone


    owner = w.users[Role.OWNER]
    req = filing.file_request(w.compounds["a"][0], **by(owner), category="road",
                              urgency="normal", description="路面破损严重",
                               now=datetime(2027, 5, 10, 2, tzinfo=timezone.utc))
    db.session.commit()
    auth.login("owner")
    html = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    assert 'id="deadline-unknown"' in html and "节假日安排尚未录入" in html
