"""账号 REST API: /me for every role, and account administration within scope."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pm.models import AuditLog, Role, User
from tests.asserts import assert_error, ids
from tests.factories import PASSWORD

V1 = "/api/v1"
NEW_PASSWORD = "a long enough passphrase"


def _actions(db, user_id: int) -> list[str]:
    stmt = select(AuditLog.action).where(AuditLog.object_type == "User", AuditLog.object_id == user_id)
    return list(db.session.scalars(stmt.order_by(AuditLog.id)))


def _users(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_me_shows_role_binding_and_capabilities(world, api, role):
    """GET /me returns the token's account, what it is bound to and what its role may do."""
    user = world.users[role]
    body = api(user).get(f"{V1}/me").get_json()
    assert body["id"] == user.id and body["role"] == role.value
    assert body["binding"]["id"] == user.binding_id
    expected_type = {Role.OWNER: "person", Role.RESIDENT: "person", Role.STATION_MANAGER: "station",
                     Role.STATION_STAFF: "station", Role.COMMITTEE_MEMBER: "compound",
                     Role.COMMUNITY_WORKER: "community", Role.STREET_OFFICER: "street",
                     Role.COUNTY_ADMIN: "county"}[role]
    assert body["binding"]["type"] == expected_type and body["binding"]["name"]
    assert ("household.edit" in body["capabilities"]) == (role in (
        Role.COUNTY_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.STATION_MANAGER))
    assert "password" not in body and "password_hash" not in body and "session_token" not in body


def test_users_list_filters_by_role_state_and_text(world, api, db):
    """GET /users filters by role, enabled state and text; GET /users/<id> shows one in scope, 404 otherwise."""
    world.users[Role.OWNER].is_enabled = False
    db.session.commit()
    client = api(world.users[Role.STREET_OFFICER])
    assert ids(client.get(f"{V1}/users?role=station_staff")) == {world.users[Role.STATION_STAFF].id}
    assert ids(client.get(f"{V1}/users?is_enabled=false")) == {world.users[Role.OWNER].id}
    assert ids(client.get(f"{V1}/users", query_string={"q": "manag"})) == {world.users[Role.STATION_MANAGER].id}
    item = client.get(f"{V1}/users?role=station_manager").get_json()["items"][0]
    assert item["binding"] == {"type": "station", "id": world.stations["a"].id, "name": "a服务站"}
    assert client.get(f"{V1}/users/{item['id']}").get_json() == item
    assert_error(client.get(f"{V1}/users/{world.users[Role.COUNTY_ADMIN].id}"), 404)
    assert_error(client.get(f"{V1}/users?role=king"), 422, "role")


def test_station_manager_creates_a_staff_account(world, api, db):
    """POST /users creates an account below the caller's role, bound in scope, audited, password hashed."""
    client = api(world.users[Role.STATION_MANAGER])
    resp = client.post(f"{V1}/users", json={
        "username": "cleaner1", "display_name": "保洁 王", "password": NEW_PASSWORD,
        "role": "station_staff", "binding_id": world.stations["a"].id, "phone": "13811112222"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["username"] == "cleaner1" and body["role"] == "station_staff" and "password" not in body
    user = db.session.get(User, body["id"])
    assert user.station_id == world.stations["a"].id and NEW_PASSWORD not in user.password_hash
    assert _actions(db, user.id) == ["user.create"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "payload, status, field",
    [
        ({"role": "station_manager"}, 403, None),  # the same rank as the caller
        ({"role": "county_admin"}, 403, None),
        ({"binding_id": "b"}, 422, "binding_id"),
        ({"binding_id": None}, 422, "binding_id"),
        ({"binding_id": 2_000_000_000}, 422, "binding_id"),  # no such station
        ({"role": "warlord"}, 422, "role"),
        ({"password": "short"}, 422, "password"),
        ({"password": "123456789012"}, 422, "password"),  # too common
        ({"username": "staff"}, 422, "username"),  # taken
        ({"username": "   "}, 422, "username"),
        ({"username": "x" * 65}, 422, "username"),
        ({"phone": "call me"}, 422, "phone"),
        ({"is_admin": True}, 422, "is_admin"),
    ],
)
def test_bad_user_creation_is_refused_and_creates_nothing(world, api, db, payload, status, field):
    """A role not below the caller's, a bad binding, a weak password or a taken name is refused."""
    body = {"username": "newbie", "password": NEW_PASSWORD, "role": "station_staff",
            "binding_id": world.stations["a"].id, **payload}
    before = _users(db)
    resp = api(world.users[Role.STATION_MANAGER]).post(f"{V1}/users", json=body)
    assert_error(resp, status, *([field] if field else []))
    assert _users(db) == before


def test_binding_outside_the_scope_is_refused(world, api, db):
    """An account bound to another street's station cannot be created (403)."""
    resp = api(world.users[Role.STREET_OFFICER]).post(f"{V1}/users", json={
        "username": "spy", "password": NEW_PASSWORD, "role": "station_staff", "binding_id": world.stations["b"].id})
    assert_error(resp, 403)
    assert db.session.scalar(select(User.id).where(User.username == "spy")) is None


def test_patch_user_disables_and_rebinds(world, api, db):
    """PATCH /users/<id> disables an account and moves it; both are audited."""
    staff = world.users[Role.STATION_STAFF]
    client = api(world.users[Role.COMMUNITY_WORKER])
    resp = client.patch(f"{V1}/users/{staff.id}", json={"is_enabled": False, "display_name": "离职"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["is_enabled"] is False and resp.get_json()["display_name"] == "离职"
    resp = client.patch(f"{V1}/users/{staff.id}",
                        json={"role": "committee_member", "binding_id": world.compounds["a"][1].id})
    assert resp.status_code == 200
    assert resp.get_json()["binding"] == {"type": "compound", "id": world.compounds["a"][1].id, "name": "a小区二"}
    assert _actions(db, staff.id) == ["user.update", "user.revoke", "user.update", "user.revoke"]


def test_patch_user_refuses_escalation_self_disable_and_foreign_accounts(world, api, db):
    """Raising a role to the caller's, disabling oneself or touching another scope's account is refused."""
    street = world.users[Role.STREET_OFFICER]
    client = api(street)
    staff = world.users[Role.STATION_STAFF]
    assert_error(client.patch(f"{V1}/users/{staff.id}", json={"role": "street_officer"}), 403)
    assert_error(client.patch(f"{V1}/users/{street.id}", json={"is_enabled": False}), 403)
    assert_error(client.patch(f"{V1}/users/{world.users[Role.COUNTY_ADMIN].id}", json={"is_enabled": False}), 404)
    assert_error(client.patch(f"{V1}/users/{staff.id}", json={}), 422, "_schema")
    assert_error(client.patch(f"{V1}/users/{staff.id}", json={"is_enabled": "perhaps"}), 422, "is_enabled")
    db.session.expire_all()
    assert db.session.get(User, staff.id).role == Role.STATION_STAFF and db.session.get(User, street.id).is_enabled


def test_account_routes_need_accounts_manage(world, api):
    """Roles without accounts.manage get 403 on every account-administration route."""
    client = api(world.users[Role.STATION_STAFF])
    assert_error(client.get(f"{V1}/users/{world.users[Role.OWNER].id}"), 403)
    assert_error(client.post(f"{V1}/users", json={"username": "x", "password": PASSWORD, "role": "owner",
                                                  "binding_id": world.persons["a"]["owner"].id}), 403)
    assert_error(client.patch(f"{V1}/users/{world.users[Role.OWNER].id}", json={"is_enabled": False}), 403)
