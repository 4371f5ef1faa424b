"""接口账号 and the API areas: every API blueprint is either opened to service tokens by named capabilities
(SERVICE_GATES) or closed to them with a written reason (SERVICE_CLOSED), so a new blueprint cannot be forgotten."""
from __future__ import annotations

from pm.access import CAPABILITIES
from pm.blueprints.apiutil import SERVICE_CLOSED, SERVICE_GATES, require_token
from pm.models import Role
from tests.asserts import assert_error


def _api_blueprints(app) -> set[str]:
    """Blueprints whose every request needs a bearer token (made by api_blueprint)."""
    return {name for name, funcs in app.before_request_funcs.items() if name and require_token in funcs}


def test_every_api_blueprint_is_gated_or_closed_with_a_reason(app):
    blueprints = _api_blueprints(app)
    assert len(blueprints) > 30 and {"commonincome_api", "assessments_api", "notifications_api"} <= blueprints
    neither = blueprints - set(SERVICE_GATES) - set(SERVICE_CLOSED)
    assert not neither, f"API blueprints neither in SERVICE_GATES nor in SERVICE_CLOSED: {sorted(neither)}"
    assert not set(SERVICE_GATES) & set(SERVICE_CLOSED)
    assert not (set(SERVICE_GATES) | set(SERVICE_CLOSED)) - blueprints, "an entry names no API blueprint"
    for name, capabilities in SERVICE_GATES.items():
        assert capabilities and capabilities <= set(CAPABILITIES), (name, capabilities - set(CAPABILITIES))
    assert all(len(reason) > 20 for reason in SERVICE_CLOSED.values())


def _token(world, api, capabilities: list[str]) -> dict:
    made = api(world.users[Role.COUNTY_ADMIN]).post("/api/v1/service-accounts", json={
        "name": "考核看板", "node": "county_id", "node_id": world.county.id, "capabilities": capabilities,
        "token_name": "dashboard"})
    assert made.status_code == 201, made.get_json()
    return {"Authorization": f"Bearer {made.get_json()['token']['token']}"}


def test_a_service_token_reads_a_newly_opened_area_only_with_its_capability(world, api, client, db):
    """A county dashboard with assessment.view reads the assessment results and periods; a bank's token
    (fund.view) is refused naming the capability that would open them."""
    dashboard = _token(world, api, ["assessment.view"])
    bank = _token(world, api, ["fund.view"])
    for url in ("/api/v1/assessment-ladder-steps", "/api/v1/assessment-periods"):
        assert client.get(url, headers=dashboard).status_code == 200, url
        refused = client.get(url, headers=bank)
        assert_error(refused, 403)
        assert "assessment.view" in refused.get_json()["message"], refused.get_json()
    jobs = _token(world, api, ["jobs.view"])
    assert client.get("/api/v1/jobs/runs", headers=jobs).status_code == 200
    assert "jobs.view" in client.get("/api/v1/jobs/runs", headers=dashboard).get_json()["message"]


def test_closed_areas_refuse_every_service_token(world, api, client, db):
    """The caller's own notifications are a person's, not an integration's: refused whatever the token holds."""
    token = _token(world, api, ["assessment.view", "fund.view", "governance.view", "income.view", "jobs.view",
                                "meetings.view", "notices.view", "volunteers.view"])
    assert_error(client.get("/api/v1/notifications", headers=token), 403)
    assert_error(client.get("/api/v1/tokens", headers=token), 403)
    assert client.get("/api/v1/me", headers=token).status_code == 200
    person = api(world.users[Role.COUNTY_ADMIN])
    assert person.get("/api/v1/notifications").status_code == 200
