"""Notifications that clear themselves: "please rate" is done once rated (web and API) and "please re-check" once
re-checked, in one set-based UPDATE by the service that does the thing; the bell groups by kind."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pm.access import SYSTEM, scope_for
from pm.extensions import db as _db
from pm.models import Notification, RepairCategory, Role, Urgency
from pm.services import notifications
from pm.services.inspections import inspections, rectification
from pm.services.repairs import escalation, filing, workflow
from pm.timeutil import local_today, utcnow
from tests.factories.repairs import repair_world


def by(user):
    return {"actor": user, "scope": scope_for(user)}


@pytest.fixture
def w(app, db):
    return repair_world()


def _completed_request(w, db):
    owner, staff = w.users[Role.OWNER], w.users[Role.STATION_STAFF]
    now = utcnow() - timedelta(hours=3)
    req = filing.file_request(w.compounds["a"][0], **by(owner), category=RepairCategory.LEAK, urgency=Urgency.NORMAL,
                              description="屋面渗漏，顶楼多户受影响", household_id=w.households["a"][0].id, now=now)
    workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=now)
    workflow.start(req, **by(staff), now=now + timedelta(minutes=30))
    workflow.complete(req, **by(staff), note="已补漏", now=now + timedelta(hours=1))
    db.session.commit()
    return req


def _to_rate(user):
    return _db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                          Notification.kind == notifications.TO_RATE)).all()


def test_rating_on_the_page_marks_please_rate_done(client, auth, db, w):
    """完工 tells the filer "please rate" (unread in the bell); rating on the page marks it done and read."""
    req = _completed_request(w, db)
    owner = w.users[Role.OWNER]
    [note] = _to_rate(owner)
    assert note.subject == f"repair:{req.id}" and note.read_at is None and note.done_at is None
    auth.login("owner")
    assert 'data-unread="1"' in client.get("/notifications/").get_data(as_text=True)
    assert client.post(f"/repairs/{req.id}/confirm", data={"rate-rating": "5"}).status_code == 302
    db.session.refresh(note)
    assert note.done_at is not None and note.read_at is not None
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'data-unread="' not in page and "已办" in page


def test_rating_through_the_api_marks_please_rate_done(api, db, w):
    """The API's confirm does the same (the rule lives in the workflow service)."""
    req = _completed_request(w, db)
    resp = api(w.users[Role.OWNER]).post(f"/api/v1/repairs/{req.id}/transitions",
                                         json={"action": "confirm", "rating": 4})
    assert resp.status_code == 200, resp.get_json()
    [note] = _to_rate(w.users[Role.OWNER])
    assert note.done_at is not None


def test_reopen_and_auto_close_also_clear_please_rate(db, w):
    """Reopening answers the request too; auto-closing leaves nothing to rate (one UPDATE for the whole batch)."""
    first, second = _completed_request(w, db), _completed_request(w, db)
    owner = w.users[Role.OWNER]
    workflow.reopen(first, **by(owner), reason="还在漏水")
    later = utcnow() + timedelta(days=30)
    assert escalation.auto_close(later, scope=SYSTEM)["closed"] == 1
    db.session.commit()
    notes = {n.subject: n for n in _to_rate(owner)}
    assert notes[f"repair:{first.id}"].done_at is not None
    assert notes[f"repair:{second.id}"].done_at == later


def test_mark_done_is_set_based_and_leaves_others(db, w):
    """mark_done clears every recipient's pending to-do about the subjects, in one statement, and nothing else."""
    a, b = w.users[Role.STATION_MANAGER], w.users[Role.STATION_STAFF]
    for user in (a, b):
        notifications.notify(user, notifications.TO_RECHECK, "x", subject="rectification:1")
        notifications.notify(user, notifications.TO_RECHECK, "y", subject="rectification:2")
        notifications.notify(user, "repair.new", "z", subject="rectification:1")
    db.session.flush()
    assert notifications.mark_done([notifications.TO_RECHECK], ["rectification:1"]) == 2
    assert notifications.mark_done([notifications.TO_RECHECK], ["rectification:1"]) == 0  # already done
    done = db.session.scalars(select(Notification.title).where(Notification.done_at.is_not(None))).all()
    assert sorted(done) == ["x", "x"]


def test_recheck_marks_please_recheck_done(client, auth, db, w):
    """The station reports a fix: the inspector is asked to re-check; re-checking on the page marks it done."""
    officer = w.users[Role.STREET_OFFICER]
    inspection = inspections.create_inspection(**by(officer), level="street_weekly", target_kind="compound",
                                               target_id=w.compounds["a"][0].id, inspected_on=local_today())
    order = inspections.add_finding(inspection, **by(officer), item_code="environment", deduction="0.5",
                                    note="楼道堆物", measure="三日内清理", due_on=local_today() + timedelta(days=3)).order
    rectification.report_done(order, **by(w.users[Role.STATION_STAFF]), note="已清理")
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.kind == notifications.TO_RECHECK))
    assert note.user_id == officer.id and note.subject == f"rectification:{order.id}" and note.done_at is None
    auth.login("street")
    resp = client.post(f"/inspections/rectifications/{order.id}/recheck", data={"decision": "return", "reason": "仍有堆物"})
    assert resp.status_code == 302
    db.session.refresh(note)
    assert note.done_at is not None and note.read_at is not None


def test_bell_groups_by_kind_with_counts_newest_first(client, auth, db, w):
    """The page groups by kind: a count per kind, the group with unread ones first, newest first within."""
    manager = w.users[Role.STATION_MANAGER]
    for i in range(7):
        notifications.notify(manager, "repair.new", f"新报修 {i}")
    old = notifications.notify(manager, "repair.overdue", "超时 old")
    notifications.notify(manager, "repair.overdue", "超时 new")
    db.session.flush()
    notifications.mark_read(manager)
    notifications.notify(manager, "repair.new", "新报修 7")
    db.session.commit()
    groups = notifications.grouped_inbox(scope_for(manager))
    assert [(g.kind, g.total, g.unread) for g in groups] == [("repair.new", 8, 1), ("repair.overdue", 2, 0)]
    assert [n.title for n in groups[0].items] == ["新报修 7", "新报修 6", "新报修 5", "新报修 4", "新报修 3"]
    assert [n.title for n in groups[1].items] == ["超时 new", "超时 old"] and old.id < groups[1].items[0].id
    auth.login("manager")
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.index('data-kind="repair.new"') < page.index('data-kind="repair.overdue"')
    assert 'data-total="8"' in page and 'data-unread="1"' in page and "新报修 2" not in page
    more = client.get("/notifications/?kind=repair.new").get_data(as_text=True)
    assert "新报修 0" in more and "超时 new" not in more


def test_grouped_bell_query_count_is_fixed(client, auth, db, w, count_queries):
    """Counts are one grouped query and the items one windowed query, whatever the number of kinds."""
    manager = w.users[Role.STATION_MANAGER]
    notifications.notify(manager, "repair.new", "a")
    db.session.commit()
    auth.login("manager")
    client.get("/notifications/")
    with count_queries() as few:
        client.get("/notifications/")
    for kind in ("repair.overdue", "rectification.new", "fund.low_balance", "plan.voting"):
        for i in range(3):
            notifications.notify(manager, kind, f"{kind} {i}")
    db.session.commit()
    with count_queries() as many:
        client.get("/notifications/")
    assert many.count == few.count
