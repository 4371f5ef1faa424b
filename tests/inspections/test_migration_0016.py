"""Migration 0016 records every existing order's current deadline as its original one, set when it was opened."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from pm.access import scope_for
from pm.models import RectificationDeadline, Role
from pm.services.inspections import deadlines, inspections
from tests.factories import make_world

pytestmark = pytest.mark.postgres
OPENED = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def test_backfill_keeps_the_current_deadline_as_the_original(app, db):
    w = make_world()
    officer = w.users[Role.STREET_OFFICER]
    inspection = inspections.create_inspection(officer, scope=scope_for(officer), level="street_weekly",
                                               target_kind="compound", target_id=w.compounds["a"][0].id,
                                               inspected_on=OPENED.date(), now=OPENED)
    for due in (date(2026, 3, 5), date(2026, 3, 9)):
        inspections.add_finding(inspection, officer, scope=scope_for(officer), item_code="order", deduction="0.5",
                                note="门岗脱岗", measure="加强值守", due_on=due, now=OPENED)
    officer_id = officer.id  # read before the commit expires it: at 0016 the users table lacks later columns, and
    db.session.commit()      # a reload would also hold a read lock that the downgrade's DROP TABLE waits for
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    before = script.get_revision("0016").down_revision
    try:
        downgrade(revision=before)
        upgrade(revision="0016")
        db.session.expire_all()
        rows = db.session.scalars(select(RectificationDeadline).order_by(RectificationDeadline.id)).all()
        assert [(r.due_on, r.changed_at, r.changed_by_id, r.reason) for r in rows] == [
            (date(2026, 3, 5), OPENED, officer_id, None), (date(2026, 3, 9), OPENED, officer_id, None)]
        assert rows[0].overdue_from_at == deadlines.overdue_from(date(2026, 3, 5)) == datetime(2026, 3, 5, 16,
                                                                                                tzinfo=UTC)
    finally:
        db.session.rollback()
        upgrade()
