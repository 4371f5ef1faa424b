"""Migration 0013 back-fills the to-dos sent before it: their subject from their link, done when already done."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy.orm import load_only

from pm.access import scope_for
from pm.models import Notification, RepairCategory, Role, Urgency
from pm.services.repairs import filing, workflow
from pm.timeutil import utcnow
from tests.factories.repairs import repair_world

pytestmark = pytest.mark.postgres


def by(user):
    return {"actor": user, "scope": scope_for(user)}


def test_backfill_subject_and_done(app, db):
    w = repair_world()
    owner, staff = w.users[Role.OWNER], w.users[Role.STATION_STAFF]
    reqs = []
    for category in (RepairCategory.LEAK, RepairCategory.POWER):
        req = filing.file_request(w.compounds["a"][0], **by(owner), category=category, urgency=Urgency.NORMAL,
                                  description="问题描述写得足够长", household_id=w.households["a"][0].id)
        workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id)
        workflow.start(req, **by(staff))
        workflow.complete(req, **by(staff), note="已修好")
        reqs.append(req)
    rated, waiting = reqs
    rated.status = "closed"  # rated before the migration (as if mark_done had not existed)
    db.session.commit()
    # Ids read now: while the schema is at 0013, a later migration's columns (users.is_service, ...) are missing,
    # so no model row may be refreshed from the database until the end.
    owner_id, rated_id, waiting_id = owner.id, rated.id, waiting.id
    db.session.commit()  # reading them began a transaction: end it, or PostgreSQL's ALTER TABLEs would wait on it
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    before = script.get_revision("0013").down_revision  # whatever 0013 follows once re-chained
    try:
        downgrade(revision=before)
        with db.engine.begin() as conn:
            assert "subject" not in {c["name"] for c in sa.inspect(conn).get_columns("notifications")}
            conn.execute(sa.text("INSERT INTO notifications (user_id, kind, title, link, created_at) "
                                 "VALUES (:u, 'repair.new', 'x', :link, :at)"),
                         {"u": owner_id, "link": f"/repairs/{rated_id}", "at": utcnow()})
        upgrade(revision="0013")
        db.session.expire_all()
        columns = (Notification.id, Notification.kind, Notification.subject, Notification.done_at, Notification.read_at)
        notes = db.session.scalars(sa.select(Notification).options(load_only(*columns))  # 0013's columns only
                                   .order_by(Notification.id)).all()
        by_subject = {n.subject: n for n in notes if n.kind == "repair.completed"}
        assert set(by_subject) == {f"repair:{rated_id}", f"repair:{waiting_id}"}
        assert by_subject[f"repair:{rated_id}"].done_at is not None and by_subject[f"repair:{rated_id}"].read_at
        assert by_subject[f"repair:{waiting_id}"].done_at is None
        others = [n.subject for n in notes if n.kind == "repair.new"]
        assert len(others) == 3 and set(others) == {None}  # two sent at filing, one inserted: not to-dos
    finally:
        db.session.rollback()
        upgrade()  # back to head: the migrations after 0013 (import slots, indexes) are this worker's schema too
