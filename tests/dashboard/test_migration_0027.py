"""Migration 0027 creates compound_tallies and back-fills it from the sub-accounts and repair requests already there:
the back-filled counts equal a recount (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from pm.models import EntryKind
from pm.services import tallies
from pm.services.fund import ledger
from tests.factories import make_household

pytestmark = pytest.mark.postgres


def test_backfill_equals_a_recount(app, db):
    paid, part, empty = (ledger.get_or_open_subaccount(make_household(), due_fen=10_000) for _i in range(3))
    ledger.post(paid, EntryKind.FIRST_DEPOSIT, 10_000, actor=None, source_type="manual")
    ledger.post(part, EntryKind.FIRST_DEPOSIT, 2_000, actor=None, source_type="manual")  # unpaid and low
    ledger.get_or_open_subaccount(make_household())  # no due: not counted
    db.session.flush()
    want = tallies.recounted()  # read before the commit (a read after it would hold a lock the DROP waits for)
    assert sum(v["fund_due"] for v in want.values()) == 3
    db.session.commit()
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    before = script.get_revision("0027").down_revision  # whatever 0027 follows once re-chained
    try:
        downgrade(revision=before)
        with db.engine.begin() as conn:
            assert "compound_tallies" not in sa.inspect(conn).get_table_names()
        upgrade(revision="0027")
        db.session.expire_all()
        assert tallies.kept() == want and tallies.drift() == []
    finally:
        db.session.rollback()
        upgrade()  # back to head
