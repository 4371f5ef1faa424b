"""联席会议 API and pages: scoped lists, field errors, report with evidence, the daily job and the home card."""
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM
from pm.models import ActionEvidence, ActionItem, JointMeeting, Notification, Role
from pm.services.meetings import meetings
from pm.tasks import find_job
from pm.tasks.scheduler import run_job
from pm.timeutil import local_today
from tests.asserts import assert_error, ids
from tests.factories.files import PNG
from tests.factories.meetings import make_item, make_meeting


def today(days=0):
    return local_today() + timedelta(days=days)


def test_api_records_a_meeting_and_an_item(api, world, db):
    """POST /meetings then /meetings/<id>/items; the station sees the item among its own."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    resp = client.post("/api/v1/meetings", json={
        "community_id": world.communities["a"].id, "held_on": today().isoformat(), "topics": "停车",
        "attendees": [{"body_kind": "party_branch", "body_id": world.communities["a"].id, "names": "书记"}]})
    assert resp.status_code == 201, resp.get_json()
    meeting_id = resp.get_json()["id"]
    resp = client.post(f"/api/v1/meetings/{meeting_id}/items", json={
        "decision": "划线", "responsible_kind": "station", "responsible_id": world.stations["a"].id,
        "person_name": "站长", "due_on": today(3).isoformat()})
    assert resp.status_code == 201, resp.get_json()
    item_id = resp.get_json()["id"]
    staff = api(world.users[Role.STATION_STAFF])
    assert ids(staff.get("/api/v1/action-items?mine=true")) == {item_id}
    assert staff.post(f"/api/v1/action-items/{item_id}/report", json={"note": "已划线"}).status_code == 200
    done = client.post(f"/api/v1/action-items/{item_id}/confirm", json={"decision": "confirm"})
    assert done.get_json()["status"] == "confirmed"


@pytest.mark.parametrize("due_on", [None, "past"])
def test_api_item_without_or_with_past_deadline_is_422(api, world, db, due_on):
    """No deadline or a past one: 422 naming due_on, nothing written."""
    meeting = make_meeting(world, held_on=today())
    db.session.commit()
    body = {"decision": "划线", "responsible_kind": "station", "responsible_id": world.stations["a"].id,
            "person_name": "站长"}
    if due_on:
        body["due_on"] = today(-1).isoformat()
    resp = api(world.users[Role.COMMUNITY_WORKER]).post(f"/api/v1/meetings/{meeting.id}/items", json=body)
    assert_error(resp, 422, "due_on")
    assert db.session.scalar(select(func.count()).select_from(ActionItem)) == 0


def test_api_scoping_per_role(api, world, db):
    """Owners and residents have no meetings; a foreign community's meeting is a 404; creating there a 403."""
    meeting = make_meeting(world, held_on=today())
    db.session.commit()
    assert api(world.users[Role.OWNER]).get("/api/v1/meetings").status_code == 403
    assert api(world.users[Role.RESIDENT]).get(f"/api/v1/meetings/{meeting.id}").status_code == 403
    assert ids(api(world.users[Role.STREET_OFFICER]).get("/api/v1/meetings")) == {meeting.id}
    assert ids(api(world.users[Role.COMMITTEE_MEMBER]).get("/api/v1/meetings")) == set()
    resp = api(world.users[Role.COMMUNITY_WORKER]).post("/api/v1/meetings", json={
        "community_id": world.communities["b"].id, "held_on": today().isoformat(), "topics": "x"})
    assert resp.status_code == 403
    assert api(world.users[Role.STATION_MANAGER]).post("/api/v1/meetings", json={
        "community_id": world.communities["a"].id, "held_on": today().isoformat(), "topics": "x"}).status_code == 403


def test_web_meeting_and_report_with_evidence(client, auth, world, db):
    """The worker records a meeting on the page; the station reports with a photo; the page lists it."""
    auth.login("community")
    resp = client.post("/meetings/new", data={
        "community_id": world.communities["a"].id, "compound_id": 0, "held_on": today().isoformat(),
        "topics": "楼道堆物", "party_branch": "书记", "station": "站长"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    meeting = db.session.scalar(select(JointMeeting))
    assert len(meeting.attendees) == 2
    bad = client.post(f"/meetings/{meeting.id}/items", data={
        "decision": "清理", "responsible": f"station:{world.stations['a'].id}", "person_name": "站长"})
    assert bad.status_code == 400 and "请填写办结期限" in bad.get_data(as_text=True)
    ok = client.post(f"/meetings/{meeting.id}/items", data={
        "decision": "清理", "responsible": f"station:{world.stations['a'].id}", "person_name": "站长",
        "due_on": today(2).isoformat()})
    assert ok.status_code == 302
    item = db.session.scalar(select(ActionItem))
    auth.logout()
    auth.login("staff")
    resp = client.post(f"/meetings/items/{item.id}/report", data={"note": "已清理",
                                                                  "files": (BytesIO(PNG), "a.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ActionEvidence)) == 1
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "已清理" in page and "a.png" in page


def test_list_pages_run_a_fixed_number_of_queries(client, auth, world, db, count_queries):
    """The meetings and items lists do not grow with the number of rows."""
    meeting = make_meeting(world, held_on=today())
    make_item(world, meeting, due_on=today())
    db.session.commit()
    auth.login("street")
    counts = []
    for _round in range(2):
        with count_queries() as q:
            assert client.get("/meetings/").status_code == 200
            assert client.get("/meetings/items/?overdue=1").status_code == 200
        counts.append(q.count)
        for _ in range(3):
            make_item(world, make_meeting(world, held_on=today()), due_on=today())
        db.session.commit()
    assert counts[0] == counts[1]


def test_daily_job_escalates_once_a_day(world, db):
    """An overdue station item tells the station and the community above it, once per day however often it runs."""
    now = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
    meeting = make_meeting(world, held_on=local_today(now), now=now)
    make_item(world, meeting, due_on=local_today(now) + timedelta(days=1), now=now)
    db.session.commit()
    spec = find_job("meetings.escalate_overdue")
    assert spec is not None
    run_job(spec, now + timedelta(days=1))
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind.like("meeting.item.overdue%"))) == 0
    run_job(spec, now + timedelta(days=2))
    run_job(spec, now + timedelta(days=2, hours=1))
    meetings.escalate_overdue(now + timedelta(days=2, hours=2), scope=SYSTEM)
    notes = db.session.scalars(select(Notification).where(Notification.kind.like("meeting.item.overdue%"))).all()
    above = {n.user_id for n in notes if n.kind == "meeting.item.overdue"}
    own = {n.user_id for n in notes if n.kind == "meeting.item.overdue.own"}
    assert above == {world.users[Role.COMMUNITY_WORKER].id}
    assert own == {world.users[Role.STATION_MANAGER].id, world.users[Role.STATION_STAFF].id}
    assert len(notes) == 3
    run_job(spec, now + timedelta(days=3))
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind.like("meeting.item.overdue%"))) == 6


def test_home_card_shows_overdue_items(client, auth, world, db):
    """The station manager's home page shows their body's overdue item; the street officer the area's."""
    meeting = make_meeting(world, held_on=today(-5), now=datetime.now(UTC) - timedelta(days=5))
    make_item(world, meeting, due_on=today(-2), now=datetime.now(UTC) - timedelta(days=5))
    db.session.commit()
    auth.login("manager")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-figure="items_mine_overdue" data-value="1"' in page
    auth.logout()
    auth.login("street")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-figure="items_overdue" data-value="1"' in page and 'data-figure="items_mine_overdue" data-value="0"' in page
