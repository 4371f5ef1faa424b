"""Migration 0030: a street notice (no compound) exists only with notices.street_id; the downgrade removes street
notices (and their reads) and keeps compound notices."""
from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from pm.access import SYSTEM
from pm.services.notices.notices import post_notice
from tests.factories import make_world

pytestmark = pytest.mark.postgres


def test_downgrade_drops_street_notices_and_keeps_compound_ones(app, db):
    w = make_world()
    street = post_notice(None, scope=SYSTEM, street_id=w.streets["a"].id, staff=[], title="街道公告")
    compound = post_notice(None, scope=SYSTEM, compound_id=w.compounds["a"][0].id, title="小区公告")
    street_id, compound_id = street.id, compound.id  # read before the commit (a reload would hold a read lock)
    db.session.commit()
    migrate = app.extensions["migrate"]
    before = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_revision("0030").down_revision
    try:
        downgrade(revision=before)
        ids = [r[0] for r in db.session.execute(text("SELECT id FROM notices ORDER BY id"))]
        assert ids == [compound_id] and street_id not in ids
        db.session.rollback()
        upgrade(revision="0030")
        assert db.session.execute(text("SELECT street_id FROM notices")).all() == [(None,)]
    finally:
        db.session.rollback()
        upgrade()
