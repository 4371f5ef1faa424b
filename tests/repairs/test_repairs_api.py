"""报事报修 API: filing, the queue (scope, filters, fixed query count), transitions, bad input, metrics."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import RepairRequest, RepairStatus, Role
from pm.services.repairs import filing
from pm.timeutil import utcnow
from tests.factories.repairs import repair_world


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


@pytest.fixture
def w(app, db):
    return repair_world()


def _post_repair(api, w, **kw):
    body = {"compound_id": w.compounds["a"][0].id, "category": "water_supply", "urgency": "normal",
            "description": "厨房水管漏水很严重", "household_id": w.households["a"][0].id}
    body.update(kw)
    return api(w.users[Role.OWNER]).post("/api/v1/repairs", json=body)


def test_owner_files_and_sees_deadlines(w, api, db):
    """POST /repairs files a request with its deadlines and a one-event timeline."""
    resp = _post_repair(api, w)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["status"] == "submitted" and data["response_due_at"] and data["completion_due_at"]
    assert [e["kind"] for e in data["events"]] == ["submitted"]


def test_unknown_field_and_bad_category_refused(w, api, db):
    """Unknown fields and an unknown category are 422 with the field named; nothing stored."""
    assert "colour" in _post_repair(api, w, colour="red").get_json()["errors"]["json"]
    assert "category" in _post_repair(api, w, category="gas").get_json()["errors"]["json"]
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 0


def test_foreign_compound_is_404(w, api, db):
    """Filing in another street's compound is a 404 naming compound_id."""
    resp = _post_repair(api, w, compound_id=w.compounds["b"][0].id, household_id=None)
    assert resp.status_code == 404 and "compound_id" in resp.get_json()["errors"]["json"]


def test_workflow_and_out_of_order(w, api, db):
    """Staff dispatch, start, complete; the owner confirms; a second confirm is a 409."""
    rid = _post_repair(api, w).get_json()["id"]
    staff = api(w.users[Role.STATION_STAFF])
    sid = w.users[Role.STATION_STAFF].id
    assert staff.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "complete", "note": "好"}).status_code == 409
    r = staff.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "dispatch", "team_id": w.team.id,
                                                                 "assignee_id": sid})
    assert r.status_code == 200 and r.get_json()["status"] == "dispatched"
    staff.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "start"})
    r = staff.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "complete", "note": "已修好"})
    assert r.get_json()["status"] == "completed"
    owner = api(w.users[Role.OWNER])
    r = owner.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "confirm", "rating": 5})
    assert r.get_json()["status"] == "closed" and r.get_json()["rating"] == 5
    r = owner.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "confirm", "rating": 4})
    assert r.status_code == 409
    assert db.session.get(RepairRequest, rid).rating == 5


def test_rating_out_of_range_and_by_staff(w, api, db):
    """Rating 0 is a 422; staff rating the owner's request is a 403."""
    rid = _post_repair(api, w).get_json()["id"]
    owner = api(w.users[Role.OWNER])
    assert owner.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "confirm", "rating": 0}).status_code == 422
    staff = api(w.users[Role.STATION_STAFF])
    assert staff.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "confirm", "rating": 5}).status_code == 403


def test_agreed_time_in_past_is_422(w, api, db):
    """An agreed completion time in the past is refused with the field named."""
    rid = _post_repair(api, w).get_json()["id"]
    past = (utcnow() - timedelta(hours=2)).isoformat()
    r = api(w.users[Role.STATION_STAFF]).post(f"/api/v1/repairs/{rid}/transitions",
                                             json={"action": "agree", "agreed_at": past})
    assert r.status_code == 422 and "agreed_at" in r.get_json()["errors"]["json"]


def test_other_station_cannot_see_or_act(w, api, db):
    """Station b's staff: the request is a 404 to read and to act on."""
    rid = _post_repair(api, w).get_json()["id"]
    other = api(w.staff_b)
    assert other.get(f"/api/v1/repairs/{rid}").status_code == 404
    assert other.post(f"/api/v1/repairs/{rid}/transitions", json={"action": "accept"}).status_code == 404
    assert db.session.get(RepairRequest, rid).status == RepairStatus.SUBMITTED


@pytest.mark.postgres
def test_queue_filters_and_constant_queries(w, api, db, count_queries):
    """The queue is scoped, filterable, and costs the same queries for 5 and 50 rows."""
    owner_id, compound_id = w.users[Role.OWNER].id, w.compounds["a"][0].id
    building_id = w.households["a"][0].building_id
    staff, other = api(w.users[Role.STATION_STAFF]), api(w.staff_b)

    def add(n):
        from pm.models import Compound, User

        owner = db.session.get(User, owner_id)
        for i in range(n):
            filing.file_request(db.session.get(Compound, compound_id), **by(owner),
                                category="road", urgency="normal", description=f"路面破损第 {i} 处",
                                 building_id=building_id)
        db.session.commit()

    add(5)
    staff.get("/api/v1/repairs")
    db.session.expunge_all()
    with count_queries() as small:
        assert len(staff.get("/api/v1/repairs?per_page=100").get_json()["items"]) == 5
    add(45)
    db.session.expunge_all()
    with count_queries() as large:
        assert len(staff.get("/api/v1/repairs?per_page=100").get_json()["items"]) == 50
    # the token lookup is the same in both; the list itself must not grow
    assert large.count == small.count
    assert other.get("/api/v1/repairs").get_json()["total"] == 0
    assert staff.get("/api/v1/repairs?urgency=emergency").get_json()["total"] == 0
    assert staff.get("/api/v1/repairs?status=bogus").status_code == 422


@pytest.mark.postgres
def test_metrics_api_exact(w, api, db):
    """GET /repairs/metrics gives exact counts and fractions for the month."""
    _post_repair(api, w)
    period = utcnow().strftime("%Y-%m")
    r = api(w.users[Role.STREET_OFFICER]).get(f"/api/v1/repairs/metrics?period={period}")
    assert r.status_code == 200
    items = {i["station_id"]: i for i in r.get_json()["items"]}
    assert set(items) == {w.stations["a"].id}
    assert items[w.stations["a"].id]["count"] in (0, 1)  # 1 unless the month turned between filing and reading
    assert api(w.users[Role.OWNER]).get(f"/api/v1/repairs/metrics?period={period}").status_code == 403
    assert api(w.users[Role.STREET_OFFICER]).get("/api/v1/repairs/metrics?period=2026-13").status_code == 422
