"""巡查督查 and 服务站日常 REST API: scoped, paginated lists; writes with field errors; no N+1."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import (
    Finding,
    Inspection,
    OrderStatus,
    RectificationOrder,
    Role,
    TeamKind,
    WorkLog,
)
from pm.services.inspections import inspections
from pm.services.stations import teams as station_teams
from pm.services.stations import worklogs
from pm.timeutil import local_today
from tests.asserts import assert_error, ids
from tests.factories import make_user


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def today(days=0):
    return (local_today() + timedelta(days=days)).isoformat()


def inspection_body(world, **kw):
    return {"level": "street_weekly", "target_kind": "compound", "target_id": world.compounds["a"][0].id,
            "inspected_on": today(), "findings": [
                {"item_code": "environment", "deduction": "0.5", "note": "楼道堆物", "measure": "清理",
                 "due_on": today(3)}], **kw}


def test_street_officer_posts_an_inspection_with_findings(api, world, db):
    """POST /inspections records the inspection and its findings, each with an order; the detail shows totals."""
    client = api(world.users[Role.STREET_OFFICER])
    body = inspection_body(world)
    body["findings"].append({"item_code": "parking", "deduction": 1.25, "note": "乱停车", "measure": "划线",
                             "due_on": today(5)})
    resp = client.post("/api/v1/inspections", json=body)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["total_deduction"] == "1.75" and len(data["findings"]) == 2
    assert all(f["rectification_id"] for f in data["findings"])
    order = client.get(f"/api/v1/rectifications/{data['findings'][0]['rectification_id']}").get_json()
    assert order["status"] == "open" and order["is_overdue"] is False and order["events"][0]["kind"] == "opened"


@pytest.mark.parametrize("change, field", [
    ({"level": "county_monthly"}, "level"),
    ({"target_kind": "street"}, "target_kind"),
    ({"inspected_on": "tomorrow"}, "inspected_on"),  # computed when the test runs, not when it is collected
    ({"inspected_on": "2026-02-30"}, "inspected_on"),
    ({"unknown": 1}, "unknown"),
    ({"target_id": "x"}, "target_id"),
])
def test_bad_inspection_is_refused_with_the_field(api, world, db, change, field):
    """Wrong level or target kind, a future or invalid date, unknown fields: an error naming the field."""
    client = api(world.users[Role.STREET_OFFICER])
    if change.get("inspected_on") == "tomorrow":
        change = {"inspected_on": today(1)}
    resp = client.post("/api/v1/inspections", json=inspection_body(world, **change))
    assert resp.status_code in (403, 422)
    assert_error(resp, resp.status_code, field)
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


@pytest.mark.parametrize("finding, field", [
    ({"deduction": "20.5"}, "findings.0.deduction"),
    ({"deduction": "0.001"}, "findings.0.deduction"),
    ({"deduction": True}, "findings.0.deduction"),
    ({"item_code": "nope"}, "findings.0.item_code"),
    ({"due_on": today(-1)}, "findings.0.due_on"),
])
def test_bad_finding_rolls_back_everything(api, world, db, finding, field):
    """A bad finding names its field, and neither the inspection nor any finding is saved."""
    client = api(world.users[Role.STREET_OFFICER])
    body = inspection_body(world)
    body["findings"][0].update(finding)
    assert_error(client.post("/api/v1/inspections", json=body), 422, field)
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


def test_another_streets_compound_is_not_found(api, world, db):
    """A street officer cannot inspect another street's compound: 404 naming target_id."""
    client = api(world.users[Role.STREET_OFFICER])
    resp = client.post("/api/v1/inspections", json=inspection_body(world, target_id=world.compounds["b"][0].id))
    assert_error(resp, 404, "target_id")


