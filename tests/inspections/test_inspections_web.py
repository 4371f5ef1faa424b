"""Inspection pages: create (level and target by role), findings with photos, the order queue, report and re-check."""
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import (
    Finding,
    FindingPhoto,
    Inspection,
    OrderStatus,
    RectificationPhoto,
    Role,
    WorkLog,
)
from pm.services.inspections import inspections, rectification
from pm.services.stations import patrols, worklogs
from pm.services.stations import teams as station_teams
from pm.timeutil import local_today
from tests.factories import make_user, make_world
from tests.factories.files import PNG

def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def inspect(w, compound=None, role=Role.STREET_OFFICER, level="street_weekly"):
    return inspections.create_inspection(**by(w.users[role]), level=level, target_kind="compound",
                                         target_id=(compound or w.compounds["a"][0]).id, inspected_on=local_today())


def add(inspection, user, **kw):
    args = {"item_code": "environment", "deduction": "1", "note": "垃圾满溢", "measure": "当日清运",
            "due_on": local_today() + timedelta(days=1), **kw}
    return inspections.add_finding(inspection, **by(user), **args)


def test_street_officer_creates_an_inspection_and_adds_a_finding(client, auth, db):
    """The form offers the officer's targets; a finding with a photo opens an order shown on the detail page."""
    w = make_world()
    auth.login("street")
    form = client.get("/inspections/new").get_data(as_text=True)
    assert "a小区一" in form and "b小区一" not in form and "街道每周督查" in form
    resp = client.post("/inspections/new", data={
        "level": "street_weekly", "target": f"compound:{w.compounds['a'][0].id}",
        "inspected_on": local_today().isoformat(), "summary": "例行督查"})
    assert resp.status_code == 302
    inspection = db.session.scalar(select(Inspection))
    resp = client.post(f"/inspections/{inspection.id}", data={
        "item_code": "environment", "deduction": "0.5", "note": "楼道堆物", "measure": "三日内清理",
        "due_on": (local_today() + timedelta(days=3)).isoformat(), "photos": [(BytesIO(PNG), "a.png")],
    }, content_type="multipart/form-data")
    assert resp.status_code == 302
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert "楼道堆物" in page and "0.50" in page and "整改单" in page
    finding = db.session.scalar(select(Finding))
    got = client.get(f"/files/finding_photo/{finding.photos[0].id}")
    body = got.data
    got.close()
    assert body == PNG


@pytest.mark.parametrize("data, message", [
    ({"deduction": "25"}, "每处扣分"),
    ({"deduction": "abc"}, "数字"),
    ({"due_on": "2000-01-01"}, "不能早于今天"),
])
def test_bad_finding_reshows_the_form(client, auth, db, data, message):
    """Deduction above the item's points, not a number, or a past deadline: the form comes back with the reason."""
    w = make_world()
    inspection = inspect(w)
    db.session.commit()
    auth.login("street")
    base = {"item_code": "environment", "deduction": "1", "note": "n", "measure": "m",
            "due_on": local_today().isoformat()}
    resp = client.post(f"/inspections/{inspection.id}", data={**base, **data})
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


