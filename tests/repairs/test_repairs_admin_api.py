"""Stations' teams and members, deadline rules, the work calendar, the public filing page and historical repairs
through the API (the same services as the pages)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from pm.models import DeadlineRule, RepairRequest, Role, WorkCalendarDay
from tests.asserts import assert_error


def test_station_manager_sets_up_teams_and_members(world, api, db):
    manager = api(world.users[Role.STATION_MANAGER])
    made = manager.post("/api/v1/teams/setup")
    assert made.status_code == 200, made.get_json()
    team = made.get_json()["teams"][0]
    staff = world.users[Role.STATION_STAFF]
    added = manager.post(f"/api/v1/teams/{team['id']}/members", json={"user_id": staff.id})
    assert added.status_code == 200 and [m["id"] for m in added.get_json()["members"]] == [staff.id]
    removed = manager.post(f"/api/v1/teams/{team['id']}/members/{staff.id}/remove")
    assert removed.status_code == 200 and removed.get_json()["members"] == []
    assert_error(api(staff).post("/api/v1/teams/setup"), 403)


def test_county_admin_sets_rules_and_calendar(world, api, db):
    county = api(world.users[Role.COUNTY_ADMIN])
    base = f"/api/v1/counties/{world.county.id}"
    rule = county.post(base + "/repair-rules", json={"urgency": "urgent", "response_minutes": 20,
                                                     "completion_workdays": 2})
    assert rule.status_code == 200, rule.get_json()
    assert county.get(base + "/repair-rules").get_json()["total"] == 1
    assert_error(county.post(base + "/repair-rules", json={"urgency": "urgent", "response_minutes": 0}), 422)
    day = county.post(base + "/work-calendar", json={"day": "2026-10-01", "is_workday": False, "note": "国庆"})
    assert day.status_code == 200, day.get_json()
    assert county.get(base + "/work-calendar?year=2026").get_json()["items"][0]["day"] == "2026-10-01"
    assert_error(api(world.users[Role.STREET_OFFICER]).post(base + "/repair-rules", json={
        "urgency": "urgent", "response_minutes": 20}), 403)
    assert db.session.scalar(select(DeadlineRule.response_minutes)) == 20
    assert db.session.scalar(select(WorkCalendarDay.is_workday)) is False


def test_portal_through_the_api(world, api, db):
    resp = api(world.users[Role.STATION_MANAGER]).post(f"/api/v1/compounds/{world.compounds['a'][0].id}/repair-portal")
    assert resp.status_code == 200 and "/repairs/public/" in resp.get_json()["url"]


def test_historical_repair_keeps_its_original_time(world, api, db):
    county = api(world.users[Role.COUNTY_ADMIN])
    body = {"compound_id": world.compounds["a"][0].id, "category": "leak", "description": "楼顶漏水多年",
            "location_note": "3号楼楼顶", "submitted_at": "2021-06-01T09:30:00+08:00"}
    resp = county.post("/api/v1/repairs/historical", json=body)
    assert resp.status_code == 201, resp.get_json()
    req = db.session.get(RepairRequest, resp.get_json()["id"])
    assert req.submitted_at == datetime(2021, 6, 1, 1, 30, tzinfo=UTC)
    assert_error(county.post("/api/v1/repairs/historical", json=body | {"submitted_at": "2999-01-01T00:00:00Z"}), 422)
    assert_error(county.post("/api/v1/repairs/historical", json=body | {"submitted_at": "2021-06-01T09:30:00"}), 422)
    assert_error(api(world.users[Role.STATION_MANAGER]).post("/api/v1/repairs/historical", json=body), 403)