def test_order_lifecycle_over_the_api(api, world, db):
    """Report → return (reason required) → report → close; out-of-order steps are 409s."""
    officer = api(world.users[Role.STREET_OFFICER])
    staff = api(world.users[Role.STATION_STAFF])
    order_id = officer.post("/api/v1/inspections", json=inspection_body(world)).get_json()["findings"][0][
        "rectification_id"]
    assert_error(officer.post(f"/api/v1/rectifications/{order_id}/recheck", json={"decision": "close"}), 409)
    assert staff.post(f"/api/v1/rectifications/{order_id}/report", json={"note": "已清理"}).status_code == 200
    assert_error(staff.post(f"/api/v1/rectifications/{order_id}/recheck", json={"decision": "close"}), 403)
    assert_error(officer.post(f"/api/v1/rectifications/{order_id}/recheck", json={"decision": "return"}), 422, "reason")
    resp = officer.post(f"/api/v1/rectifications/{order_id}/recheck",
                        json={"decision": "return", "reason": "不彻底", "due_on": today(2)})
    assert resp.get_json()["status"] == "returned" and resp.get_json()["return_count"] == 1
    staff.post(f"/api/v1/rectifications/{order_id}/report", json={"note": "再次清理"})
    resp = officer.post(f"/api/v1/rectifications/{order_id}/recheck", json={"decision": "close"})
    body = resp.get_json()
    assert body["status"] == "closed" and [e["kind"] for e in body["events"]] == [
        "opened", "reported", "returned", "reported", "closed"]


@pytest.mark.postgres
def test_queue_is_scoped_and_filters_overdue(api, world, db):
    """Each station sees only its own orders; ?overdue=true lists only overdue ones."""
    officer = world.users[Role.STREET_OFFICER]
    inspection = inspections.create_inspection(**by(officer), level="street_weekly", target_kind="compound",
                                               target_id=world.compounds["a"][0].id, inspected_on=local_today())
    late = inspections.add_finding(inspection, **by(officer), item_code="order", deduction="1", note="脱岗", measure="值守",
                                   due_on=local_today()).order
    late.due_on = local_today() - timedelta(days=1)
    fresh = inspections.add_finding(inspection, **by(officer), item_code="parking", deduction="1", note="乱停",
                                    measure="划线", due_on=local_today() + timedelta(days=4)).order
    other = make_user(Role.STATION_MANAGER, world.stations["b"])
    db.session.commit()
    assert ids(api(world.users[Role.STATION_MANAGER]).get("/api/v1/rectifications")) == {late.id, fresh.id}
    resp = api(world.users[Role.STATION_MANAGER]).get("/api/v1/rectifications?overdue=true")
    assert ids(resp) == {late.id} and resp.get_json()["items"][0]["is_overdue"] is True
    assert ids(api(other).get("/api/v1/rectifications")) == set()
    assert_error(api(other).get(f"/api/v1/rectifications/{late.id}"), 404)


@pytest.mark.parametrize("role", [Role.OWNER, Role.RESIDENT, Role.COMMITTEE_MEMBER])
def test_owners_and_residents_have_no_access(api, world, db, role):
    """Owners, residents and committee members get 403 from every list."""
    client = api(world.users[role])
    for url in ("/api/v1/inspections", "/api/v1/rectifications", "/api/v1/work-logs", "/api/v1/assessment-items"):
        assert_error(client.get(url), 403)


def test_assessment_items(api, world, db):
    """The built-in sheet lists items with exact full points summing to 100."""
    items = api(world.users[Role.STREET_OFFICER]).get("/api/v1/assessment-items").get_json()["items"]
    assert sum(int(i["max_points"].split(".")[0]) for i in items) == 100
    assert {"code": "environment", "name": "环境卫生/保洁", "max_points": "20.00"} in items


@pytest.mark.postgres
def test_work_logs_over_the_api(api, world, db):
    """Staff post a log (future dates and duplicates refused); officials list a station's logs in their area."""
    manager = world.users[Role.STATION_MANAGER]
    teams = {t.kind: t for t in station_teams.ensure_teams(world.stations["a"], **by(manager))}
    db.session.commit()
    staff = api(world.users[Role.STATION_STAFF])
    body = {"team_id": teams[TeamKind.CLEANING].id, "log_on": today(), "shift": "morning", "content": "清扫"}
    assert staff.post("/api/v1/work-logs", json=body).status_code == 201
    assert_error(staff.post("/api/v1/work-logs", json=body), 409, "shift")
    assert_error(staff.post("/api/v1/work-logs", json={**body, "log_on": today(1), "shift": "evening"}), 422, "log_on")
    assert_error(staff.post("/api/v1/work-logs", json={**body, "shift": "night"}), 422, "shift")
    community = api(world.users[Role.COMMUNITY_WORKER])
    assert len(ids(community.get(f"/api/v1/work-logs?station_id={world.stations['a'].id}"))) == 1
    assert_error(community.get(f"/api/v1/work-logs?station_id={world.stations['b'].id}"), 404, "station_id")
    gaps = staff.get(f"/api/v1/work-logs/gaps?month={local_today():%Y-%m}").get_json()
    cleaning = next(t for t in gaps["teams"] if t["team_id"] == teams[TeamKind.CLEANING].id)
    assert local_today().isoformat() not in cleaning["missing"]
    foreign = make_user(Role.STATION_STAFF, world.stations["b"])
    db.session.commit()
    assert ids(api(foreign).get("/api/v1/work-logs")) == set()
    assert_error(api(foreign).post("/api/v1/work-logs", json={**body, "shift": "midday"}), 404, "team_id")
    assert db.session.scalar(select(func.count()).select_from(WorkLog)) == 1


