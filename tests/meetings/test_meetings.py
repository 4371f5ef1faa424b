"""联席会议: meetings, action items with deadlines, report and confirm, and the coverage helper."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import DomainError, Forbidden
from pm.models import ActionItem, AuditLog, BodyKind, ItemStatus, JointMeeting, Role
from pm.services.meetings import compounds_with_meeting_since, meetings
from tests.factories import make_user, make_world
from tests.factories.meetings import make_item, make_meeting

NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)


def by(user):
    return {"actor": user, "scope": scope_for(user)}


def test_meeting_with_attendees_and_an_item(db):
    """A community worker records a meeting with attendees by body; a decision becomes an item, audited."""
    w = make_world()
    worker = w.users[Role.COMMUNITY_WORKER]
    meeting = meetings.create_meeting(**by(worker), community_id=w.communities["a"].id, held_on=TODAY,
                                      topics="楼道堆物", attendees=[{"body_kind": "station",
                                                                   "body_id": w.stations["a"].id, "names": "站长"}],
                                      now=NOW)
    item = make_item(w, meeting, due_on=TODAY + timedelta(days=3), now=NOW)
    assert item.responsible_name == "a服务站" and item.status == ItemStatus.OPEN
    assert meeting.attendees[0].body_kind == BodyKind.STATION
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"meeting.create", "meeting.item.add"} <= actions


@pytest.mark.parametrize("due_on, message", [(None, "请填写办结期限"), (TODAY - timedelta(days=1), "不能早于今天")])
def test_item_needs_a_deadline_not_in_the_past(db, due_on, message):
    """An action item without a deadline, or with a past one, is refused and nothing is written."""
    w = make_world()
    meeting = make_meeting(w, held_on=TODAY, now=NOW)
    with pytest.raises(DomainError) as err:
        make_item(w, meeting, due_on=due_on, now=NOW)
    assert message in err.value.message and "due_on" in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(ActionItem)) == 0


def test_body_of_another_community_is_refused(db):
    """The responsible body must belong to the meeting's community."""
    w = make_world()
    meeting = make_meeting(w, held_on=TODAY, now=NOW)
    with pytest.raises(DomainError) as err:
        make_item(w, meeting, kind=BodyKind.STATION, body_id=w.stations["b"].id, due_on=TODAY, now=NOW)
    assert "responsible" in err.value.fields


def test_meeting_outside_scope_or_in_future_is_refused(db):
    """A community outside the convener's area is forbidden; a meeting date after today is an error."""
    w = make_world()
    worker = w.users[Role.COMMUNITY_WORKER]
    with pytest.raises(Forbidden):
        meetings.create_meeting(**by(worker), community_id=w.communities["b"].id, held_on=TODAY, topics="x", now=NOW)
    with pytest.raises(DomainError) as err:
        meetings.create_meeting(**by(worker), community_id=w.communities["a"].id, held_on=TODAY + timedelta(days=1),
                                topics="x", now=NOW)
    assert "held_on" in err.value.fields


def test_report_by_responsible_then_confirm_by_convener(db):
    """Only the responsible body reports; only the convener confirms."""
    w = make_world()
    item = make_item(w, make_meeting(w, compound=w.compounds["a"][0], held_on=TODAY, now=NOW), due_on=TODAY, now=NOW)
    with pytest.raises(Forbidden):  # the committee sees the item of its compound but does not answer for it
        meetings.report_item(item, **by(w.users[Role.COMMITTEE_MEMBER]), note="done", now=NOW)
    meetings.report_item(item, **by(w.users[Role.STATION_STAFF]), note="已施划", now=NOW)
    assert item.status == ItemStatus.REPORTED
    with pytest.raises(Forbidden):
        meetings.confirm_item(item, **by(w.users[Role.STREET_OFFICER]), now=NOW)
    meetings.confirm_item(item, **by(w.users[Role.COMMUNITY_WORKER]), now=NOW)
    assert item.status == ItemStatus.CONFIRMED and not item.is_overdue(TODAY + timedelta(days=9))


def test_overdue_is_computed_at_read_time(db):
    """An open item past its deadline is overdue; the overdue list shows exactly it."""
    w = make_world()
    meeting = make_meeting(w, held_on=TODAY, now=NOW)
    late = make_item(w, meeting, due_on=TODAY, now=NOW)
    make_item(w, meeting, due_on=TODAY + timedelta(days=10), now=NOW)
    stmt = meetings.items_stmt(scope_for(w.users[Role.STATION_MANAGER]), overdue_on=TODAY + timedelta(days=1),
                               mine=w.users[Role.STATION_MANAGER])
    assert [i.id for i in db.session.scalars(stmt)] == [late.id]


def test_station_and_committee_see_their_meetings_only(db):
    """Station staff see the meeting that charged them; side b's worker sees nothing of side a."""
    w = make_world()
    meeting = make_meeting(w, held_on=TODAY, now=NOW)
    make_item(w, meeting, due_on=TODAY, now=NOW)
    staff = scope_for(w.users[Role.STATION_STAFF])
    assert staff.contains(JointMeeting, meeting.id)
    other = make_user(Role.COMMUNITY_WORKER, w.communities["b"])
    assert not scope_for(other).contains(JointMeeting, meeting.id)


def test_compounds_with_meeting_since(db, count_queries):
    """A community meeting counts for all its compounds, a compound meeting for that one; earlier ones do not
    count; one query."""
    w = make_world()
    a1, a2 = w.compounds["a"]
    b1, b2 = w.compounds["b"]
    make_meeting(w, compound=a1, held_on=TODAY, now=NOW)
    worker_b = make_user(Role.COMMUNITY_WORKER, w.communities["b"])
    meetings.create_meeting(worker_b, scope=scope_for(worker_b), community_id=w.communities["b"].id,
                            held_on=TODAY - timedelta(days=100), topics="旧会议", now=NOW)
    since = TODAY - timedelta(days=90)
    wanted = [a1.id, a2.id, b1.id, b2.id]
    db.session.flush()
    with count_queries() as q:
        found = compounds_with_meeting_since(wanted, since)
    assert found == {a1.id} and q.count == 1
    assert compounds_with_meeting_since([b1.id, b2.id], TODAY - timedelta(days=120)) == {b1.id, b2.id}
    assert compounds_with_meeting_since([], since) == set()
    assert compounds_with_meeting_since(select(JointMeeting.compound_id).where(JointMeeting.compound_id.is_not(None)),
                                        since, scope=SYSTEM) == {a1.id}
