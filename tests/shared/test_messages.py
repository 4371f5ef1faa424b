"""System-written words (pm.services.messages): stored as a msgid and parameters, shown in the reader's language;
what people typed stays as typed. Notifications, repair timelines and default team names use it."""
from __future__ import annotations

import re
import pytest
from alembic.script import ScriptDirectory
from flask import session
from flask_babel import refresh
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from pm.access import scope_for
from pm.models import Notification, RepairEvent, Role, Team, TeamKind
from pm.models.fund import Holder
from pm.services.messages import Message, counted, event_note, render
from pm.services.notifications import notify
from pm.services.repairs import filing, workflow
from pm.services.stations import teams
from pm.services.text import N_
from tests.core.test_translations import PO_PATH
from tests.factories import PASSWORD, make_world
from tests.factories.repairs import repair_world


def _in(app, lang: str, fn):
    with app.test_request_context("/"):
        session["lang"] = lang
        refresh()
        return fn()


def test_a_message_renders_in_the_readers_language(app):
    """The same stored message reads in Chinese and in English; typed parameters stay, enums are labelled, lists
    are joined in the reader's style, and a counted message takes the singular for one."""
    note = Message(N_("新报修：%(compound)s #%(id)s"), {"compound": "幸福小区", "id": 7}).as_json()
    assert _in(app, "zh_CN", lambda: render(note)) == "新报修：幸福小区 #7"
    assert _in(app, "en", lambda: render(note)) == "New repair: 幸福小区 #7"
    holder = Message(N_("%(holder)s余额 %(balance)s 元，首期交存额 %(due)s 元。"),
                     {"holder": Holder.OWNER, "balance": "1.00", "due": "2.00"}).as_json()
    assert holder["params"]["holder"] == {"enum": "Holder", "value": "owner"}  # stored as a code, not a word
    assert not re.search(r"[\u4e00-\u9fff]", _in(app, "en", lambda: render(holder)))
    doors = counted("%(doors)s等，共 %(num)d 户", "%(doors)s等，共 %(num)d 户", 1, doors=["1号楼101", "1号楼102"])
    assert _in(app, "en", lambda: str(doors)) == "1号楼101, 1号楼102 and others, 1 household in all"
    assert _in(app, "zh_CN", lambda: str(doors)) == "1号楼101、1号楼102等，共 1 户"
    assert render(None, "stored before messages") == "stored before messages"


def test_notification_is_stored_as_a_message_and_shown_in_english(app, db, client, auth):
    """A notification keeps its msgid and parameters (and the platform-language text for the API); the bell shows
    it in the reader's language."""
    w = make_world()
    manager = w.users[Role.STATION_MANAGER]
    note = notify(manager, "repair.new", Message(N_("新报修：%(compound)s #%(id)s"), {"compound": "Oak", "id": 3}),
                  body="typed description")
    db.session.commit()
    stored = db.session.get(Notification, note.id)
    assert stored.title == "新报修：Oak #3" and stored.body == "typed description"
    assert stored.message == {"title": {"msgid": "新报修：%(compound)s #%(id)s", "params": {"compound": "Oak", "id": 3}}}
    auth.login("manager", PASSWORD)
    client.post("/auth/lang/en", data={"next": "/notifications/"})
    page = client.get("/notifications/").get_data(as_text=True)
    assert "New repair: Oak #3" in page and "新报修" not in page


