"""Migration 0007: owner and resident accounts that officials made (with passwords officials chose) are disabled
and wait to be claimed by the person; a person with several accounts keeps one bound; officials are untouched;
the downgrade gives the old schema back."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from pm import create_app
from pm.extensions import db as _db
from tests.votes.test_migration import Rows, database  # noqa: F401  (the fixture: a database of its own)

T = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_person_accounts_wait_to_be_claimed_after_the_upgrade(database, tmp_path):  # noqa: F811
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database, INSTANCE_DIR=str(tmp_path),
                     UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        upgrade(revision="0008")
        with _db.engine.begin() as conn:
            r = Rows(conn)
            county = r.add("counties", name="县")
            person = r.add("persons", name="业主", phone="13900000001", is_organisation=False)

            def user(name, role, **binding):
                return r.add("users", username=name, display_name=name, password_hash="x", role=role,
                             session_token=f"tok-{name}", is_enabled=True, failed_logins=0, **binding)

            real = user("owner", "owner", person_id=person)
            fake = user("fake", "owner", person_id=person)
            admin = user("admin", "county_admin", county_id=county)
            r.add("api_tokens", user_id=fake, name="t", token_hash="h" * 64, prefix="pm_x")
        upgrade(revision="0007")
        with _db.engine.connect() as conn:
            rows = {row.id: row for row in conn.execute(sa.text(
                "SELECT id, person_id, is_enabled, session_token, claimed_at FROM users"))}
            assert rows[real].person_id == person and rows[fake].person_id is None
            assert not rows[real].is_enabled and not rows[fake].is_enabled and rows[admin].is_enabled
            assert rows[real].session_token != "tok-owner" and rows[admin].session_token == "tok-admin"
            assert rows[real].claimed_at is None
            assert conn.execute(sa.text("SELECT revoked_at FROM api_tokens")).scalar() is not None
        with _db.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            Rows(conn).add("users", username="again", display_name="x", password_hash="x", role="resident",
                           session_token="tok-again", is_enabled=True, failed_logins=0, person_id=person)
        downgrade(revision="0008")
        with _db.engine.connect() as conn:
            assert "claim_codes" not in sa.inspect(conn).get_table_names()
        _db.engine.dispose()