def test_wrong_target_or_future_date_reshows_the_form(client, auth, db):
    """Another street's compound or a future date is refused on the form; nothing is saved."""
    w = make_world()
    auth.login("street")
    resp = client.post("/inspections/new", data={
        "level": "street_weekly", "target": f"compound:{w.compounds['b'][0].id}",
        "inspected_on": local_today().isoformat()})
    assert resp.status_code == 400
    resp = client.post("/inspections/new", data={
        "level": "street_weekly", "target": f"compound:{w.compounds['a'][0].id}",
        "inspected_on": (local_today() + timedelta(days=1)).isoformat()})
    assert resp.status_code == 400 and "未来" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_station_reports_and_inspector_closes_through_the_pages(client, auth, db):
    """The station reports the fix with a photo; the inspector returns it, then closes it; the timeline shows it."""
    w = make_world()
    order = add(inspect(w), w.users[Role.STREET_OFFICER]).order
    db.session.commit()
    auth.login("staff")
    queue = client.get("/inspections/rectifications/").get_data(as_text=True)
    assert "垃圾满溢" in queue
    resp = client.post(f"/inspections/rectifications/{order.id}/report",
                       data={"note": "已清运", "photos": [(BytesIO(PNG), "after.png")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    evidence = db.session.scalar(select(RectificationPhoto))
    got = client.get(f"/files/rectification_photo/{evidence.id}")
    body = got.data
    got.close()
    assert body == PNG
    assert client.post(f"/inspections/rectifications/{order.id}/recheck", data={"decision": "close"}).status_code == 403
    auth.logout()
    auth.login("street")
    resp = client.post(f"/inspections/rectifications/{order.id}/recheck", data={"decision": "return", "reason": ""})
    assert resp.status_code == 400 and "退回时请填写原因" in resp.get_data(as_text=True)
    assert client.post(f"/inspections/rectifications/{order.id}/recheck",
                       data={"decision": "return", "reason": "仍有垃圾"}).status_code == 302
    db.session.refresh(order)
    assert order.status == OrderStatus.RETURNED
    auth.logout()
    auth.login("manager")
    assert client.post(f"/inspections/rectifications/{order.id}/report", data={"note": "二次清运"}).status_code == 302
    auth.logout()
    auth.login("street")
    assert client.post(f"/inspections/rectifications/{order.id}/recheck", data={"decision": "close"}).status_code == 302
    page = client.get(f"/inspections/rectifications/{order.id}").get_data(as_text=True)
    assert "已闭合" in page and "仍有垃圾" in page and "二次清运" in page


@pytest.mark.postgres
def test_queue_puts_overdue_first_and_flags_it(client, auth, db):
    """Owed orders come first, overdue ones leading and flagged; closed ones last."""
    w = make_world()
    officer = w.users[Role.STREET_OFFICER]
    inspection = inspect(w)
    later = add(inspection, officer, note="晚期限", due_on=local_today() + timedelta(days=9)).order
    overdue = add(inspection, officer, note="已逾期的", item_code="order").order
    overdue.due_on = local_today() - timedelta(days=2)  # as if the deadline passed
    closed = add(inspection, officer, note="已闭合的", item_code="greening").order
    rectification.report_done(closed, **by(w.users[Role.STATION_STAFF]), note="ok")
    rectification.recheck(closed, **by(officer), passed=True)
    db.session.commit()
    auth.login("manager")
    page = client.get("/inspections/rectifications/").get_data(as_text=True)
    assert page.index("已逾期的") < page.index("晚期限") < page.index("已闭合的")
    only = client.get("/inspections/rectifications/?overdue=1").get_data(as_text=True)
    assert "已逾期的" in only and "晚期限" not in only
    assert later.id != overdue.id


def test_station_never_sees_another_stations_orders(client, auth, db):
    """A station of another street sees neither the order, its inspection nor its photos (404)."""
    w = make_world()
    order = add(inspect(w), w.users[Role.STREET_OFFICER], photos=[_fs()]).order
    make_user(Role.STATION_MANAGER, w.stations["b"], username="bmanager")
    db.session.commit()
    auth.login("bmanager")
    assert "垃圾满溢" not in client.get("/inspections/rectifications/").get_data(as_text=True)
    assert client.get(f"/inspections/rectifications/{order.id}").status_code == 404
    assert client.get(f"/inspections/{order.finding.inspection_id}").status_code == 404
    finding_photo = db.session.scalar(select(FindingPhoto))
    assert client.get(f"/files/finding_photo/{finding_photo.id}").status_code == 404
    assert client.post(f"/inspections/rectifications/{order.id}/report", data={"note": "x"}).status_code == 404


def test_roles_create_only_their_level(client, auth, db):
    """Station staff cannot create inspections; a community worker is offered only the daily patrol."""
    make_world()
    auth.login("staff")
    assert client.get("/inspections/new").status_code == 403
    auth.logout()
    auth.login("community")
    page = client.get("/inspections/new").get_data(as_text=True)
    assert "社区每日巡查" in page and "街道每周督查" not in page


@pytest.mark.parametrize("username", ["owner", "resident", "committee"])
def test_owners_and_residents_have_no_access(client, auth, db, username):
    """Owners, residents and committee members cannot open inspection pages."""
    w = make_world()
    order = add(inspect(w), w.users[Role.STREET_OFFICER]).order
    db.session.commit()
    auth.login(username)
    for url in ("/inspections/", "/inspections/rectifications/", f"/inspections/rectifications/{order.id}"):
        assert client.get(url).status_code == 403


def _make_rows(w, n):
    officer = w.users[Role.STREET_OFFICER]
    for i in range(n):
        inspection = inspect(w)
        add(inspection, officer, note=f"问题{i}", photos=None)


@pytest.mark.parametrize("url", ["/inspections/", "/inspections/rectifications/"])
def test_list_pages_query_count_does_not_grow(client, auth, db, count_queries, url):
    """The inspection list and the order queue run the same number of queries for 5 and 50 rows."""
    w = make_world()
    _make_rows(w, 5)
    db.session.commit()
    auth.login("street")
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _make_rows(w, 45)
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count


def test_work_log_list_query_count_does_not_grow(client, auth, db, count_queries):
    """The work log list runs the same number of queries for 5 and 50 logs."""
    w = make_world()
    teams = station_teams.ensure_teams(w.stations["a"], **by(w.users[Role.STATION_MANAGER]))

    def logs(start, n):
        for i in range(start, start + n):
            worklogs.create_log(teams[i % 4], log_on=local_today() - timedelta(days=i // 4), shift="full_day",
                                content=f"日志{i}", **by(w.users[Role.STATION_STAFF]))
        db.session.commit()

    logs(0, 5)
    auth.login("staff")
    client.get("/stationwork/logs")
    with count_queries() as few:
        assert client.get("/stationwork/logs").status_code == 200
    logs(5, 45)
    with count_queries() as many:
        assert client.get("/stationwork/logs").status_code == 200
    assert few.count == many.count
    assert db.session.scalar(select(func.count()).select_from(WorkLog)) == 50


def test_every_page_answers_every_role_without_error(client, auth, db):
    """Each role gets its pages (200) or a refusal (403/404), never an error, on every station-work and inspection page."""
    w = make_world()
    teams = station_teams.ensure_teams(w.stations["a"], **by(w.users[Role.STATION_MANAGER]))
    worklogs.create_log(teams[0], log_on=local_today(), shift="full_day", content="x",
                        **by(w.users[Role.STATION_STAFF]))
    route = patrols.create_route(w.stations["a"], name="日巡", points=["东门"], **by(w.users[Role.STATION_MANAGER]))
    inspection = inspect(w)
    order = add(inspection, w.users[Role.STREET_OFFICER]).order
    db.session.commit()
    sid = w.stations["a"].id
    urls = ["/stationwork/", f"/stationwork/?station_id={sid}", "/stationwork/logs", f"/stationwork/logs?station_id={sid}",
            "/stationwork/logs/new", f"/stationwork/calendar?station_id={sid}", "/stationwork/calendar",
            "/stationwork/patrols", f"/stationwork/patrols?station_id={sid}", "/stationwork/patrols/new",
            f"/stationwork/patrols/{route.id}", f"/stationwork/patrols/points/{route.points[0].id}/checkin",
            "/inspections/", "/inspections/new", f"/inspections/{inspection.id}", "/inspections/rectifications/",
            "/inspections/rectifications/?mine=1&status=open", f"/inspections/rectifications/{order.id}"]
    expected_ok = {
        "county": {"/stationwork/", f"/stationwork/?station_id={sid}", "/inspections/", "/inspections/new"},
        "manager": {"/stationwork/", "/stationwork/logs/new", "/stationwork/patrols/new",
                    f"/stationwork/patrols/points/{route.points[0].id}/checkin", f"/inspections/{inspection.id}",
                    f"/inspections/rectifications/{order.id}"},
        "street": {"/inspections/new", f"/inspections/{inspection.id}", f"/inspections/rectifications/{order.id}",
                   f"/stationwork/patrols/{route.id}"},
        "community": {"/inspections/new", f"/stationwork/logs?station_id={sid}", f"/stationwork/calendar?station_id={sid}"},
        "staff": {"/stationwork/logs", "/stationwork/calendar", f"/stationwork/patrols/{route.id}",
                  "/inspections/rectifications/"},
    }
    for username in ("county", "street", "community", "manager", "staff", "committee", "owner"):
        auth.login(username)
        for url in urls:
            status = client.get(url).status_code
            assert status in (200, 403, 404, 422), (username, url, status)
            if url in expected_ok.get(username, ()):
                assert status == 200, (username, url, status)
            if username in ("committee", "owner"):
                assert status in (403, 404), (username, url, status)
        auth.logout()


def _fs():
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=BytesIO(PNG), filename="p.png", content_type="image/png")
