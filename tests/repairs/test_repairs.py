"""报事报修 service: filing, workflow order, deadlines, scope, rate limit, escalation, auto-close, metrics."""
from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.models import (
    DeadlineRule,
    Notification,
    RepairCategory,
    RepairEvent,
    RepairPhoto,
    RepairRequest,
    RepairStatus,
    Role,
    Urgency,
    WorkCalendarDay,
)
from pm.services.periods import Month
from pm.services.repairs import (
    deadlines,
    escalation,
    filing,
    funding,
    metrics,
    portal,
    queue,
    workflow,
)
from pm.timeutil import to_local
from tests.factories import make_user
from tests.factories.repairs import NOW, PNG, png, repair_world


@pytest.fixture
def w(app, db):
    return repair_world()


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def _file(w, db, *, who=Role.OWNER, now=NOW, **kw):
    user = w.users[who]
    kw.setdefault("category", RepairCategory.WATER_SUPPLY)
    kw.setdefault("urgency", Urgency.NORMAL)
    kw.setdefault("description", "厨房水管漏水很严重")
    kw.setdefault("household_id", w.households["a"][0].id)
    req = filing.file_request(w.compounds["a"][0], **by(user), now=now, **kw)
    db.session.commit()
    return req


def _token(w):
    """The public page token of compound a (made by its community worker)."""
    worker = w.users[Role.COMMUNITY_WORKER]
    return portal.open_portal(w.compounds["a"][0], **by(worker)).token


def _staff(w):
    u = w.users[Role.STATION_STAFF]
    return u, scope_for(u)


def _run_to_completed(w, db, req, now=NOW):
    staff, scope = _staff(w)
    workflow.dispatch(req, actor=staff, scope=scope, team_id=w.team.id, assignee_id=staff.id, now=now)
    workflow.start(req, actor=staff, scope=scope, now=now + timedelta(minutes=30))
    workflow.complete(req, actor=staff, scope=scope, note="已更换阀门", now=now + timedelta(hours=2))
    db.session.commit()


def test_owner_files_for_own_household_with_deadlines_and_station_notified(w, db):
    """Filing sets status, station, the 24 h response and 2-working-day deadlines, an event and a notification."""
    req = _file(w, db, photos=[png(), png("b.png")])
    assert req.status == RepairStatus.SUBMITTED and req.station_id == w.stations["a"].id
    assert req.response_due_at == NOW + timedelta(hours=24)
    # Monday 10:00 → end of Wednesday (Beijing time)
    assert to_local(req.completion_due_at).isoformat() == "2026-03-05T00:00:00+08:00"
    assert not req.is_deadline_unknown
    assert len(req.photos) == 2 and req.events[0].kind == "submitted"
    manager = w.users[Role.STATION_MANAGER]
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == manager.id, Notification.kind == "repair.new")) == 1


def test_emergency_on_site_deadline_depends_on_service_grade(w, db):
    """Emergency: on site within 30 minutes at grade 1, 1 hour otherwise."""
    compound = w.compounds["a"][0]
    req = _file(w, db, urgency=Urgency.EMERGENCY)
    assert req.onsite_due_at == NOW + timedelta(hours=1)
    compound.service_grade = 1
    db.session.commit()
    req = _file(w, db, urgency=Urgency.EMERGENCY, confirm_duplicate=True)  # the same home again: confirmed
    assert req.onsite_due_at == NOW + timedelta(minutes=30)


def test_emergency_refused_for_non_emergency_category(w, db):
    """Greening cannot be filed as an emergency; nothing is stored."""
    with pytest.raises(DomainError) as err:
        _file(w, db, category=RepairCategory.GREENING, urgency=Urgency.EMERGENCY)
    assert "urgency" in err.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 0


def test_county_rule_overrides_default(w, db):
    """A county DeadlineRule for the category beats the defaults."""
    db.session.add(DeadlineRule(county_id=w.county.id, category=RepairCategory.WATER_SUPPLY, urgency=Urgency.NORMAL,
                                response_minutes=60, completion_hours=8))
    db.session.commit()
    req = _file(w, db)
    assert req.response_due_at == NOW + timedelta(hours=1)
    assert req.completion_due_at == NOW + timedelta(hours=8)


def test_deadline_in_unknown_year_is_flagged_not_failed(w, db):
    """A 2-working-day deadline in 2027 (unknown to the library and the county) is flagged, not an error."""
    req = _file(w, db, now=NOW.replace(year=2027))
    assert req.is_deadline_unknown and req.completion_due_at is None


