"""Station work pages: teams and members, work logs with photos, the gap calendar, patrol runs and check-ins."""
import os
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import PatrolCheckin, RectificationOrder, Role, Team, TeamKind, WorkLog
from pm.services.stations import teams as station_teams
from pm.services.stations import worklogs
from pm.timeutil import local_today
from tests.factories import make_user, make_world
from tests.factories.files import PNG

def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def setup(db):
    w = make_world()
    teams = {t.kind: t for t in station_teams.ensure_teams(w.stations["a"], **by(w.users[Role.STATION_MANAGER]))}
    db.session.commit()
    return w, teams


def test_manager_sets_up_teams_and_members(client, auth, db):
    """The manager creates the four teams on the page and adds and removes a staff member."""
    w = make_world()
    auth.login("manager")
    assert client.post("/stationwork/teams/setup").status_code == 302
    team = db.session.scalar(select(Team).where(Team.station_id == w.stations["a"].id, Team.kind == TeamKind.ORDER))
    staff = w.users[Role.STATION_STAFF]
    page = client.get("/stationwork/").get_data(as_text=True)
    assert "治安队" in page and "保洁队" in page
    assert client.post(f"/stationwork/teams/{team.id}/members", data={"user_id": staff.id}).status_code == 302
    db.session.refresh(team)
    assert [m.id for m in team.members] == [staff.id]
    foreign = make_user(Role.STATION_STAFF, w.stations["b"])
    db.session.commit()
    assert client.post(f"/stationwork/teams/{team.id}/members", data={"user_id": foreign.id}).status_code == 404
    assert client.post(f"/stationwork/teams/{team.id}/members/{staff.id}/remove").status_code == 302
    db.session.refresh(team)
    assert team.members == []


def test_staff_cannot_manage_teams(client, auth, db):
    """Station staff cannot set up teams or change members."""
    w, teams = setup(db)
    auth.login("staff")
    assert client.post("/stationwork/teams/setup").status_code == 403
    resp = client.post(f"/stationwork/teams/{teams[TeamKind.CLEANING].id}/members",
                       data={"user_id": w.users[Role.STATION_STAFF].id})
    assert resp.status_code == 403


def test_staff_writes_a_log_with_photos_and_sees_it(client, auth, db):
    """A staff member writes a log with photos from the phone page; the list shows it and serves the photo."""
    _w, teams = setup(db)
    auth.login("staff")
    assert client.get("/stationwork/logs/new").status_code == 200
    resp = client.post("/stationwork/logs/new", data={
        "team_id": teams[TeamKind.CLEANING].id, "log_on": local_today().isoformat(), "shift": "morning",
        "content": "清扫主干道", "photos": [(BytesIO(PNG), "a.png"), (BytesIO(PNG), "b.png")],
    }, content_type="multipart/form-data")
    assert resp.status_code == 302
    log = db.session.scalar(select(WorkLog))
    assert log.content == "清扫主干道" and len(log.photos) == 2
    page = client.get("/stationwork/logs").get_data(as_text=True)
    assert "清扫主干道" in page
    got = client.get(f"/files/worklog_photo/{log.photos[0].id}")
    body = got.data
    got.close()
    assert got.status_code == 200 and body == PNG


