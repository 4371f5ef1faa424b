"""Inspections at three levels, findings with exact deductions, and the rectification order's life (闭合管理)."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.models import (
    EventKind,
    Finding,
    Inspection,
    Notification,
    OrderStatus,
    RectificationOrder,
    ResponsibleKind,
    Role,
)
from pm.services.inspections import inspections, rectification
from pm.services.stations import patrols
from tests.factories import make_user, make_world
from tests.factories.files import PNG

NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)

def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def photo():
    return FileStorage(stream=BytesIO(PNG), filename="p.png", content_type="image/png")


def street_inspection(w, target_kind="compound", target=None, **kw):
    target = target if target is not None else w.compounds["a"][0]
    return inspections.create_inspection(**by(w.users[Role.STREET_OFFICER]), level="street_weekly",
                                         target_kind=target_kind, target_id=target.id, inspected_on=TODAY, now=NOW,
                                         **kw)


def finding(inspection, user, **kw):
    args = {"item_code": "environment", "deduction": "0.5", "note": "楼道堆物", "measure": "三日内清理",
            "due_on": TODAY + timedelta(days=3), "now": NOW, **kw}
    return inspections.add_finding(inspection, **by(user), **args)


@pytest.mark.parametrize("role, level, kind, target", [
    (Role.COMMUNITY_WORKER, "community_daily", "compound", lambda w: w.compounds["a"][1]),
    (Role.COMMUNITY_WORKER, "community_daily", "station", lambda w: w.stations["a"]),
    (Role.STREET_OFFICER, "street_weekly", "community", lambda w: w.communities["a"]),
    (Role.STREET_OFFICER, "street_weekly", "station", lambda w: w.stations["a"]),
    (Role.COUNTY_ADMIN, "county_monthly", "street", lambda w: w.streets["b"]),
    (Role.COUNTY_ADMIN, "county_monthly", "compound", lambda w: w.compounds["b"][0]),
])
def test_each_level_inspects_its_targets(db, role, level, kind, target):
    """Community daily patrols, street weekly inspections and county monthly spot checks record their targets."""
    w = make_world()
    t = target(w)
    inspection = inspections.create_inspection(**by(w.users[role]), level=level, target_kind=kind, target_id=t.id,
                                               inspected_on=TODAY, now=NOW)
    assert inspection.target_name == t.name and inspection.inspectors == [w.users[role]]
    assert inspection.street_id in (w.streets["a"].id, w.streets["b"].id)


@pytest.mark.parametrize("role, level, kind", [
    (Role.COMMUNITY_WORKER, "street_weekly", "compound"),  # wrong level for the role
    (Role.STREET_OFFICER, "county_monthly", "compound"),
    (Role.STATION_MANAGER, "community_daily", "compound"),
    (Role.OWNER, "community_daily", "compound"),
])
def test_wrong_level_for_role_is_forbidden(db, role, level, kind):
    """A role can only carry out its own level of inspection."""
    w = make_world()
    with pytest.raises(Forbidden):
        inspections.create_inspection(**by(w.users[role]), level=level, target_kind=kind,
                                      target_id=w.compounds["a"][0].id, inspected_on=TODAY, now=NOW)


def test_wrong_target_kind_for_level(db):
    """A community patrol cannot target a street office; a street inspection cannot target a street."""
    w = make_world()
    with pytest.raises(DomainError) as err:
        inspections.create_inspection(**by(w.users[Role.COMMUNITY_WORKER]), level="community_daily",
                                      target_kind="street", target_id=w.streets["a"].id, inspected_on=TODAY, now=NOW)
    assert "target_kind" in err.value.fields
    with pytest.raises(DomainError):
        street_inspection(w, "street", w.streets["a"])


def test_street_officer_cannot_inspect_another_streets_compound(db):
    """A target outside the inspector's area is not found (and nothing is written)."""
    w = make_world()
    with pytest.raises(NotFound) as err:
        street_inspection(w, "compound", w.compounds["b"][0])
    assert "target_id" in err.value.fields
    with pytest.raises(NotFound):
        inspections.create_inspection(**by(w.users[Role.COMMUNITY_WORKER]), level="community_daily",
                                      target_kind="station", target_id=w.stations["b"].id, inspected_on=TODAY, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_future_inspection_date_is_refused(db):
    """An inspection cannot be dated in the future."""
    w = make_world()
    with pytest.raises(DomainError) as err:
        inspections.create_inspection(**by(w.users[Role.STREET_OFFICER]), level="street_weekly", target_kind="compound",
                                      target_id=w.compounds["a"][0].id, inspected_on=TODAY + timedelta(days=1), now=NOW)
    assert "inspected_on" in err.value.fields


def test_fellow_inspectors_must_be_officials_in_scope(db):
    """Fellow inspectors are official accounts in the inspector's area."""
    w = make_world()
    colleague = make_user(Role.STREET_OFFICER, w.streets["a"])
    inspection = street_inspection(w, inspector_ids=[colleague.id, w.users[Role.COMMUNITY_WORKER].id])
    assert {u.id for u in inspection.inspectors} == {w.users[Role.STREET_OFFICER].id, colleague.id,
                                                    w.users[Role.COMMUNITY_WORKER].id}
    foreign = make_user(Role.STREET_OFFICER, w.streets["b"])
    for bad in (foreign.id, w.users[Role.OWNER].id, w.users[Role.STATION_STAFF].id, 999999):
        with pytest.raises(DomainError) as err:
            street_inspection(w, inspector_ids=[bad])
        assert "inspector_ids" in err.value.fields


def test_finding_opens_an_order_for_the_serving_station_and_notifies_its_manager(db):
    """Every finding opens a rectification order; a compound served by a station makes the station responsible."""
    w = make_world()
    inspection = street_inspection(w)
    f = finding(inspection, w.users[Role.STREET_OFFICER], photos=[photo()])
    assert f.deduction == Decimal("0.50") and len(f.photos) == 1
    order = f.order
    assert order.responsible_kind == ResponsibleKind.STATION and order.station_id == w.stations["a"].id
    assert order.status == OrderStatus.OPEN and [e.kind for e in order.events] == [EventKind.OPENED]
    note = db.session.scalar(select(Notification).where(Notification.user_id == w.users[Role.STATION_MANAGER].id))
    assert note.kind == "rectification.new" and note.link.endswith(f"/{order.id}")


def test_compound_without_station_makes_the_community_responsible(db):
    """A compound no station serves: the residents' committee (community) answers for the order."""
    w = make_world()
    order = finding(street_inspection(w, "compound", w.compounds["a"][1]), w.users[Role.STREET_OFFICER]).order
    assert order.responsible_kind == ResponsibleKind.COMMUNITY and order.station_id is None
    county_order = finding(inspections.create_inspection(**by(w.users[Role.COUNTY_ADMIN]), level="county_monthly",
                                                         target_kind="street", target_id=w.streets["a"].id,
                                                 inspected_on=TODAY, now=NOW), w.users[Role.COUNTY_ADMIN]).order
    assert county_order.responsible_kind == ResponsibleKind.STREET


@pytest.mark.parametrize("deduction, field", [
    ("20.01", "deduction"), ("0", "deduction"), ("-1", "deduction"), ("0.125", "deduction"), ("abc", "deduction"),
    (0.5, "deduction"), ("", "deduction"),
])
def test_bad_deduction_is_refused(db, deduction, field):
    """Deductions are exact positive points with two decimals at most, never above the item's full points."""
    w = make_world()
    inspection = street_inspection(w)
    with pytest.raises(DomainError) as err:
        finding(inspection, w.users[Role.STREET_OFFICER], deduction=deduction)
    assert field in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


@pytest.mark.postgres
def test_deductions_of_one_item_are_capped_at_its_points(db):
    """Within one inspection, the deductions of an item never exceed its points (records: 5)."""
    w = make_world()
    inspection = street_inspection(w)
    officer = w.users[Role.STREET_OFFICER]
    finding(inspection, officer, item_code="records", deduction="3")
    finding(inspection, officer, item_code="records", deduction="2.00")
    with pytest.raises(DomainError, match="最多还能扣 0"):
        finding(inspection, officer, item_code="records", deduction="0.5")


@pytest.mark.parametrize("kwargs, field", [
    ({"item_code": "nope"}, "item_code"),
    ({"note": " "}, "note"),
    ({"measure": ""}, "measure"),
    ({"due_on": TODAY - timedelta(days=1)}, "due_on"),
    ({"due_on": None}, "due_on"),
])
def test_bad_finding_is_refused(db, kwargs, field):
    """Unknown item, empty note or measure, a deadline in the past: an error on the field, no order opened."""
    w = make_world()
    with pytest.raises(DomainError) as err:
        finding(street_inspection(w), w.users[Role.STREET_OFFICER], **kwargs)
    assert field in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(RectificationOrder)) == 0