def test_county_schedule_teaches_unknown_year(w, db):
    """Once the county enters 2027's schedule, a 2027 deadline is computed with its holidays."""
    db.session.add(WorkCalendarDay(county_id=w.county.id, day=date(2027, 3, 2), is_workday=False, note="假"))
    db.session.commit()
    now = NOW.replace(year=2027, day=1)  # Monday 2027-03-01 10:00 Beijing
    req = _file(w, db, now=now)
    assert not req.is_deadline_unknown
    assert to_local(req.completion_due_at).isoformat() == "2027-03-05T00:00:00+08:00"  # Wed, Thu → end of Thursday


def test_household_bound_user_cannot_file_for_another_home(w, db):
    """An owner filing for a household that is not theirs gets an error."""
    with pytest.raises(DomainError) as err:
        _file(w, db, household_id=w.households["a"][1].id)
    assert "household_id" in err.value.fields


def test_foreign_compound_filing_is_not_found(w, db):
    """Filing in a compound outside one's scope is a 404."""
    user = w.users[Role.OWNER]
    with pytest.raises(NotFound):
        filing.file_request(w.compounds["b"][0], **by(user), category="road",
                            urgency="normal", description="路面坑洼很多", now=NOW)


def test_seven_photos_refused_and_nothing_stored(w, db, app):
    """More than six photos is refused and no file or row is left."""
    with pytest.raises(DomainError):
        _file(w, db, photos=[png(f"{i}.png") for i in range(7)])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RepairPhoto)) == 0


def test_non_image_refused_and_earlier_files_removed(w, db, app):
    """A text file disguised as .jpg is refused by content; photos already written are deleted."""
    import os

    with pytest.raises(DomainError) as err:
        _file(w, db, photos=[png(), png("x.jpg", b"hello world, not an image")])
    assert "photos" in err.value.fields
    db.session.rollback()
    root = os.path.join(app.config["UPLOAD_DIR"], "repairs")
    assert not os.path.exists(root) or all(not files for _, _, files in os.walk(root))


def test_oversized_photo_refused(w, db):
    """A photo over the size limit is refused."""
    big = PNG + b"\x00" * (8 * 1024 * 1024)
    with pytest.raises(DomainError):
        _file(w, db, photos=[png("big.png", big)])


def test_full_workflow_with_timeline(w, db):
    """submitted → accepted → dispatched → in progress → completed → confirmed → closed, each with an event."""
    req = _file(w, db)
    _run_to_completed(w, db, req)
    owner = w.users[Role.OWNER]
    workflow.confirm(req, **by(owner), rating=5, comment="很好", now=NOW + timedelta(hours=3))
    db.session.commit()
    kinds = [e.kind for e in db.session.scalars(select(RepairEvent).where(RepairEvent.request_id == req.id)
                                                 .order_by(RepairEvent.id))]
    assert kinds == ["submitted", "accepted", "dispatched", "started", "completed", "confirmed", "closed"]
    assert req.status == RepairStatus.CLOSED and req.rating == 5
    staff = w.users[Role.STATION_STAFF]
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == staff.id, Notification.kind == "repair.dispatched")) == 1


def test_out_of_order_transition_is_conflict_and_changes_nothing(w, db):
    """Completing a request that was never started is a Conflict; status unchanged."""
    req = _file(w, db)
    staff, scope = _staff(w)
    with pytest.raises(Conflict):
        workflow.complete(req, actor=staff, scope=scope, note="完成了", now=NOW)
    db.session.rollback()
    assert db.session.get(RepairRequest, req.id).status == RepairStatus.SUBMITTED


def test_dispatch_to_other_stations_team_refused(w, db):
    """A team of another station cannot receive the request."""
    req = _file(w, db)
    staff, scope = _staff(w)
    with pytest.raises(DomainError) as err:
        workflow.dispatch(req, actor=staff, scope=scope, team_id=w.team_b.id, assignee_id=w.staff_b.id, now=NOW)
    assert "team_id" in err.value.fields


def test_other_station_cannot_act(w, db):
    """Staff of station b acting on a request of station a: not found."""
    req = _file(w, db)
    with pytest.raises(NotFound):
        workflow.accept(req, actor=w.staff_b, scope=scope_for(w.staff_b), now=NOW)