@pytest.mark.postgres
def test_future_or_duplicate_log_reshows_the_form(client, auth, db):
    """A future date or a second log for the same shift re-shows the form with the reason; nothing saved twice."""
    _w, teams = setup(db)
    auth.login("staff")
    data = {"team_id": teams[TeamKind.CLEANING].id, "shift": "morning", "content": "x"}
    resp = client.post("/stationwork/logs/new", data={**data, "log_on": (local_today() + timedelta(days=1)).isoformat()})
    assert resp.status_code == 400 and "不能填写未来日期" in resp.get_data(as_text=True)
    assert client.post("/stationwork/logs/new", data={**data, "log_on": local_today().isoformat()}).status_code == 302
    resp = client.post("/stationwork/logs/new", data={**data, "log_on": local_today().isoformat()})
    assert resp.status_code == 400 and "已经填写过" in resp.get_data(as_text=True)
    resp = client.post("/stationwork/logs/new", data={**data, "log_on": local_today().isoformat(), "shift": "evening",
                                                      "photos": [(BytesIO(b"not an image"), "x.png")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "格式" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WorkLog)) == 1


def test_calendar_shows_days_without_logs(client, auth, db):
    """The month calendar lists each team with the days that have no log."""
    w, teams = setup(db)
    worklogs.create_log(teams[TeamKind.CLEANING], log_on=local_today(), shift="full_day", content="x",
                        **by(w.users[Role.STATION_STAFF]))
    db.session.commit()
    auth.login("staff")
    page = client.get("/stationwork/calendar").get_data(as_text=True)
    assert "保洁队" in page and "治安队" in page and 'id="gaps"' in page
    assert client.get("/stationwork/calendar?month=2026-13").status_code == 422
    assert client.get("/stationwork/calendar?month=bad").status_code == 422


def test_officials_view_a_station_in_their_area_only(client, auth, db):
    """A community worker sees the logs of a station in their community, never another's."""
    w, teams = setup(db)
    worklogs.create_log(teams[TeamKind.CLEANING], log_on=local_today(), shift="full_day", content="本站日志",
                        **by(w.users[Role.STATION_STAFF]))
    db.session.commit()
    auth.login("community")
    assert "a服务站" in client.get("/stationwork/").get_data(as_text=True)
    assert "本站日志" in client.get(f"/stationwork/logs?station_id={w.stations['a'].id}").get_data(as_text=True)
    assert client.get(f"/stationwork/logs?station_id={w.stations['b'].id}").status_code == 404
    assert client.get("/stationwork/logs/new").status_code == 403


def test_station_never_sees_another_stations_logs_or_photos(client, auth, db):
    """Staff of station b get a 404 for station a's log photos and see none of its logs."""
    w, teams = setup(db)
    log = worklogs.create_log(teams[TeamKind.CLEANING], log_on=local_today(), shift="full_day", content="甲站日志",
                              **by(w.users[Role.STATION_STAFF]), photos=[_fs()])
    make_user(Role.STATION_STAFF, w.stations["b"], username="bstaff")
    db.session.commit()
    auth.login("bstaff")
    assert "甲站日志" not in client.get("/stationwork/logs").get_data(as_text=True)
    assert client.get(f"/files/worklog_photo/{log.photos[0].id}").status_code == 404


@pytest.mark.parametrize("username", ["owner", "resident", "committee"])
def test_owners_and_residents_have_no_access(client, auth, db, username):
    """Owners, residents and committee members cannot open station work pages."""
    setup(db)
    auth.login(username)
    for url in ("/stationwork/", "/stationwork/logs", "/stationwork/calendar", "/stationwork/patrols"):
        assert client.get(url).status_code == 403


def test_patrol_route_run_and_checkin_with_order(client, auth, db):
    """The manager creates a route; staff check in (a problem opens an order); the run shows missed points."""
    w, _teams = setup(db)
    auth.login("manager")
    resp = client.post("/stationwork/patrols/new", data={"name": "夜巡", "points": "东门\n车棚\n西门"})
    assert resp.status_code == 302
    route_url = resp.headers["Location"]
    auth.logout()
    auth.login("staff")
    run = client.get(route_url).get_data(as_text=True)
    assert "漏巡 3 个点位" in run
    points = [p for p in db.session.scalars(select(PatrolCheckin.point_id))]
    assert points == []
    from pm.models import PatrolPoint
    first, second, _third = db.session.scalars(select(PatrolPoint).order_by(PatrolPoint.position)).all()
    assert client.post(f"/stationwork/patrols/points/{first.id}/checkin",
                       data={"status": "ok", "photo": (BytesIO(PNG), "p.png")},
                       content_type="multipart/form-data").status_code == 302
    resp = client.post(f"/stationwork/patrols/points/{second.id}/checkin",
                       data={"status": "problem", "note": "车棚灯坏", "open_order": "y", "measure": "换灯",
                             "due_on": local_today().isoformat()})
    assert resp.status_code == 302
    order = db.session.scalar(select(RectificationOrder))
    assert order.checkin_id is not None and "车棚灯坏" in order.problem
    run = client.get(route_url).get_data(as_text=True)
    assert "漏巡 1 个点位" in run and "整改单" in run
    # a problem can file a repair request directly
    resp = client.post(f"/stationwork/patrols/points/{first.id}/checkin",
                       data={"status": "problem", "note": "东门路灯不亮", "open_repair": "y",
                             "repair_compound": w.compounds["a"][0].id, "repair_category": "lighting"})
    assert resp.status_code == 302
    assert db.session.scalar(select(PatrolCheckin.repair_request_id).where(PatrolCheckin.note == "东门路灯不亮"))
    # a failed order request rolls the check-in back and leaves no photo behind
    upload_dir = os.path.join(client.application.config["UPLOAD_DIR"], "patrols", str(w.stations["a"].id))
    before = len(os.listdir(upload_dir))
    resp = client.post(f"/stationwork/patrols/points/{first.id}/checkin",
                       data={"status": "problem", "note": "n", "open_order": "y", "measure": "",
                             "photo": (BytesIO(PNG), "p.png")}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "请填写整改要求" in resp.get_data(as_text=True)
    assert len(os.listdir(upload_dir)) == before
    # a problem without a note is refused and writes nothing
    resp = client.post(f"/stationwork/patrols/points/{first.id}/checkin", data={"status": "problem", "note": ""})
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PatrolCheckin)) == 3


def _fs():
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=BytesIO(PNG), filename="p.png", content_type="image/png")