def test_only_inspectors_add_findings(db):
    """Someone who did not take part in the inspection cannot add findings."""
    w = make_world()
    inspection = street_inspection(w)
    with pytest.raises(Forbidden):
        finding(inspection, make_user(Role.STREET_OFFICER, w.streets["a"]))


def test_report_recheck_return_and_close(db):
    """Station reports with evidence → inspector returns with a reason → station reports again → inspector closes."""
    w = make_world()
    officer, staff = w.users[Role.STREET_OFFICER], w.users[Role.STATION_STAFF]
    order = finding(street_inspection(w), officer).order
    with pytest.raises(Conflict):
        rectification.recheck(order, **by(officer), passed=True, now=NOW)  # out of order: nothing reported yet
    rectification.report_done(order, **by(staff), note="已清理", photos=[photo()], now=NOW)
    assert order.status == OrderStatus.REPORTED and order.reported_at == NOW
    with pytest.raises(Conflict):
        rectification.report_done(order, **by(staff), note="again", now=NOW)
    with pytest.raises(DomainError) as err:
        rectification.recheck(order, **by(officer), passed=False, reason=" ", now=NOW)
    assert "reason" in err.value.fields
    rectification.recheck(order, **by(officer), passed=False, reason="仍有堆物", due_on=TODAY + timedelta(days=5), now=NOW)
    assert order.status == OrderStatus.RETURNED and order.return_count == 1 and order.due_on == TODAY + timedelta(days=5)
    returned = db.session.scalar(select(Notification).where(Notification.kind == "rectification.returned"))
    assert returned.user_id == w.users[Role.STATION_MANAGER].id
    rectification.report_done(order, **by(w.users[Role.STATION_MANAGER]), note="全部清理", now=NOW + timedelta(hours=1))
    rectification.recheck(order, **by(officer), passed=True, now=NOW + timedelta(hours=2))
    assert order.status == OrderStatus.CLOSED and order.closed_at == NOW + timedelta(hours=2)
    db.session.flush()
    db.session.refresh(order)
    kinds = [e.kind for e in order.events]
    assert kinds == [EventKind.OPENED, EventKind.REPORTED, EventKind.RETURNED, EventKind.REPORTED, EventKind.CLOSED]
    assert len(order.events[1].photos) == 1
    assert all(e.at is not None for e in order.events)