def test_patrol_over_the_api(api, world, db):
    """The manager creates a route; staff check in, a problem opening an order; the run shows missed points."""
    manager = api(world.users[Role.STATION_MANAGER])
    route = manager.post("/api/v1/patrol-routes", json={"name": "日巡", "points": ["东门", "西门"]}).get_json()
    staff = api(world.users[Role.STATION_STAFF])
    point = route["points"][0]["id"]
    resp = staff.post(f"/api/v1/patrol-points/{point}/checkins", json={
        "status": "problem", "note": "井盖松动", "rectification": {"measure": "更换", "due_on": today(1)}})
    assert resp.status_code == 201 and resp.get_json()["rectification_id"]
    assert_error(staff.post(f"/api/v1/patrol-points/{point}/checkins", json={"status": "problem"}), 422, "note")
    run = staff.get(f"/api/v1/patrol-routes/{route['id']}/run").get_json()
    assert run["missed"] == 1 and [p["missed"] for p in run["points"]] == [False, True]
    order = db.session.get(RectificationOrder, resp.get_json()["rectification_id"])
    assert order.status == OrderStatus.OPEN and order.station_id == world.stations["a"].id
    resp = staff.post(f"/api/v1/patrol-points/{route['points'][1]['id']}/checkins", json={
        "status": "problem", "note": "路灯不亮", "repair": {"category": "lighting"}})
    assert resp.status_code == 201 and resp.get_json()["repair_request_id"]
    bad = staff.post(f"/api/v1/patrol-points/{point}/checkins", json={
        "status": "problem", "note": "x", "repair": {"category": "nonsense"}})
    assert_error(bad, 422, "repair.category")
    foreign = make_user(Role.STATION_STAFF, world.stations["b"])
    db.session.commit()
    assert_error(api(foreign).get(f"/api/v1/patrol-routes/{route['id']}/run"), 404)
    assert_error(api(foreign).post(f"/api/v1/patrol-points/{point}/checkins", json={"status": "ok"}), 404)


@pytest.mark.parametrize("url", ["/api/v1/inspections?per_page=100", "/api/v1/rectifications?per_page=100"])
def test_lists_query_count_does_not_grow(api, world, db, count_queries, url):
    """Lists run the same number of queries for 5 and 50 rows."""
    officer = world.users[Role.STREET_OFFICER]

    def rows(n):
        for i in range(n):
            inspection = inspections.create_inspection(**by(officer), level="street_weekly", target_kind="compound",
                                                       target_id=world.compounds["a"][0].id, inspected_on=local_today())
            inspections.add_finding(inspection, **by(officer), item_code="greening", deduction="1", note=f"n{i}",
                                    measure="m", due_on=local_today())
        db.session.commit()

    client = api(officer)
    rows(5)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    rows(45)
    with count_queries() as many:
        resp = client.get(url)
    assert resp.get_json()["total"] == 50
    assert few.count == many.count


def test_work_log_list_query_count_does_not_grow(api, world, db, count_queries):
    """GET /work-logs runs the same number of queries for 5 and 50 logs."""
    teams = station_teams.ensure_teams(world.stations["a"], **by(world.users[Role.STATION_MANAGER]))

    def logs(start, n):
        for i in range(start, start + n):
            worklogs.create_log(teams[i % 4], log_on=local_today() - timedelta(days=i // 4), shift="full_day",
                                content=f"日志{i}", **by(world.users[Role.STATION_STAFF]))
        db.session.commit()

    client = api(world.users[Role.STATION_STAFF])
    logs(0, 5)
    client.get("/api/v1/work-logs?per_page=100")
    with count_queries() as few:
        assert client.get("/api/v1/work-logs?per_page=100").status_code == 200
    logs(5, 45)
    with count_queries() as many:
        resp = client.get("/api/v1/work-logs?per_page=100")
    assert resp.get_json()["total"] == 50 and few.count == many.count
