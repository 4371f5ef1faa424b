"""本县资金使用规则: edited on a page and through the API as versions effective from a date (history kept, audited);
the emergency cases are discoverable and a wrong one is refused naming the valid ones."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from pm.models import AuditLog, FundPolicy, Role
from pm.services.fund.policy import policy_for
from pm.timeutil import local_today
from tests.asserts import assert_error

REASONS = [{"code": "elevator_danger"}, {"code": "gas_leak", "label": "燃气管道泄漏"}]


def _body(**over):
    return {"effective_from": local_today().isoformat(), "approver": "street_office", "publicity_days": 10,
            "vote_days": 20, "returns_key": "area", "emergency_reasons": REASONS} | over


def test_county_admin_sets_a_version_through_the_api(world, api, db):
    county = api(world.users[Role.COUNTY_ADMIN])
    url = f"/api/v1/counties/{world.county.id}/fund-policy"
    before = county.get(url).get_json()
    assert before["effective_from"] is None and before["approver"] == "housing_department"
    assert "street_office" in before["approvers"] and before["returns_keys"] == ["balance", "area"]
    made = county.post(url + "/versions", json=_body())
    assert made.status_code == 201, made.get_json()
    now = county.get(url).get_json()
    assert (now["approver"], now["publicity_days"], now["vote_days"], now["returns_key"]) == (
        "street_office", 10, 20, "area")
    assert [r["code"] for r in now["emergency_reasons"]] == ["elevator_danger", "gas_leak"]
    assert now["emergency_reasons"][0]["label"]  # the standard text of a standard code
    compound = world.compounds["a"][0]
    assert policy_for(compound.id).approver == "street_office"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "fund.policy.set"))
    assert entry.changes["approver"] == ["housing_department", "street_office"] and entry.county_id == world.county.id
    # the emergency cases of a compound, for anyone who drafts its plans
    reasons = api(world.users[Role.COMMITTEE_MEMBER]).get(f"/api/v1/compounds/{compound.id}/emergency-reasons")
    assert [r["code"] for r in reasons.get_json()["emergency_reasons"]] == ["elevator_danger", "gas_leak"]


def test_a_future_version_takes_effect_on_its_day_and_history_is_kept(world, api, db):
    county = api(world.users[Role.COUNTY_ADMIN])
    url = f"/api/v1/counties/{world.county.id}/fund-policy"
    assert county.post(url + "/versions", json=_body()).status_code == 201
    later = local_today() + timedelta(days=30)
    assert county.post(url + "/versions", json=_body(effective_from=later.isoformat(), vote_days=30)).status_code == 201
    assert county.get(url).get_json()["vote_days"] == 20
    assert county.get(url + f"?on={later.isoformat()}").get_json()["vote_days"] == 30
    assert policy_for(world.compounds["a"][0].id, later).vote_days == 30
    # re-planning the same future day replaces that version; the list keeps every date
    assert county.post(url + "/versions", json=_body(effective_from=later.isoformat(), vote_days=31)).status_code == 201
    versions = county.get(url + "/versions").get_json()
    assert versions["total"] == 2 and [v["vote_days"] for v in versions["items"]] == [31, 20]
    # a version in force is never rewritten
    past = county.post(url + "/versions", json=_body(effective_from=(local_today() - timedelta(days=1)).isoformat()))
    assert_error(past, 422)
    assert "effective_from" in past.get_json()["errors"]["json"]


def test_bad_policies_are_refused_naming_the_valid_choices(world, api, db):
    county = api(world.users[Role.COUNTY_ADMIN])
    url = f"/api/v1/counties/{world.county.id}/fund-policy/versions"
    wrong = county.post(url, json=_body(emergency_reasons=[{"code": "flood"}]))
    assert_error(wrong, 422)
    assert "elevator_danger" in wrong.get_json()["message"]
    assert_error(county.post(url, json=_body(approver="mayor")), 422)
    assert_error(county.post(url, json=_body(emergency_reasons=[{"code": "a"}, {"code": "a", "label": "x"}])), 422)
    assert_error(county.post(url, json=_body(emergency_reasons=[{"code": "Bad Code", "label": "x"}])), 422)
    for role in (Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.STATION_MANAGER):
        assert_error(api(world.users[role]).post(url, json=_body()), 403)
    assert db.session.scalar(select(func.count(FundPolicy.id))) == 0


def test_a_wrong_emergency_reason_names_the_valid_ones(world, api, db):
    db.session.add(FundPolicy(county_id=world.county.id, emergency_reasons=["elevator_danger"]))
    db.session.commit()
    resp = api(world.users[Role.COMMUNITY_WORKER]).post("/api/v1/plans", json={
        "compound_id": world.compounds["a"][0].id, "title": "x", "shared_part": "电梯", "reason": "x",
        "budget_fen": 100, "is_emergency": True, "emergency_reason": "flood"})
    assert_error(resp, 422)
    body = resp.get_json()
    assert "elevator_danger" in str(body) and "flood" in str(body)


def test_policy_page(world, auth, client, db):
    auth.login("county")
    page = client.get("/funds/policy/")
    assert page.status_code == 200 and "elevator_danger" in page.get_data(as_text=True)
    resp = client.post("/funds/policy/", data={
        "effective_from": local_today().isoformat(), "approver": "owners_committee", "publicity_days": "8",
        "vote_days": "16", "returns_key": "balance", "emergency_reasons": "elevator_danger\nstorm 台风损坏屋面"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    row = db.session.scalar(select(FundPolicy))
    assert row.approver == "owners_committee" and row.emergency_reasons[1] == {"code": "storm", "label": "台风损坏屋面"}
    assert "storm" in client.get("/funds/policy/").get_data(as_text=True)
    bad = client.post("/funds/policy/", data={
        "effective_from": date(2001, 1, 1).isoformat(), "approver": "owners_committee", "publicity_days": "8",
        "vote_days": "16", "returns_key": "balance", "emergency_reasons": "elevator_danger"})
    assert bad.status_code == 400
    auth.logout()
    auth.login("street")
    assert client.get("/funds/policy/").status_code == 403