def test_only_the_responsible_body_reports_and_only_inspectors_recheck(db):
    """Another station cannot report; the station cannot close its own inspection order."""
    w = make_world()
    officer = w.users[Role.STREET_OFFICER]
    order = finding(street_inspection(w), officer).order
    with pytest.raises(Forbidden):
        rectification.report_done(order, **by(make_user(Role.STATION_MANAGER, w.stations["b"])), note="x", now=NOW)
    with pytest.raises(Forbidden):
        rectification.report_done(order, **by(officer), note="x", now=NOW)
    rectification.report_done(order, **by(w.users[Role.STATION_STAFF]), note="done", now=NOW)
    with pytest.raises(Forbidden):
        rectification.recheck(order, **by(w.users[Role.STATION_MANAGER]), passed=True, now=NOW)


@pytest.mark.postgres
def test_overdue_is_computed_at_read_time(db):
    """An owed order past its deadline is overdue; a reported or closed one is not."""
    w = make_world()
    order = finding(street_inspection(w), w.users[Role.STREET_OFFICER]).order
    assert not order.is_overdue(order.due_on)
    assert order.is_overdue(order.due_on + timedelta(days=1))
    rectification.report_done(order, **by(w.users[Role.STATION_STAFF]), note="done", now=NOW)
    assert not order.is_overdue(order.due_on + timedelta(days=1))


@pytest.mark.postgres
def test_problem_checkin_opens_an_order_once(db):
    """A patrol check-in with a problem opens a station order directly; an ok one cannot; twice is refused."""
    w = make_world()
    route = patrols.create_route(w.stations["a"], name="日巡", points=["东门", "西门"], **by(w.users[Role.STATION_MANAGER]))
    staff = w.users[Role.STATION_STAFF]
    bad = patrols.checkin(route.points[0], **by(staff), status="problem", note="井盖松动", now=NOW)
    ok = patrols.checkin(route.points[1], **by(staff), status="ok", now=NOW)
    order = rectification.order_from_checkin(bad, **by(staff), measure="更换井盖", due_on=TODAY + timedelta(days=1),
                                             now=NOW)
    assert order.responsible_kind == ResponsibleKind.STATION and "井盖松动" in order.problem
    with pytest.raises(Conflict):
        rectification.order_from_checkin(bad, **by(staff), measure="x", due_on=TODAY, now=NOW)
    with pytest.raises(DomainError):
        rectification.order_from_checkin(ok, **by(staff), measure="x", due_on=TODAY, now=NOW)
    # the station manager re-checks a patrol order
    rectification.report_done(order, **by(staff), note="已更换", now=NOW)
    rectification.recheck(order, **by(w.users[Role.STATION_MANAGER]), passed=True, now=NOW)
    assert order.status == OrderStatus.CLOSED
