"""API 令牌 through the API, and 接口账号: service accounts bound to a node, tokens limited to capabilities, every
call attributed to its token in the audit log."""
from __future__ import annotations

from sqlalchemy import select

from pm.models import ApiToken, AuditLog, Role, User
from tests.asserts import assert_error


def _bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_officials_create_list_and_revoke_their_tokens_through_the_api(world, api, client, db):
    """A token made through the API is shown once, works, is listed (without its value) and can be revoked."""
    street = api(world.users[Role.STREET_OFFICER])
    made = street.post("/api/v1/tokens", json={"name": "dashboard"})
    assert made.status_code == 201, made.get_json()
    raw = made.get_json()["token"]
    assert raw.startswith("pm_") and client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    listed = street.get("/api/v1/tokens").get_json()
    assert {"items", "page", "per_page", "total"} <= set(listed)
    assert all("token" not in item for item in listed["items"])
    assert db.session.scalar(select(ApiToken.token_hash).where(ApiToken.id == made.get_json()["id"])) != raw
    assert street.post(f"/api/v1/tokens/{made.get_json()['id']}/revoke").status_code == 200
    assert_error(client.get("/api/v1/me", headers=_bearer(raw)), 401)


def test_someone_elses_token_cannot_be_revoked(world, api, db):
    county_token = api(world.users[Role.COUNTY_ADMIN]).post("/api/v1/tokens", json={"name": "x"}).get_json()
    assert_error(api(world.users[Role.STREET_OFFICER]).post(f"/api/v1/tokens/{county_token['id']}/revoke"), 404)
    assert db.session.get(ApiToken, county_token["id"]).revoked_at is None


def test_residents_and_owners_get_no_token_and_no_page(world, api, auth, client):
    for role in (Role.OWNER, Role.RESIDENT):
        assert_error(api(world.users[role]).post("/api/v1/tokens", json={"name": "x"}), 403)
    auth.login("owner")
    assert client.get("/auth/tokens").status_code == 403
    assert "/auth/tokens" not in client.get("/").get_data(as_text=True)


def _service(world, api, **over):
    body = {"name": "工商银行", "node": "street_id", "node_id": world.streets["a"].id,
            "capabilities": ["fund.view", "registry.view"], "token_name": "icbc-1"} | over
    return api(world.users[Role.COUNTY_ADMIN]).post("/api/v1/service-accounts", json=body)


def test_county_admin_issues_a_limited_token_for_a_service_account(world, api, client, db):
    """The token reads within its node and capabilities; a call needing another capability is 403 naming it;
    a node outside is not found; every call is attributed to the token in the audit log."""
    made = _service(world, api)
    assert made.status_code == 201, made.get_json()
    raw, token_id = made.get_json()["token"]["token"], made.get_json()["token"]["id"]
    me = client.get("/api/v1/me", headers=_bearer(raw)).get_json()
    assert me["capabilities"] == ["fund.view", "registry.view"]
    inside = world.households["a"][0]
    assert client.get(f"/api/v1/households/{inside.id}", headers=_bearer(raw)).status_code == 200
    assert_error(client.get(f"/api/v1/households/{world.households['b'][0].id}", headers=_bearer(raw)), 404)
    denied = client.get("/api/v1/repairs", headers=_bearer(raw))
    assert_error(denied, 403)
    assert "repair.handle" in denied.get_json()["message"] and "fund.view" in denied.get_json()["message"]
    patched = client.patch(f"/api/v1/households/{inside.id}", json={"floor": 3}, headers=_bearer(raw))
    assert_error(patched, 403)
    assert "household.edit" in patched.get_json()["message"]
    # its tokens cannot make tokens
    assert_error(client.post("/api/v1/tokens", json={"name": "x"}, headers=_bearer(raw)), 403)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "token.create",
                                                     AuditLog.object_id == token_id))
    assert entry.actor.username == "county"


def test_calls_with_a_token_are_attributed_to_it(world, api, db, auth, client):
    street = world.users[Role.STREET_OFFICER]
    made = api(street).post("/api/v1/tokens", json={"name": "my-script"}).get_json()
    client.post("/api/v1/tokens", json={"name": "second"}, headers=_bearer(made["token"]))
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "token.create", AuditLog.token_id == made["id"]))
    assert entry is not None and entry.token_name == "my-script"
    listed = api(world.users[Role.COUNTY_ADMIN]).get(f"/api/v1/audit?token_id={made['id']}").get_json()
    assert [i["token_name"] for i in listed["items"]] == ["my-script"]
    auth.login("county")
    assert "my-script" in client.get("/audit/").get_data(as_text=True)