def test_rating_someone_elses_request_forbidden(w, db):
    """Only the filer may confirm and rate."""
    req = _file(w, db)
    _run_to_completed(w, db, req)
    with pytest.raises(Forbidden):
        workflow.confirm(req, **by(w.users[Role.RESIDENT]), rating=1, now=NOW + timedelta(hours=3))


def test_rating_out_of_range(w, db):
    """A rating of 6 is refused."""
    req = _file(w, db)
    _run_to_completed(w, db, req)
    with pytest.raises(DomainError):
        workflow.confirm(req, **by(w.users[Role.OWNER]), rating=6, now=NOW + timedelta(hours=3))


def test_reject_needs_reason(w, db):
    """Rejecting without a reason is refused; with one, the filer is told."""
    req = _file(w, db)
    staff, scope = _staff(w)
    with pytest.raises(DomainError):
        workflow.reject(req, actor=staff, scope=scope, reason="  ", now=NOW)
    workflow.reject(req, actor=staff, scope=scope, reason="属于供水公司管线", now=NOW)
    db.session.commit()
    assert req.status == RepairStatus.REJECTED
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "repair.rejected")) == 1


def test_reopen_within_days_counts_and_notifies(w, db):
    """The filer reopens within 7 days: back to the staff member, reopen_count 1, the staff member notified."""
    req = _file(w, db)
    _run_to_completed(w, db, req)
    workflow.reopen(req, **by(w.users[Role.OWNER]), reason="还在漏水", now=NOW + timedelta(days=2))
    db.session.commit()
    assert req.status == RepairStatus.DISPATCHED and req.reopen_count == 1 and req.completed_at is None
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "repair.reopened", Notification.user_id == w.users[Role.STATION_STAFF].id)) == 1


def test_reopen_after_window_refused(w, db):
    """Reopening 8 days after completion is refused."""
    req = _file(w, db)
    _run_to_completed(w, db, req)
    with pytest.raises(Conflict):
        workflow.reopen(req, **by(w.users[Role.OWNER]), reason="还在漏水", now=NOW + timedelta(days=8))


def test_transfer_to_another_team(w, db):
    """A dispatched request can be transferred to another team of the station."""
    from pm.models import Team, TeamKind

    req = _file(w, db)
    staff, scope = _staff(w)
    other = make_user(Role.STATION_STAFF, w.stations["a"], username="cleaner")
    team2 = Team(station_id=w.stations["a"].id, kind=TeamKind.CLEANING, name="保洁队", members=[other])
    db.session.add(team2)
    db.session.commit()
    workflow.dispatch(req, actor=staff, scope=scope, team_id=w.team.id, assignee_id=staff.id, now=NOW)
    workflow.transfer(req, actor=staff, scope=scope, team_id=team2.id, assignee_id=other.id, note="属保洁",
                      now=NOW + timedelta(minutes=5))
    db.session.commit()
    assert req.team_id == team2.id and req.assignee_id == other.id and req.events[-1].kind == "transferred"


def test_agreed_time_in_past_refused(w, db):
    """An agreed completion time in the past is refused and the deadline is unchanged."""
    req = _file(w, db)
    staff, scope = _staff(w)
    due = req.completion_due_at
    with pytest.raises(DomainError) as err:
        workflow.agree_time(req, actor=staff, scope=scope, at=NOW - timedelta(hours=1), now=NOW)
    assert "agreed_at" in err.value.fields
    db.session.rollback()
    assert db.session.get(RepairRequest, req.id).completion_due_at == due


def test_agreed_time_replaces_deadline(w, db):
    """An agreed time becomes the completion deadline."""
    req = _file(w, db)
    staff, scope = _staff(w)
    at = NOW + timedelta(days=5)
    workflow.agree_time(req, actor=staff, scope=scope, at=at, now=NOW)
    assert req.completion_due_at == at and req.is_time_agreed


@pytest.mark.postgres
def test_overdue_computed_at_read_time(w, db):
    """A request is overdue once its response deadline passes while unaccepted."""
    req = _file(w, db)
    assert not req.is_overdue(NOW + timedelta(hours=23))
    assert req.is_overdue(NOW + timedelta(hours=25))
    scope = scope_for(w.users[Role.STATION_MANAGER])
    stmt = queue.queue_stmt(scope, now=NOW + timedelta(hours=25), overdue=True)
    assert [r.id for r in db.session.scalars(stmt).unique()] == [req.id]


