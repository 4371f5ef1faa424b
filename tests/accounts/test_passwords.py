"""密码散列: new hashes use PASSWORD_HASH_METHOD (scrypt in production, a cheap pbkdf2 under test), everywhere."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from config import Config, ProductionConfig, TestingConfig
from pm import create_app
from pm.errors import DomainError
from pm.models import Role, User
from pm.access import scope_for
from pm.services.accounts import hashing, login, passwords
from tests.factories import PASSWORD, make_county, make_user

TEST_PREFIX = "pbkdf2:sha256:1000$"


def test_production_hashes_with_scrypt_and_tests_with_a_cheap_pbkdf2():
    """scrypt is the default and production's method; only TestingConfig trades it for speed."""
    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
    assert TestingConfig.PASSWORD_HASH_METHOD + "$" == TEST_PREFIX


def test_created_accounts_and_changed_passwords_use_the_configured_method(runner, db):
    """`flask pm create-user` and a password change hash with the app's method; the password still checks."""
    county = make_county()
    db.session.commit()
    result = runner.invoke(args=["pm", "create-user", "--username", "hash-test", "--role", "county_admin",
                                 "--bind", str(county.id), "--password", "a long county password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "hash-test"))
    assert user.password_hash.startswith(TEST_PREFIX)
    passwords.set_password(user, "another long password", scope=scope_for(user), actor=user,
                           old_password="a long county password")
    assert user.password_hash.startswith(TEST_PREFIX)
    assert check_password_hash(user.password_hash, "another long password")


def test_factories_hash_with_the_configured_method(app, db):
    """Test logins carry a hash of the app's method, so logging in is cheap and still a real check."""
    user = make_user(Role.COUNTY_ADMIN, make_county())
    assert user.password_hash.startswith(TEST_PREFIX)
    assert login.authenticate(user.username, PASSWORD).id == user.id


@pytest.mark.parametrize("method, prefix", [("pbkdf2:sha256:1000", TEST_PREFIX), ("scrypt", "scrypt:")])
def test_unknown_usernames_are_checked_against_a_hash_of_the_same_method(method, prefix, tmp_path, monkeypatch):
    """An unknown username costs one check of the configured method, so timing does not tell it from a real one."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_DIR=str(tmp_path),
                     PASSWORD_HASH_METHOD=method)
    checked: list[str] = []
    monkeypatch.setattr(hashing, "check_password_hash", lambda pwhash, password: checked.append(pwhash))
    with app.app_context():
        assert hashing.hash_password("x").startswith(prefix)
        hashing.check_against_dummy("guess")
    assert len(checked) == 1 and checked[0].startswith(prefix)


def test_login_with_an_unknown_username_checks_the_dummy_hash(app, db, monkeypatch):
    """authenticate() spends one check of the configured method on an unknown username before refusing it."""
    checked: list[str] = []
    monkeypatch.setattr(hashing, "check_password_hash", lambda pwhash, password: checked.append(pwhash))
    with pytest.raises(DomainError):
        login.authenticate("nobody", "guess")
    assert len(checked) == 1 and checked[0].startswith(TEST_PREFIX)
