"""The schema comes only from migrations: one head, and upgrading an empty database yields the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from pm.extensions import db as _db

# Migrations and the append-only triggers are database behaviour: both backends.
pytestmark = pytest.mark.postgres


def _script(app):
    migrate: Migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    return ScriptDirectory.from_config(config)


def test_single_head(app):
    """The migration history has exactly one head."""
    assert len(_script(app).get_heads()) == 1


def test_upgraded_database_matches_models(app, db):
    """A database upgraded from empty has exactly the tables, columns and indexes of the models."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, _db.metadata)
    assert diffs == []


def test_audit_log_is_append_only(app, db):
    """Audit rows cannot be updated or deleted (a database trigger refuses it)."""
    import pytest
    import sqlalchemy as sa

    from pm.services import audit
    from tests.factories import make_county

    county = make_county()
    audit.record("test.action", county, actor=None)
    db.session.commit()
    for statement in ("UPDATE audit_logs SET action = 'x'", "DELETE FROM audit_logs"):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert db.session.scalar(sa.text("SELECT count(*) FROM audit_logs")) == 1