@pytest.mark.postgres
def test_escalation_community_then_street_idempotent(w, db):
    """Overdue: the community is notified, later the street office; running twice sends nothing new."""
    req = _file(w, db)
    t1 = NOW + timedelta(hours=25)
    assert escalation.escalate_overdue(t1, scope=SYSTEM) == {"community": 1, "street": 0}
    assert escalation.escalate_overdue(t1, scope=SYSTEM) == {"community": 0, "street": 0}
    t2 = NOW + timedelta(hours=24 + 25)
    assert escalation.escalate_overdue(t2, scope=SYSTEM) == {"community": 0, "street": 1}
    db.session.commit()
    kinds = dict(db.session.execute(select(Notification.user_id, func.count()).where(
        Notification.kind == "repair.overdue").group_by(Notification.user_id)).all())
    assert kinds == {w.users[Role.COMMUNITY_WORKER].id: 1, w.users[Role.STREET_OFFICER].id: 1}
    assert req.escalation_level == 2


@pytest.mark.postgres
def test_auto_close_after_days(w, db):
    """A completed request not confirmed within 3 days is closed by the job."""
    req = _file(w, db)
    _run_to_completed(w, db, req)
    assert escalation.auto_close(NOW + timedelta(days=2), scope=SYSTEM) == {"closed": 0}
    assert escalation.auto_close(NOW + timedelta(days=4), scope=SYSTEM) == {"closed": 1}
    assert req.status == RepairStatus.CLOSED and req.events[-1].kind == "auto_closed"


@pytest.mark.postgres
def test_public_rate_limit_per_phone(w, db):
    """The public page accepts 5 requests per phone per hour, then refuses with a clear message."""
    token = _token(w)
    for i in range(5):
        filing.file_public(token, category="lighting", urgency="normal",
                           description=f"楼道灯不亮 {i}", filer_phone="13900001111", ip=f"10.0.0.{i}",
                           now=NOW + timedelta(minutes=i))
    with pytest.raises(DomainError) as err:
        filing.file_public(token, category="lighting", urgency="normal",
                           description="楼道灯不亮 6", filer_phone="13900001111", ip="10.0.0.9",
                           now=NOW + timedelta(minutes=10))
    assert "filer_phone" in err.value.fields
    # an hour later it is accepted again
    filing.file_public(token, category="lighting", urgency="normal",
                       description="楼道灯不亮 7", filer_phone="13900001111", ip="10.0.0.9",
                       now=NOW + timedelta(minutes=61))


@pytest.mark.postgres
def test_public_rate_limit_per_ip(w, db):
    """Ten public requests from one IP address per hour, whatever the phone numbers."""
    token = _token(w)
    for i in range(10):
        filing.file_public(token, category="road", urgency="normal",
                           description="路面破损严重", filer_phone=f"1390000{i:04d}", ip="10.1.1.1", now=NOW)
    with pytest.raises(DomainError):
        filing.file_public(token, category="road", urgency="normal",
                           description="路面破损严重", filer_phone="13911112222", ip="10.1.1.1", now=NOW)


def test_public_filing_needs_mobile_and_common_area(w, db):
    """Without an account: a valid mobile number, and no household."""
    token = _token(w)
    with pytest.raises(DomainError):
        filing.file_public(token, category="road", urgency="normal",
                           description="路面破损严重", filer_phone="12345", now=NOW)
    with pytest.raises(DomainError):
        filing.file_public(token, category="road", urgency="normal",
                           description="路面破损严重", filer_phone="13912345678",
                           household_id=w.households["a"][0].id, now=NOW)


def test_scope_residents_see_own_station_sees_station(w, db):
    """The owner sees their request, the tenant of another home does not; station a sees it, station b not."""
    req = _file(w, db)

    def visible(user):
        return db.session.scalars(scope_for(user).select(RepairRequest)).all()

    assert [r.id for r in visible(w.users[Role.OWNER])] == [req.id]
    assert visible(w.users[Role.RESIDENT]) == []
    assert [r.id for r in visible(w.users[Role.STATION_STAFF])] == [req.id]
    assert [r.id for r in visible(w.users[Role.STREET_OFFICER])] == [req.id]
    assert visible(w.staff_b) == []


