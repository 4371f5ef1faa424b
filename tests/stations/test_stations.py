"""Station work: the four teams and members, daily work logs, the month calendar of gaps, patrols."""
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import AuditLog, CheckinStatus, Role, Shift, TeamKind, WorkLog
from pm.services.periods import Month
from pm.services.stations import patrols, worklogs
from pm.services.stations import teams as station_teams
from tests.factories import make_user, make_world
from tests.factories.files import PNG

NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
TODAY = date(2026, 3, 15)

def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def photo(name="a.png", data=PNG):
    return FileStorage(stream=BytesIO(data), filename=name, content_type="image/png")


def teams_of(w):
    return {t.kind: t for t in station_teams.ensure_teams(w.stations["a"], **by(w.users[Role.STATION_MANAGER]))}


@pytest.mark.postgres
def test_manager_creates_the_four_teams_once(db):
    """The station manager creates the four teams; running it again creates nothing more."""
    w = make_world()
    first = station_teams.ensure_teams(w.stations["a"], **by(w.users[Role.STATION_MANAGER]))
    again = station_teams.ensure_teams(w.stations["a"], **by(w.users[Role.STATION_MANAGER]))
    assert [t.kind for t in first] == list(TeamKind)
    assert [t.id for t in first] == [t.id for t in again]
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "team.create")) == 4


@pytest.mark.parametrize("role", [Role.STATION_STAFF, Role.COMMUNITY_WORKER, Role.OWNER])
def test_only_the_station_manager_manages_teams(db, role):
    """Staff, officials and owners cannot create teams for a station."""
    w = make_world()
    with pytest.raises(Forbidden):
        station_teams.ensure_teams(w.stations["a"], **by(w.users[role]))


@pytest.mark.postgres
def test_members_are_the_stations_own_staff(db):
    """Only enabled staff accounts of the same station join a team; a second add is a conflict."""
    w = make_world()
    team = teams_of(w)[TeamKind.CLEANING]
    staff = w.users[Role.STATION_STAFF]
    station_teams.add_member(team, staff, **by(w.users[Role.STATION_MANAGER]))
    assert team.members == [staff]
    with pytest.raises(Conflict):
        station_teams.add_member(team, staff, **by(w.users[Role.STATION_MANAGER]))
    foreign = make_user(Role.STATION_STAFF, w.stations["b"])
    with pytest.raises(DomainError) as err:
        station_teams.add_member(team, foreign, **by(w.users[Role.STATION_MANAGER]))
    assert "user_id" in err.value.fields
    with pytest.raises(DomainError):
        station_teams.add_member(team, w.users[Role.OWNER], **by(w.users[Role.STATION_MANAGER]))
    station_teams.remove_member(team, staff, **by(w.users[Role.STATION_MANAGER]))
    assert team.members == []
    with pytest.raises(DomainError):
        station_teams.remove_member(team, staff, **by(w.users[Role.STATION_MANAGER]))


def test_work_log_with_photos(db):
    """A staff member logs a team's shift with photos; the log is audited."""
    w = make_world()
    team = teams_of(w)[TeamKind.SECURITY]
    log = worklogs.create_log(team, log_on=TODAY, shift="morning", content=" 巡逻三次 ", **by(w.users[Role.STATION_STAFF]),
                              photos=[photo(), photo("b.png")], now=NOW)
    assert log.content == "巡逻三次" and log.shift == Shift.MORNING and len(log.photos) == 2
    assert log.station_id == w.stations["a"].id
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_id == log.id,
                                                            AuditLog.object_type == "WorkLog")) == "worklog.create"


@pytest.mark.postgres
def test_one_log_per_team_date_and_shift(db):
    """A second log for the same team, date and shift is refused; another shift is fine."""
    w = make_world()
    team = teams_of(w)[TeamKind.CLEANING]
    staff = w.users[Role.STATION_STAFF]
    worklogs.create_log(team, log_on=TODAY, shift=Shift.MORNING, content="清扫", **by(staff), now=NOW)
    with pytest.raises(Conflict) as err:
        worklogs.create_log(team, log_on=TODAY, shift=Shift.MORNING, content="再扫", **by(staff), now=NOW)
    assert "shift" in err.value.fields
    worklogs.create_log(team, log_on=TODAY, shift=Shift.EVENING, content="晚扫", **by(staff), now=NOW)
    assert db.session.scalar(select(func.count()).select_from(WorkLog)) == 2


