"""账号 factories: logins bound to a node of the tree, and API clients that carry a user's bearer token."""
from __future__ import annotations

import secrets

from flask import current_app

from sqlalchemy import select

from pm.extensions import db
from pm.models import AccountGrant, ApiToken, County, Role, User
from pm.models.accounts import BINDING, PERSON_ROLES
from pm.timeutil import utcnow
from pm.access import scope_for
from pm.services.accounts.tokens import PREFIX, create_api_token
from pm.services.accounts.tokens import _hash as _token_hash
from pm.services.accounts.passwords import hash_password
from tests.factories.seq import n as _n

PASSWORD = "correct horse battery"
# One hash of PASSWORD per hash method (TestingConfig's is cheap; an app configured with scrypt gets its own).
_HASH: dict[str, str] = {}


def password_hash() -> str:
    """The hash of PASSWORD with the app's PASSWORD_HASH_METHOD, computed once per method."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _HASH:
        _HASH[method] = hash_password(PASSWORD)
    return _HASH[method]


def grant(user: User, node) -> AccountGrant:
    """Let a person-bound account see the person's homes under `node` (a county, street, community, station or
    compound), as claiming an invitation issued there does."""
    column = {"County": "county_id", "StreetOffice": "street_id", "Community": "community_id",
              "Station": "station_id", "Compound": "compound_id"}[type(node).__name__]
    row = AccountGrant(user_id=user.id, **{column: node.id})
    db.session.add(row)
    db.session.flush()
    return row


def make_user(role: Role | str, node, *, grants=None, **kw) -> User:
    """An account of `role` bound to `node` (a tree node, a station, or a person for owners).

    Owners and residents come as claimed by the person (the real path is accounts.claims), seeing their homes
    under `grants` (default: every county there is now, i.e. all of the person's homes)."""
    role = Role(role)
    if role in PERSON_ROLES:
        kw.setdefault("claimed_at", utcnow())
    n = _n()
    user = User(
        username=kw.pop("username", f"{role.value}{n}"),
        display_name=kw.pop("display_name", f"{role.value} {n}"),
        password_hash=password_hash(),
        role=role,
        session_token=f"tok{n:020d}",
        **kw,
    )
    setattr(user, BINDING[role], node.id)
    db.session.add(user)
    db.session.flush()
    if role in PERSON_ROLES:
        for target in (grants if grants is not None else db.session.scalars(select(County)).all()):
            grant(user, target)
    return user


def issue_token(user: User, name: str | None = None) -> tuple[ApiToken, str]:
    """A bearer token of `user` and its raw value. Owners and residents cannot create tokens (accounts.tokens):
    theirs is put in the database directly, so the API's scoping for them is still tested (a defence in depth
    should one ever exist)."""
    name = name or f"test{_n()}"
    if user.role in PERSON_ROLES:
        raw = PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(raw), prefix=raw[:10])
        db.session.add(token)
        db.session.flush()
        return token, raw
    return create_api_token(user, name, scope=scope_for(user), actor=user)


def api_client(app, user: User):
    """A test client whose requests carry a fresh bearer token of `user` (issue_token)."""
    _token, raw = issue_token(user)
    db.session.commit()
    client = app.test_client()

    class _Client:
        def __getattr__(self, verb):
            def call(url, **kw):
                headers = kw.pop("headers", {})
                headers["Authorization"] = f"Bearer {raw}"
                return getattr(client, verb)(url, headers=headers, **kw)

            return call

    return _Client()