def test_service_account_cannot_log_in_on_the_web(world, api, db, auth, client):
    made = _service(world, api).get_json()
    account = db.session.get(User, made["account"]["id"])
    assert account.is_service
    resp = auth.login(account.username)
    assert resp.status_code != 302 or "/auth/login" in resp.headers.get("Location", "")


def test_bad_service_accounts_are_refused_naming_the_valid_choices(world, api, db):
    before = db.session.scalar(select(User.id).order_by(User.id.desc()))
    wrong = _service(world, api, capabilities=["fund.deposit"])
    assert_error(wrong, 422)
    assert "fund.deposit" in wrong.get_json()["message"] and "fund.cashier" in wrong.get_json()["message"]
    assert_error(_service(world, api, node_id=world.streets["b"].id + 1000), 422)
    assert_error(_service(world, api, capabilities=["accounts.manage"]), 422)
    for role in (Role.STREET_OFFICER, Role.STATION_MANAGER):
        assert_error(api(world.users[role]).post("/api/v1/service-accounts", json={
            "name": "x", "node": "street_id", "node_id": world.streets["a"].id, "capabilities": ["fund.view"],
            "token_name": "t"}), 403)
    assert db.session.scalar(select(User.id).order_by(User.id.desc())) == before


def test_rotate_revoke_and_disable(world, api, client, db):
    county = api(world.users[Role.COUNTY_ADMIN])
    made = _service(world, api).get_json()
    account_id, first = made["account"]["id"], made["token"]
    second = county.post(f"/api/v1/service-accounts/{account_id}/tokens",
                         json={"name": "icbc-2", "capabilities": ["fund.view"]}).get_json()
    assert county.post(f"/api/v1/service-accounts/{account_id}/tokens/{first['id']}/revoke").status_code == 200
    assert_error(client.get("/api/v1/me", headers=_bearer(first["token"])), 401)
    assert client.get("/api/v1/me", headers=_bearer(second["token"])).status_code == 200
    listed = county.get("/api/v1/service-accounts").get_json()
    assert listed["total"] == 1 and len(listed["items"][0]["tokens"]) == 2
    assert county.post(f"/api/v1/service-accounts/{account_id}/disable").status_code == 200
    assert_error(client.get("/api/v1/me", headers=_bearer(second["token"])), 401)
    caps = county.get("/api/v1/service-accounts/capabilities").get_json()
    assert "fund.cashier" in caps["street_id"] and "fund.cashier" not in caps["compound_id"]


def test_service_account_page(world, auth, client, db):
    auth.login("county")
    page = client.get("/accounts/services")
    assert page.status_code == 200
    resp = client.post("/accounts/services", data={
        "name": "建设银行", "node": f"county_id:{world.county.id}", "capabilities": ["fund.view", "fund.cashier"],
        "token_name": "ccb"})
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert "建设银行" in body and "pm_" in body
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "ccb"))
    assert token.capabilities == ["fund.cashier", "fund.view"]
    bad = client.post("/accounts/services", data={"name": "x", "node": f"county_id:{world.county.id}",
                                                  "capabilities": ["fund.view"], "token_name": ""})
    assert bad.status_code == 400
    auth.logout()
    auth.login("street")
    assert client.get("/accounts/services").status_code == 403


def test_an_admin_resets_an_officials_password_through_the_api(world, api, client, db):
    """As the page does: the account's tokens end; owners' passwords are never set by officials."""
    staff = world.users[Role.STATION_STAFF]
    staff_token = api(staff).post("/api/v1/tokens", json={"name": "phone"}).get_json()["token"]
    manager = api(world.users[Role.STATION_MANAGER])
    assert_error(manager.post(f"/api/v1/users/{staff.id}/password", json={"password": "short"}), 422)
    resp = manager.post(f"/api/v1/users/{staff.id}/password", json={"password": "a-new-password-2026"})
    assert resp.status_code == 200, resp.get_json()
    assert_error(client.get("/api/v1/me", headers=_bearer(staff_token)), 401)
    owner = world.users[Role.OWNER]
    assert_error(api(world.users[Role.COMMUNITY_WORKER]).post(f"/api/v1/users/{owner.id}/password",
                                                              json={"password": "a-new-password-2026"}), 403)
