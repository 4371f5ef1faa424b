"""通知 API: my notifications (a page or grouped by kind), marking read; only my own, done to-dos marked."""
from __future__ import annotations

from sqlalchemy import select

from pm.models import Notification, Role
from pm.services import notifications
from tests.factories import make_world


def test_list_groups_and_mark_read(app, api, db):
    w = make_world()
    manager, staff = w.users[Role.STATION_MANAGER], w.users[Role.STATION_STAFF]
    for i in range(3):
        notifications.notify(manager, "repair.new", f"新报修 {i}")
    done = notifications.notify(manager, notifications.TO_RECHECK, "待复查", subject="rectification:9")
    theirs = notifications.notify(staff, "repair.new", "给工作人员")
    notifications.mark_done([notifications.TO_RECHECK], ["rectification:9"])
    db.session.commit()
    client = api(manager)
    page = client.get("/api/v1/notifications?kind=repair.new").get_json()
    assert page["total"] == 3 and [n["title"] for n in page["items"]] == ["新报修 2", "新报修 1", "新报修 0"]
    groups = client.get("/api/v1/notifications/groups").get_json()
    assert groups["unread"] == 3
    assert [(g["kind"], g["total"], g["unread"]) for g in groups["groups"]] == [
        ("repair.new", 3, 3), ("rectification.reported", 1, 0)]
    assert groups["groups"][1]["items"][0]["done_at"] is not None
    assert groups["groups"][1]["label"] == "整改单待复查"
    first = page["items"][0]["id"]
    resp = client.post("/api/v1/notifications/read", json={"ids": [first, theirs.id]})
    assert resp.status_code == 200 and resp.get_json() == {"changed": 1}  # another's id changes nothing
    assert db.session.scalar(select(Notification.read_at).where(Notification.id == theirs.id)) is None
    assert client.post("/api/v1/notifications/read", json={}).get_json() == {"changed": 2}
    assert client.get("/api/v1/notifications?unread=true").get_json()["total"] == 0
    assert client.post("/api/v1/notifications/read", json={"ids": []}).status_code == 422
    assert done.id in [n["id"] for n in client.get("/api/v1/notifications").get_json()["items"]]
