"""API authentication: every /api/v1 data route needs a valid bearer token of an enabled account."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pm.access import scope_for
from pm.models import ApiToken, Role
from pm.services.accounts.tokens import create_api_token, revoke_api_token
from pm.timeutil import utcnow
from tests.asserts import assert_error

PROTECTED = ["/api/v1/me", "/api/v1/households", "/api/v1/compounds", "/api/v1/users", "/api/v1/audit",
             "/api/v1/streets", "/api/v1/stations/1"]


def _token(db, user, **kw):
    token, raw = create_api_token(user, "t", scope=scope_for(user), actor=user, **kw)
    db.session.commit()
    return token, raw


@pytest.mark.parametrize("path", PROTECTED)
def test_missing_or_malformed_authorization_is_401(world, client, path):
    """No Authorization header, another scheme, or an empty bearer is a 401 envelope."""
    for headers in ({}, {"Authorization": "Basic Y291bnR5OnB3"}, {"Authorization": "Bearer "},
                    {"Authorization": "bearer pm_x"}):
        assert_error(client.get(path, headers=headers), 401)


def test_unknown_token_is_401(world, client):
    """A token that was never issued is a 401."""
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer pm_not-a-real-token"}), 401)


def test_valid_token_authenticates_as_its_user(world, client, db):
    """A valid token acts as its user (and only for this request: no session cookie is set)."""
    _token_row, raw = _token(db, world.users[Role.STREET_OFFICER])
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert resp.status_code == 200 and resp.get_json()["username"] == "street"
    assert "Set-Cookie" not in resp.headers
    assert_error(client.get("/api/v1/me"), 401)


def test_revoked_token_is_401(world, client, db):
    """A revoked token no longer works."""
    user = world.users[Role.STREET_OFFICER]
    token, raw = _token(db, user)
    revoke_api_token(token, scope=scope_for(user), actor=user)
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401)


def test_expired_token_is_401(world, client, db):
    """A token past its expiry no longer works."""
    token, raw = _token(db, world.users[Role.STREET_OFFICER], days=30)
    db.session.get(ApiToken, token.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401)


def test_token_of_a_disabled_account_is_401(world, client, db):
    """Disabling an account stops its tokens."""
    user = world.users[Role.STREET_OFFICER]
    _token_row, raw = _token(db, user)
    user.is_enabled = False
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401)


def test_session_cookie_does_not_authenticate_the_api(world, client, auth):
    """A logged-in browser session is not an API credential (the API is CSRF-exempt because of this)."""
    assert auth.login("street").status_code == 302  # logged in
    assert_error(client.get("/api/v1/me"), 401)
    assert_error(client.post("/api/v1/compounds", json={"name": "x"}), 401)


def test_token_and_user_in_one_statement_and_last_use_once_a_minute(world, client, db, count_queries):
    """A call finds its token and the token's user in one statement; the token's last use is written after the first
    call, not again within the minute, and again once the recorded use is more than a minute old."""
    token, raw = _token(db, world.users[Role.STREET_OFFICER])
    token_id, headers = token.id, {"Authorization": f"Bearer {raw}"}
    assert token.last_used_at is None
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.expire_all()
    first = db.session.get(ApiToken, token_id).last_used_at
    assert first is not None
    with count_queries() as counter:
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    lookups = [s for s in counter.statements if "FROM api_tokens" in s]
    assert len(lookups) == 1 and "JOIN users" in lookups[0], counter.statements
    assert not [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).last_used_at == first
    db.session.get(ApiToken, token_id).last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).last_used_at > first - timedelta(minutes=2)