def test_needs_fund_only_for_common_area(w, db):
    """A household repair cannot be marked for the fund; a common-area one opens a linked draft plan."""
    req = _file(w, db)
    manager = w.users[Role.STATION_MANAGER]
    with pytest.raises(DomainError):
        funding.mark_needs_fund(req, **by(manager), budget_fen=100000)
    db.session.rollback()
    common = _file(w, db, household_id=None, category=RepairCategory.LEAK, description="屋面渗漏，多户受影响")
    plan = funding.mark_needs_fund(common, **by(manager), budget_fen=500000)
    db.session.commit()
    assert common.needs_fund and common.use_plan_id == plan.id and plan.repair_request_id == common.id


@pytest.mark.postgres
def test_metrics_exact_fractions(w, db):
    """Count, on-time rates, average rating and reopen rate of a station's month are exact."""
    a = _file(w, db)
    _run_to_completed(w, db, a)
    workflow.confirm(a, **by(w.users[Role.OWNER]), rating=4, now=NOW + timedelta(hours=3))
    b = _file(w, db, description="卫生间下水堵塞")
    _ = b  # never accepted: late for response once its deadline passes
    db.session.commit()
    m = metrics.station_metrics([w.stations["a"].id], Month(2026, 3), as_of=NOW + timedelta(days=5))[w.stations["a"].id]
    assert m.count == 2
    assert m.response_on_time_rate == Fraction(1, 2)
    assert m.completion_on_time_rate == Fraction(1, 2)
    assert m.average_rating == Fraction(4)
    assert m.reopen_rate == Fraction(0)


@pytest.mark.postgres
def test_emergency_overdue_when_nobody_on_site(w, db):
    """An emergency accepted but with nobody on site after the on-site deadline is overdue; on site it is not."""
    req = _file(w, db, urgency=Urgency.EMERGENCY)
    staff, scope = _staff(w)
    workflow.dispatch(req, actor=staff, scope=scope, team_id=w.team.id, assignee_id=staff.id,
                      now=NOW + timedelta(minutes=5))
    assert req.is_overdue(NOW + timedelta(minutes=61))
    workflow.start(req, actor=staff, scope=scope, now=NOW + timedelta(minutes=62))
    assert not req.is_overdue(NOW + timedelta(minutes=63))


def test_deadline_rule_validation_and_capability(w, db):
    """Only the county admin sets rules; non-positive or double completion limits are refused."""
    county_admin, manager = w.users[Role.COUNTY_ADMIN], w.users[Role.STATION_MANAGER]
    base = dict(category=None, urgency=Urgency.NORMAL, service_grade=None, response_minutes=60, onsite_minutes=None,
                completion_workdays=3, completion_hours=None)
    with pytest.raises(Forbidden):
        deadlines.upsert_rule(w.county.id, **by(manager), **base)
    with pytest.raises(DomainError):
        deadlines.upsert_rule(w.county.id, **by(county_admin), **{**base, "response_minutes": 0})
    with pytest.raises(DomainError):
        deadlines.upsert_rule(w.county.id, **by(county_admin), **{**base, "completion_hours": 8})
    rule = deadlines.upsert_rule(w.county.id, **by(county_admin), **base)
    again = deadlines.upsert_rule(w.county.id, **by(county_admin), **{**base, "completion_workdays": 4})
    assert again.id == rule.id and again.completion_workdays == 4


def test_followup_recorded_after_completion_only(w, db):
    """回访 is refused before completion and recorded after it, with a timeline event."""
    req = _file(w, db)
    staff, scope = _staff(w)
    with pytest.raises(Conflict):
        workflow.record_followup(req, actor=staff, scope=scope, note="电话回访满意", now=NOW)
    db.session.rollback()
    _run_to_completed(w, db, req)
    workflow.record_followup(req, actor=staff, scope=scope, note="电话回访满意", now=NOW + timedelta(days=1))
    assert req.followup_note == "电话回访满意" and req.events[-1].kind == "followup"


def test_only_assignee_or_manager_completes(w, db):
    """Another staff member of the station cannot start someone else's job."""
    req = _file(w, db)
    staff, scope = _staff(w)
    other = make_user(Role.STATION_STAFF, w.stations["a"], username="other_staff")
    workflow.dispatch(req, actor=staff, scope=scope, team_id=w.team.id, assignee_id=staff.id, now=NOW)
    with pytest.raises(Forbidden):
        workflow.start(req, **by(other), now=NOW)
