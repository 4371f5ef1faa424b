"""Request guards (pm/guards.py): NUL bytes refused everywhere, X-Request-Id bounded, no-store for signed-in users."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pm.guards import REQUEST_ID_MAX, clean_request_id
from pm.models import AuditLog, Compound, Household, Role
from tests.asserts import assert_error

V1 = "/api/v1"
NUL = "a\x00b"


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- NUL bytes -------------------------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize("login, url, params, field", [
    ("community", "/registry/search", {"q": NUL}, "q"),
    ("community", "/registry/search", {"building": NUL, "room": "1"}, "building"),
    ("county", "/audit/", {"object_type": NUL}, "object_type"),
    ("county", "/audit/", {"action": NUL}, "action"),
    ("manager", "/repairs/", {"q": NUL}, "q"),
    ("manager", "/funds/payments/new", {"building": NUL, "room": "101"}, "building"),
    ("county", "/accounts/", {"role": NUL}, "role"),
    ("community", "/registry/", {NUL: "1"}, NUL.replace("\x00", "\\x00")),
])
def test_nul_in_a_page_query_is_a_400_naming_the_field(client, auth, world, login, url, params, field):
    """Search and filter fields with a NUL byte: 400 naming the field, on SQLite and PostgreSQL (which cannot
    compare text holding NUL: it was a 500 there)."""
    auth.login(login)
    resp = client.get(url, query_string=params)
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert f"“{field}”" in page and "\\x00" in page


@pytest.mark.postgres
@pytest.mark.parametrize("login, url, params, field", [
    (Role.COMMUNITY_WORKER, "/households", {"q": NUL}, "q"),
    (Role.COUNTY_ADMIN, "/audit", {"object_type": NUL}, "object_type"),
    (Role.COUNTY_ADMIN, "/users", {"q": NUL}, "q"),
    (Role.STATION_MANAGER, "/repairs", {"q": NUL}, "q"),
])
def test_nul_in_an_api_query_is_a_422_naming_the_field(api, world, login, url, params, field):
    """The API refuses it with its usual envelope naming the field."""
    assert_error(api(world.users[login]).get(V1 + url, query_string=params), 422, field)


@pytest.mark.postgres
def test_nul_in_a_json_body_changes_nothing(api, world, db):
    """A NUL byte in a JSON string (here a compound's name) is a 422 on that field; nothing is created."""
    before = _count(db, Compound)
    resp = api(world.users[Role.COMMUNITY_WORKER]).post(f"{V1}/compounds", json={
        "community_id": world.communities["a"].id, "name": NUL, "management_mode": "committee"})
    assert_error(resp, 422, "name")
    nested = api(world.users[Role.STREET_OFFICER]).post(f"{V1}/inspections", json={
        "level": "street_weekly", "target_kind": "compound", "target_id": world.compounds["a"][0].id,
        "inspected_on": "2026-01-01", "findings": [{"item_code": "environment", "note": NUL}]})
    assert_error(nested, 422, "findings.0.note")
    assert _count(db, Compound) == before


@pytest.mark.postgres
def test_nul_in_a_form_post_changes_nothing(client, auth, world, db):
    """A NUL byte in a posted form field: 400 naming it, the household unchanged, no audit entry."""
    household = world.households["a"][0]
    auth.login("community")
    audited = _count(db, AuditLog)
    resp = client.post(f"/registry/households/{household.id}/edit", data={
        "room_no": household.room_no, "floor": "1", "area_m2": "70.00", "note": NUL})
    assert resp.status_code == 400 and "“note”" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Household, household.id).note is None
    assert _count(db, AuditLog) == audited


@pytest.mark.postgres
def test_nul_on_the_public_page_is_refused(client, world):
    """Anonymous callers too: the public pages and the login form refuse a NUL byte with a 400."""
    resp = client.post("/auth/login", data={"username": NUL, "password": "x"})
    assert resp.status_code == 400 and "“username”" in resp.get_data(as_text=True)


# -- X-Request-Id ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, kept", [
    ("abc-123", "abc-123"),
    ("x" * 200, "x" * REQUEST_ID_MAX),
    ("12345678-1234-1234-1234-123456789012", "12345678-1234-1234-1234-123456789012"),
])
def test_request_id_is_kept_or_cut(raw, kept):
    assert clean_request_id(raw) == kept


@pytest.mark.parametrize("raw", ["", "  ", "has space", "semi;colon", "<script>", "é", "a\tb"])
def test_odd_request_ids_are_replaced(raw):
    new = clean_request_id(raw)
    assert new != raw and len(new) == 36


@pytest.mark.postgres
def test_long_request_id_is_cut_to_the_audit_column(api, world, db):
    """A 200-character X-Request-Id on a write that is audited: 201, and the audit row and the response carry
    the first 36 characters (PostgreSQL enforces VARCHAR(36): it was a 500)."""
    resp = api(world.users[Role.COMMUNITY_WORKER]).post(
        f"{V1}/compounds", headers={"X-Request-Id": "r" * 200},
        json={"community_id": world.communities["a"].id, "name": "请求号", "management_mode": "committee"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.headers["X-Request-Id"] == "r" * REQUEST_ID_MAX
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "compound.create"))
    assert entry.request_id == "r" * REQUEST_ID_MAX


# -- Cache-Control -------------------------------------------------------------------------------------------
def test_signed_in_pages_and_api_are_no_store(client, auth, world, api):
    """Pages for a signed-in user and every API answer are never cached; static files may be."""
    auth.login("community")
    for url in ("/dashboard", "/registry/", f"/registry/households/{world.households['a'][0].id}", "/nope"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    for url in ("/me", "/households", "/households/999999"):
        assert api(world.users[Role.COMMUNITY_WORKER]).get(V1 + url).headers.get("Cache-Control") == "no-store", url
    static = client.get("/static/css/pm.css")
    assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"
    static.close()


def test_anonymous_pages_are_left_alone(client):
    """The login page of a visitor carries no personal data: its caching is left as it is."""
    assert client.get("/auth/login").headers.get("Cache-Control") != "no-store"
