"""Migration 0028: an open item whose note ends with the old appended "退回：<reason>" gets that return as its own
record and its note back as typed; any other note is left exactly as it is; the downgrade puts the last reason
back the old way."""
from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from pm.models import ActionItem, ActionItemReturn, ItemStatus
from tests.factories import make_world
from tests.factories.meetings import make_item, make_meeting
from tests.meetings.test_meeting_files_and_returns import NOW, TODAY

pytestmark = pytest.mark.postgres
LEGACY = [  # (status, note as stored by the old code) → (note after 0028, recovered reason or None)
    (ItemStatus.OPEN, "已施划车位\n退回：缺少照片", "已施划车位", "缺少照片"),
    (ItemStatus.OPEN, "退回：缺少照片", None, "缺少照片"),
    (ItemStatus.OPEN, "第一行\n退回：看这里\n然后继续写", "第一行\n退回：看这里\n然后继续写", None),  # typed, not ours
    (ItemStatus.OPEN, "居民说\"退回：不行\"", "居民说\"退回：不行\"", None),
    (ItemStatus.REPORTED, "新报告\n退回：旧原因", "新报告\n退回：旧原因", None),  # only open items were returned
]


def test_backfill_and_downgrade(app, db):
    w = make_world()
    meeting = make_meeting(w, held_on=TODAY, now=NOW)
    ids = []
    for status, note, _typed, _reason in LEGACY:
        item = make_item(w, meeting, due_on=TODAY, now=NOW)
        item.status, item.report_note = status, note
        ids.append(item.id)
    db.session.flush()
    db.session.commit()
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    before = script.get_revision("0028").down_revision
    try:
        downgrade(revision=before)
        upgrade(revision="0028")
        db.session.expire_all()
        for item_id, (_status, _note, typed, reason) in zip(ids, LEGACY, strict=True):
            assert db.session.get(ActionItem, item_id).report_note == typed
            rows = db.session.execute(select(ActionItemReturn.reason, ActionItemReturn.report_note,
                                             ActionItemReturn.returned_by_id, ActionItemReturn.returned_at)
                                      .where(ActionItemReturn.item_id == item_id)).all()
            assert rows == ([(reason, typed, None, None)] if reason else [])
        db.session.commit()
        downgrade(revision=before)
        notes = dict(db.session.execute(text("SELECT id, report_note FROM action_items")).all())
        db.session.commit()
        assert [notes[i] for i in ids] == [note for _s, note, _t, _r in LEGACY]
    finally:
        db.session.rollback()
        upgrade()
