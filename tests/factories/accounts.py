"""账号 factories: logins bound to a node of the tree, and API clients that carry a user's bearer token."""
from __future__ import annotations

from flask import current_app

from pm.extensions import db
from pm.models import Role, User
from pm.models.accounts import BINDING
from pm.access import scope_for
from pm.services.accounts.tokens import create_api_token
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


def make_user(role: Role | str, node, **kw) -> User:
    """An account of `role` bound to `node` (a tree node, a station, or a person for owners)."""
    role = Role(role)
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
    return user


def api_client(app, user: User):
    """A test client whose requests carry a fresh bearer token of `user`."""
    _token, raw = create_api_token(user, f"test{_n()}", scope=scope_for(user), actor=user)
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
