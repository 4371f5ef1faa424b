"""The API side of claimed accounts: officials invite and send reset codes; nobody creates an owner or resident
account, binds one to a person or sets its password through /api/v1."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pm.models import ClaimCode, Role, User
from pm.services.sms import outbox
from tests.asserts import assert_error
from tests.factories import make_owner, make_person

V1 = "/api/v1"
GOOD = "my own secret 2026"


@pytest.mark.parametrize("role", ["owner", "resident"])
def test_creating_a_person_account_directly_is_refused_with_a_pointer_to_invitations(world, api, db, role):
    person = world.persons["a"]["tenant"]
    for actor_role in (Role.STATION_MANAGER, Role.COUNTY_ADMIN):
        resp = api(world.users[actor_role]).post(f"{V1}/users", json={
            "username": "fake", "display_name": "x", "password": GOOD, "role": role, "binding_id": person.id})
        assert resp.status_code == 422
        body = resp.get_json()
        assert "邀请" in body["errors"]["json"]["role"][0]
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "fake")) == 0


def test_binding_an_official_account_to_a_person_is_refused(world, api, db):
    staff = world.users[Role.STATION_STAFF]
    owner = world.persons["a"]["owner"]
    client = api(world.users[Role.STATION_MANAGER])
    resp = client.patch(f"{V1}/users/{staff.id}", json={"role": "owner", "binding_id": owner.id})
    assert resp.status_code == 422 and "role" in resp.get_json()["errors"]["json"]
    owner_user = world.users[Role.OWNER]
    resp = client.patch(f"{V1}/users/{owner_user.id}", json={"binding_id": world.persons["a"]["tenant"].id})
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, staff.id).role == Role.STATION_STAFF
    assert db.session.get(User, owner_user.id).person_id == owner.id


def test_invitation_by_api_letter_and_sms(world, api, db, client):
    person = make_person(name="接口业主")
    make_owner(world.households["a"][1], person)
    db.session.commit()
    manager = api(world.users[Role.STATION_MANAGER])
    sms = manager.post(f"{V1}/persons/{person.id}/invitations", json={"method": "sms"})
    assert sms.status_code == 201 and sms.get_json()["code"] is None
    assert outbox()[-1]["phone"] == person.phone
    resp = manager.post(f"{V1}/persons/{person.id}/invitations", json={"method": "letter"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["role"] == "owner" and re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", body["code"])
    assert body["claim_url"].endswith("/claim")
    # one live invitation per person and node: the SMS code sent before the letter no longer works
    assert db.session.scalar(select(func.count()).select_from(ClaimCode).where(ClaimCode.revoked_at.is_not(None))) == 1
    assert_error(manager.post(f"{V1}/persons/{person.id}/invitations", json={"method": "pigeon"}), 422, "method")
    foreign = world.persons["b"]["owner"]
    assert manager.post(f"{V1}/persons/{foreign.id}/invitations", json={"method": "letter"}).status_code == 404
    staff = api(world.users[Role.STATION_STAFF])
    assert staff.post(f"{V1}/persons/{person.id}/invitations", json={"method": "letter"}).status_code == 403
    done = client.post("/claim", data={"code": body["code"], "username": "apiowner", "password": GOOD,
                                       "confirm": GOOD})
    assert done.status_code == 200
    again = manager.post(f"{V1}/persons/{person.id}/invitations", json={"method": "letter"})
    assert again.status_code == 409 and "已经认领" in again.get_json()["message"]


def test_reset_code_by_api_never_a_password(world, api, db):
    owner_user = world.users[Role.OWNER]
    manager = api(world.users[Role.STATION_MANAGER])
    resp = manager.post(f"{V1}/users/{owner_user.id}/reset-code")
    assert resp.status_code == 201 and resp.get_json()["user_id"] == owner_user.id
    assert "code" not in resp.get_json() and re.search(r"\d{6}", outbox()[-1]["text"])
    assert db.session.scalar(select(ClaimCode.purpose)).value == "reset"
    # the API has no way to set a password for someone else: PATCH knows no password field
    resp = manager.patch(f"{V1}/users/{owner_user.id}", json={"password": "managers choice"})
    assert resp.status_code == 422
    foreign = api(world.users[Role.STATION_STAFF])
    assert foreign.post(f"{V1}/users/{owner_user.id}/reset-code").status_code == 403


def test_openapi_documents_the_claim_endpoints(client, db):
    paths = client.get(f"{V1}/openapi.json").get_json()["paths"]
    assert "/api/v1/persons/{person_id}/invitations" in paths and "/api/v1/users/{user_id}/reset-code" in paths
