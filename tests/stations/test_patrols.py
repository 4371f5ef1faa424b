"""巡查打卡 as one service: a check-in with the order or repair request it opens, for the page and the API alike."""
import os
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from pm.access import scope_for
from pm.errors import DomainError, NotFound
from pm.models import PatrolCheckin, RectificationOrder, RepairRequest, Role, TeamKind
from pm.services.stations import patrols, worklogs
from pm.services.stations import teams as station_teams
from tests.factories import make_user, make_world

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
TODAY = date(2026, 3, 15)


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


@pytest.fixture
def route(app, db):
    w = make_world()
    r = patrols.create_route(w.stations["a"], name="日巡", points=["东门", "车棚"], **by(w.users[Role.STATION_MANAGER]))
    r.world = w
    return r


def _photo():
    return FileStorage(stream=BytesIO(PNG), filename="p.png", content_type="image/png")


def test_problem_opens_an_order_and_files_a_repair_at_once(route, db):
    """One check-in with a problem opens the station's order and files the repair request, both linked."""
    staff = route.world.users[Role.STATION_STAFF]
    done = patrols.record_checkin(route.points[0], **by(staff), status="problem", note="井盖松动",
                                  order=patrols.OrderAsked("更换井盖", TODAY + timedelta(days=1)),
                                  repair=patrols.RepairAsked(None, "road"), now=NOW)
    order = db.session.get(RectificationOrder, done.rectification_id)
    assert order.checkin_id == done.id and "井盖松动" in order.problem
    assert db.session.get(RepairRequest, done.repair_request_id).location_note == "东门"
    run = patrols.patrol_run(route, TODAY, scope=scope_for(staff))
    assert [c.rectification_id for c in run[0].checkins] == [order.id] and run[1].missed


@pytest.mark.parametrize("order, repair, part, field", [
    (patrols.OrderAsked("", TODAY), None, "rectification", "measure"),
    (None, patrols.RepairAsked(None, "nonsense"), "repair", "category"),
])
def test_a_refused_part_names_itself_and_leaves_no_photo(route, db, app, order, repair, part, field):
    """If the order or the repair request is refused, the error says which, and the stored photo is removed."""
    staff = route.world.users[Role.STATION_STAFF]
    folder = os.path.join(app.config["UPLOAD_DIR"], "patrols", str(route.station_id))
    with pytest.raises(DomainError) as err:
        patrols.record_checkin(route.points[0], **by(staff), status="problem", note="灯坏", photo=_photo(),
                               order=order, repair=repair, now=NOW)
    assert err.value.part == part and field in err.value.fields
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_a_plain_check_in_has_no_part(route, db):
    """A check-in refused on its own (a problem without a note) is not blamed on an order or a repair."""
    with pytest.raises(DomainError) as err:
        patrols.record_checkin(route.points[0], **by(route.world.users[Role.STATION_STAFF]), status="problem",
                               note=" ", now=NOW)
    assert getattr(err.value, "part", None) is None and "note" in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(PatrolCheckin)) == 0


def test_services_check_the_scope_they_are_given(route, db):
    """The right role with a scope that does not reach the row is refused: no service skips its scope."""
    w = route.world
    staff, manager = w.users[Role.STATION_STAFF], w.users[Role.STATION_MANAGER]
    stranger = make_user(Role.STATION_STAFF, w.stations["b"])
    team = {t.kind: t for t in station_teams.ensure_teams(w.stations["a"], **by(manager))}[TeamKind.CLEANING]
    with pytest.raises(NotFound):
        worklogs.create_log(team, log_on=TODAY, shift="morning", content="x", actor=staff, scope=scope_for(stranger),
                            now=NOW)
    with pytest.raises(NotFound):
        patrols.checkin(route.points[0], actor=staff, scope=scope_for(stranger), status="ok", now=NOW)
    with pytest.raises(NotFound):
        station_teams.add_member(team, staff, actor=manager, scope=scope_for(stranger))