@pytest.mark.parametrize("kwargs, field", [
    ({"log_on": TODAY + timedelta(days=1)}, "log_on"),
    ({"content": "   "}, "content"),
    ({"content": "x" * 4001}, "content"),
    ({"shift": "night"}, "shift"),
])
def test_bad_log_is_refused(db, kwargs, field):
    """A future date, empty or overlong content, an unknown shift: a clear error on the field, nothing saved."""
    w = make_world()
    team = teams_of(w)[TeamKind.CLEANING]
    args = {"log_on": TODAY, "shift": "morning", "content": "内容", **kwargs}
    with pytest.raises(DomainError) as err:
        worklogs.create_log(team, **by(w.users[Role.STATION_STAFF]), now=NOW, **args)
    assert field in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(WorkLog)) == 0


def test_too_many_or_fake_photos_are_refused(db):
    """At most six photos, each checked by content."""
    w = make_world()
    team = teams_of(w)[TeamKind.CLEANING]
    with pytest.raises(DomainError, match="6"):
        worklogs.create_log(team, log_on=TODAY, shift="morning", content="x", **by(w.users[Role.STATION_STAFF]),
                            photos=[photo() for _ in range(7)], now=NOW)
    with pytest.raises(DomainError, match="格式"):
        worklogs.create_log(team, log_on=TODAY, shift="morning", content="x", **by(w.users[Role.STATION_STAFF]),
                            photos=[photo("x.png", b"MZ not an image at all")], now=NOW)


def test_other_stations_staff_cannot_log(db):
    """Staff of another station (or an official) cannot write a team's log."""
    w = make_world()
    team = teams_of(w)[TeamKind.CLEANING]
    for user in (make_user(Role.STATION_STAFF, w.stations["b"]), w.users[Role.COMMUNITY_WORKER]):
        with pytest.raises(Forbidden):
            worklogs.create_log(team, log_on=TODAY, shift="morning", content="x", **by(user), now=NOW)


@pytest.mark.postgres
def test_month_gaps_list_days_without_a_log_up_to_today(db):
    """The calendar lists, per team, the days of the month up to today that have no log."""
    w = make_world()
    teams = teams_of(w)
    staff = w.users[Role.STATION_STAFF]
    for d in (1, 2, 15):
        worklogs.create_log(teams[TeamKind.CLEANING], log_on=date(2026, 3, d), shift="full_day", content="x",
                            **by(staff), now=NOW)
    worklogs.create_log(teams[TeamKind.CLEANING], log_on=date(2026, 3, 2), shift="evening", content="y", **by(staff),
                        now=NOW)
    rows = {r.team.kind: r for r in worklogs.month_gaps(w.stations["a"], Month(2026, 3), today=TODAY, scope=SYSTEM)}
    cleaning = rows[TeamKind.CLEANING]
    assert cleaning.logged == 3
    assert cleaning.missing == [date(2026, 3, d) for d in range(3, 15)]
    assert len(rows[TeamKind.ORDER].missing) == 15
    with pytest.raises(DomainError):
        worklogs.month_gaps(w.stations["a"], Month(2026, 13), today=TODAY, scope=SYSTEM)


@pytest.mark.postgres
def test_route_with_ordered_points_and_bad_input(db):
    """A route keeps its points in order; empty, duplicate points or a duplicate name are refused."""
    w = make_world()
    mgr = w.users[Role.STATION_MANAGER]
    route = patrols.create_route(w.stations["a"], name="夜巡", points=["东门", " ", "1号楼", "西门"], **by(mgr))
    assert [(p.position, p.name) for p in route.points] == [(1, "东门"), (2, "1号楼"), (3, "西门")]
    for kwargs, field in (({"name": "夜巡", "points": ["A"]}, "name"), ({"name": "B", "points": [" "]}, "points"),
                          ({"name": "C", "points": ["A", "A"]}, "points"), ({"name": "", "points": ["A"]}, "name")):
        with pytest.raises(DomainError) as err:
            patrols.create_route(w.stations["a"], **by(mgr), **kwargs)
        assert field in err.value.fields
    with pytest.raises(Forbidden):
        patrols.create_route(w.stations["a"], name="X", points=["A"], **by(w.users[Role.STATION_STAFF]))