def test_timeline_and_default_team_names_in_english(app, db, client, auth):
    """Dispatching writes the team and the member as a message (no stored Chinese); a default team has no stored
    name and reads as its kind in either language, a typed name stays."""
    w = repair_world()
    owner, manager = w.users[Role.OWNER], w.users[Role.STATION_MANAGER]
    station = w.stations["a"]
    made = teams.ensure_teams(station, actor=manager, scope=scope_for(manager))
    cleaning = next(t for t in made if t.kind == TeamKind.CLEANING)
    assert cleaning.name is None
    assert _in(app, "en", lambda: teams.team_name(cleaning)) == "Cleaning team"
    assert _in(app, "zh_CN", lambda: teams.team_name(cleaning)) == "保洁队"
    req = filing.file_request(w.compounds["a"][0], actor=owner, scope=scope_for(owner), category="leak",
                              urgency="normal", description="卫生间漏水很严重", household_id=w.households["a"][0].id)
    staff = w.users[Role.STATION_STAFF]
    maintenance = db.session.get(Team, w.team.id)
    maintenance.name = None  # as migration 0020 leaves a default-named team
    workflow.dispatch(req, actor=manager, scope=scope_for(manager), team_id=maintenance.id, assignee_id=staff.id)
    db.session.commit()
    event = db.session.scalar(select(RepairEvent).where(RepairEvent.request_id == req.id,
                                                        RepairEvent.kind == "dispatched"))
    assert event.note is None and event.message["params"]["team"] == {"enum": "TeamKind", "value": "maintenance"}
    assert _in(app, "zh_CN", lambda: event_note(event.note, event.message)) == f"运维队 · {staff.display_name}"
    auth.login("manager", PASSWORD)
    client.post("/auth/lang/en", data={"next": "/"})
    timeline = client.get(f"/repairs/{req.id}").get_data(as_text=True).split('id="timeline"')[1]
    assert "运维队" not in timeline and staff.display_name in timeline


def test_english_catalogue_has_no_full_width_punctuation():
    """No English msgstr carries full-width punctuation (，。：（）、)."""
    text = PO_PATH.read_text(encoding="utf-8")
    full_width = [line for line in text.splitlines()
                  if line.startswith("msgstr") and re.search(r"[\u3000-\u303f\uff01-\uff5e]", line)]
    assert full_width == []


@pytest.mark.postgres
def test_migration_0020_clears_default_team_names_only(app, db):
    """0020 turns the default Chinese team names into NULL (the kind's label when shown) and keeps typed names."""
    w = repair_world()  # its maintenance teams are named 运维队 and 运维队B
    station = w.stations["a"]
    db.session.add(Team(station_id=station.id, kind=TeamKind.CLEANING, name="保洁队"))
    # ids read before the commit expires the rows: at 0020 the stations table lacks later columns, and a reload
    # would also hold a read lock that the downgrade's DROP TABLE waits for (on PostgreSQL)
    station_id, station_b_id = station.id, w.stations["b"].id
    db.session.commit()
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    try:
        downgrade(revision=script.get_revision("0020").down_revision)  # whatever 0020 follows once re-chained
        upgrade(revision="0020")
        db.session.expire_all()
        names = dict(db.session.execute(select(Team.id, Team.name).where(Team.station_id == station_id)).all())
        assert sorted(v for v in names.values() if v) == []  # 运维队 and 保洁队 are the default labels
        names_b = db.session.scalars(select(Team.name).where(Team.station_id == station_b_id)).all()
        assert names_b == ["运维队B"]  # typed: stays
    finally:
        db.session.rollback()
        upgrade()


def test_platform_texts_are_platform_text_of_each_under_one_locale_switch(app):
    """The bulk form the monthly computation uses gives the same words as platform_text one by one (Chinese even
    for an English reader), keeps typed text and None as they are, and leaves the reader's language afterwards."""
    from flask_babel import get_locale

    from pm.services.messages import platform_text, platform_texts

    texts = [Message(N_("新报修：%(compound)s #%(id)s"), {"compound": "幸福小区", "id": 7}), "照旧", None,
             counted("工作日志缺失 %(num)d 个队伍日（逾期补录不计），每个扣 %(per)s 分",
                     "工作日志缺失 %(num)d 个队伍日（逾期补录不计），每个扣 %(per)s 分", 3, per="0.1")]

    def both():
        return platform_texts(texts), [platform_text(t) for t in texts], str(get_locale())

    bulk, single, after = _in(app, "en", both)
    assert bulk == single and bulk[0] == "新报修：幸福小区 #7" and bulk[1:3] == ["照旧", None]
    assert "3" in bulk[3] and after == "en"
