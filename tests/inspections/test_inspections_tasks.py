"""整改单逾期督办: the daily job notifies the level above about overdue orders, once per deadline and person."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.models import EventKind, Notification, RectificationEvent, Role
from pm.services.inspections import inspections, rectification
from pm.tasks import find_job
from pm.tasks.scheduler import run_job
from tests.factories import make_user, make_world

# Escalation runs once per period (upsert) and notifies once (unique key): both backends.
pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)

def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def open_order(w, compound=None, user_role=Role.STREET_OFFICER, level="street_weekly"):
    inspector = w.users[user_role]
    inspection = inspections.create_inspection(**by(inspector), level=level, target_kind="compound",
                                               target_id=(compound or w.compounds["a"][0]).id, inspected_on=TODAY,
                                               now=NOW)
    return inspections.add_finding(inspection, **by(inspector), item_code="order", deduction="0.5", note="门岗脱岗",
                                   measure="加强值守", due_on=TODAY + timedelta(days=2), now=NOW).order


def overdue_notes(db, kind="rectification.overdue"):
    return db.session.scalars(select(Notification).where(Notification.kind == kind)).all()


def test_job_is_registered():
    """The escalation job is in the JOBS registry with hours of misfire grace."""
    spec = find_job("inspections.escalate_overdue")
    assert spec is not None and spec.misfire_grace_time >= 3600


def test_overdue_station_order_escalates_to_the_community_once(db):
    """An overdue station order notifies the community workers above it (and its manager), once, however often
    the job runs."""
    w = make_world()
    order = open_order(w)
    extra_worker = make_user(Role.COMMUNITY_WORKER, w.communities["a"])
    db.session.commit()
    spec = find_job("inspections.escalate_overdue")
    on_time = run_job(spec, NOW + timedelta(days=2))
    assert on_time.ran and overdue_notes(db) == []
    run_job(spec, NOW + timedelta(days=3))
    notes = overdue_notes(db)
    assert {n.user_id for n in notes} == {w.users[Role.COMMUNITY_WORKER].id, extra_worker.id}
    own = overdue_notes(db, "rectification.overdue.own")
    assert [n.user_id for n in own] == [w.users[Role.STATION_MANAGER].id]
    run_job(spec, NOW + timedelta(days=4))
    assert len(overdue_notes(db)) == 2 and len(overdue_notes(db, "rectification.overdue.own")) == 1
    events = db.session.scalars(select(RectificationEvent).where(RectificationEvent.order_id == order.id,
                                                                 RectificationEvent.kind == EventKind.ESCALATED)).all()
    assert len(events) == 1


def test_community_order_escalates_to_street_and_reported_orders_do_not(db):
    """An overdue community order goes to the street officers; an order reported done is not escalated."""
    w = make_world()
    community_order = open_order(w, w.compounds["a"][1])
    station_order = open_order(w)
    rectification.report_done(station_order, **by(w.users[Role.STATION_STAFF]), note="已整改", now=NOW)
    counts = rectification.escalate_overdue(NOW + timedelta(days=5), scope=SYSTEM)
    assert counts == {"overdue_orders": 1, "notified": 1}
    (note,) = overdue_notes(db)
    assert note.user_id == w.users[Role.STREET_OFFICER].id and note.link.endswith(f"/{community_order.id}")


def test_street_order_escalates_to_the_county(db):
    """An overdue order of a street office goes to the county admins."""
    w = make_world()
    admin = w.users[Role.COUNTY_ADMIN]
    inspection = inspections.create_inspection(**by(admin), level="county_monthly", target_kind="street",
                                               target_id=w.streets["a"].id, inspected_on=TODAY, now=NOW)
    inspections.add_finding(inspection, **by(admin), item_code="records", deduction="1", note="台账缺失",
                            measure="补齐台账", due_on=TODAY, now=NOW)
    rectification.escalate_overdue(NOW + timedelta(days=1), scope=SYSTEM)
    assert [n.user_id for n in overdue_notes(db)] == [w.users[Role.COUNTY_ADMIN].id]
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == w.users[Role.STREET_OFFICER].id,
                                    Notification.kind == "rectification.new")) == 1


def test_cli_runs_the_job(runner, db):
    """`flask pm jobs run inspections.escalate_overdue --at ISO` runs it as of that time."""
    w = make_world()
    open_order(w)
    db.session.commit()
    result = runner.invoke(args=["pm", "jobs", "run", "inspections.escalate_overdue",
                                 "--at", (NOW + timedelta(days=10)).isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert len(overdue_notes(db)) == 1