def test_patrol_run_shows_missed_points(db):
    """A day's run lists each point with its check-ins; points without one are missed."""
    w = make_world()
    route = patrols.create_route(w.stations["a"], name="日巡", points=["东门", "车棚", "西门"],
                                 **by(w.users[Role.STATION_MANAGER]))
    staff = w.users[Role.STATION_STAFF]
    patrols.checkin(route.points[0], **by(staff), status="ok", photo=photo(), now=NOW)
    patrols.checkin(route.points[2], **by(staff), status="problem", note="路灯不亮", now=NOW)
    patrols.checkin(route.points[1], **by(staff), status="ok", now=NOW - timedelta(days=1))
    run = patrols.patrol_run(route, TODAY, scope=SYSTEM)
    assert [p.missed for p in run] == [False, True, False]
    assert run[2].has_problem and run[0].checkins[0].photo_path
    assert [p.missed for p in patrols.patrol_run(route, TODAY - timedelta(days=1), scope=SYSTEM)] == [True, False, True]


def test_checkin_rules(db):
    """A problem needs a note; an unknown status is refused; another station's staff cannot check in."""
    w = make_world()
    route = patrols.create_route(w.stations["a"], name="日巡", points=["东门"], **by(w.users[Role.STATION_MANAGER]))
    staff = w.users[Role.STATION_STAFF]
    with pytest.raises(DomainError) as err:
        patrols.checkin(route.points[0], **by(staff), status=CheckinStatus.PROBLEM, note=" ", now=NOW)
    assert "note" in err.value.fields
    with pytest.raises(DomainError):
        patrols.checkin(route.points[0], **by(staff), status="bad", now=NOW)
    with pytest.raises(Forbidden):
        patrols.checkin(route.points[0], **by(make_user(Role.STATION_STAFF, w.stations["b"])), status="ok", now=NOW)


@pytest.mark.postgres
def test_problem_checkin_files_a_repair_request_once(db):
    """A problem on patrol files a repair request in the station's compound, linked to the check-in, once."""
    from pm.models import RepairRequest

    w = make_world()
    route = patrols.create_route(w.stations["a"], name="日巡", points=["东门"], **by(w.users[Role.STATION_MANAGER]))
    staff = w.users[Role.STATION_STAFF]
    row = patrols.checkin(route.points[0], **by(staff), status="problem", note="路灯不亮", now=NOW)
    req = patrols.repair_from_checkin(row, **by(staff), compound_id=None, category="lighting", now=NOW)
    assert row.repair_request_id == req.id and req.compound_id == w.compounds["a"][0].id
    assert "路灯不亮" in req.description and req.station_id == w.stations["a"].id
    with pytest.raises(Conflict):
        patrols.repair_from_checkin(row, **by(staff), compound_id=None, category="lighting", now=NOW)
    ok = patrols.checkin(route.points[0], **by(staff), status="ok", now=NOW)
    with pytest.raises(DomainError):
        patrols.repair_from_checkin(ok, **by(staff), compound_id=None, category="lighting", now=NOW)
    bad = patrols.checkin(route.points[0], **by(staff), status="problem", note="井盖", now=NOW)
    with pytest.raises(DomainError) as err:
        patrols.repair_from_checkin(bad, **by(staff), compound_id=w.compounds["b"][0].id, category="road", now=NOW)
    assert "compound_id" in err.value.fields
    with pytest.raises(DomainError) as err:
        patrols.repair_from_checkin(bad, **by(staff), compound_id=None, category="nonsense", now=NOW)
    assert "category" in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 1
