"""月度考核 pages and API: the county computes, reviews and publishes; a station sees and appeals its own lines;
bad input is a clear error and changes nothing."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pm.extensions import db as _db
from pm.models import (
    AssessmentAppeal,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentScore,
    RepairCategory,
    RepairRequest,
    RepairStatus,
    Role,
    UnitKind,
)
from pm.services.assessments import compute, periods
from tests.asserts import assert_error
from tests.factories import make_world
from tests.factories.assessments import MONTH, computed, station_finding
from tests.factories.registry import make_compound
from tests.factories.stations import make_station

REVIEW = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


def _score(period, station):
    return _db.session.scalar(select(AssessmentScore).where(
        AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == UnitKind.STATION,
        AssessmentScore.unit_id == station.id))


def test_station_manager_sees_its_score_line_by_line_with_links(client, auth, db):
    """The score page lists every line with its rule and the inspection behind a deduction."""
    w = make_world()
    finding = station_finding(w, deduction="2")
    period = computed(w)
    score = _score(period, w.stations["a"])
    db.session.commit()
    auth.login("manager")
    page = client.get(f"/assessments/scores/{score.id}").get_data(as_text=True)
    assert "环境卫生/保洁" in page and "-2.00" in page and f"/inspections/{finding.inspection_id}" in page
    assert "/stationwork/calendar?station_id=" in page or "calendar" in page
    other = _score(period, w.stations["b"])
    assert client.get(f"/assessments/scores/{other.id}").status_code == 404


def test_county_runs_the_period_over_the_api(api, db):
    """compute → review → appeal by the station (API) → decide → close → publish; publish refused while open."""
    w = make_world()
    station_finding(w, deduction="2")
    db.session.commit()
    county, manager = api(w.users[Role.COUNTY_ADMIN]), api(w.users[Role.STATION_MANAGER])
    resp = county.post("/api/v1/assessment-periods", json={"month": str(MONTH)})
    assert resp.status_code == 201, resp.get_json()
    pid = resp.get_json()["id"]
    assert county.post(f"/api/v1/assessment-periods/{pid}/transitions", json={"action": "compute"}).status_code == 200
    assert county.post(f"/api/v1/assessment-periods/{pid}/transitions", json={"action": "review"}).status_code == 200
    scores = manager.get(f"/api/v1/assessment-periods/{pid}/scores").get_json()["items"]
    assert [s["unit_kind"] for s in scores] == ["station"]  # only its own score
    detail = manager.get(f"/api/v1/assessment-scores/{scores[0]['id']}").get_json()
    line = next(ln for ln in detail["lines"] if ln["points"] == "-2.00")
    resp = manager.post(f"/api/v1/assessment-lines/{line['id']}/appeals", json={"reason": "已整改"})
    assert resp.status_code == 201, resp.get_json()
    assert_error(manager.post(f"/api/v1/assessment-lines/{line['id']}/appeals", json={"reason": "再次"}), 409)
    assert_error(county.post(f"/api/v1/assessment-periods/{pid}/transitions", json={"action": "publish"}), 409)
    appeal_id = resp.get_json()["id"]
    resp = county.post(f"/api/v1/assessment-appeals/{appeal_id}/decision",
                       json={"upheld": True, "decision": "属实", "new_points": "-1"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "upheld"
    assert manager.get(f"/api/v1/assessment-scores/{scores[0]['id']}").get_json()["total"] == "94.00"


@pytest.mark.parametrize("body, field", [
    ({"categories": [{"code": "a", "name": "甲", "max_points": "120", "items": []}]}, "categories"),
    ({"categories": [{"code": "a", "name": "甲", "max_points": "10", "items": [
        {"code": "x", "name": "乙", "max_points": "5", "monthly_cap": "-1", "source": "finding"}]}]},
     "categories.0.items.0.monthly_cap"),
])
def test_bad_scheme_drafts_are_refused_over_the_api(api, db, body, field):
    """A draft above full marks or with a negative cap: 422 naming the field, the draft unchanged."""
    w = make_world()
    db.session.commit()
    county = api(w.users[Role.COUNTY_ADMIN])
    draft = county.post("/api/v1/assessment-schemes", json={"kind": "station"}).get_json()
    before = county.get(f"/api/v1/assessment-schemes/{draft['id']}").get_json()
    assert_error(county.patch(f"/api/v1/assessment-schemes/{draft['id']}", json=body), 422, field)
    assert county.get(f"/api/v1/assessment-schemes/{draft['id']}").get_json() == before


def test_bad_input_on_the_web_changes_nothing(client, auth, db):
    """An adjustment without a reason, an appeal on another unit's score, a future month: refused, nothing kept."""
    w = make_world()
    station_finding(w, deduction="2")
    period = computed(w)
    admin = w.users[Role.COUNTY_ADMIN]
    periods.start_review(period, admin, now=REVIEW)
    db.session.commit()
    auth.login("street")
    line = _score(period, w.stations["a"]).lines[0]
    client.post(f"/assessments/lines/{line.id}/appeal", data={"reason": "不服"})
    assert db.session.scalar(select(func.count()).select_from(AssessmentAppeal)) == 0
    auth.logout()
    auth.login("county")
    resp = client.post("/assessments/", data={"month": "2099-12"})
    assert resp.status_code == 400 and "尚未结束" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AssessmentPeriod)) == 1


def test_county_publishes_and_adjusts_on_the_web(client, auth, db):
    """Steps by button; after publishing, an adjustment needs a reason and shows beside the total."""
    w = make_world()
    period = computed(w)
    admin = w.users[Role.COUNTY_ADMIN]
    periods.start_review(period, admin, now=REVIEW)
    periods.close_review(period, admin, now=datetime(2026, 4, 20, tzinfo=UTC))
    db.session.commit()
    auth.login("county")
    page = client.get(f"/assessments/periods/{period.id}").get_data(as_text=True)
    assert "发布" in page and 'id="scores-station"' in page
    assert client.post(f"/assessments/periods/{period.id}/step", data={"action": "publish"}).status_code == 302
    score = _score(period, w.stations["a"])
    resp = client.post(f"/assessments/scores/{score.id}", data={"points": "1", "reason": ""})
    assert resp.status_code == 400
    resp = client.post(f"/assessments/scores/{score.id}", data={"points": "1", "reason": "复核"})
    assert resp.status_code == 302
    assert "更正记录" in client.get(f"/assessments/scores/{score.id}").get_data(as_text=True)


def test_schemes_page_lists_versions_and_edits_a_draft(client, auth, db):
    """The county starts a draft, changes an item's cap, and sees it saved."""
    w = make_world()
    db.session.commit()
    auth.login("county")
    resp = client.post("/assessments/schemes", data={"kind": "station"})
    assert resp.status_code == 302
    draft = db.session.scalar(select(AssessmentScheme).where(AssessmentScheme.version == 2))
    item = draft.categories[0].items[0]
    resp = client.post(f"/assessments/schemes/{draft.id}", data={"name": draft.name, "full_marks": "100",
                                                                  "log_delay_days": "3", f"item-{item.id}-cap": "8"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    draft = db.session.get(AssessmentScheme, draft.id)
    assert draft.log_delay_days == 3 and draft.categories[0].items[0].monthly_cap == 8


def test_late_repairs_link_lists_the_month_s_late_requests(client, auth, db):
    """The repairs list filtered by late_in shows the station's requests of the month finished after their
    deadline (not those on time, nor those of another month)."""
    w = make_world()
    compound = w.compounds["a"][0]

    def request(desc, submitted, due, done):
        r = RepairRequest(compound_id=compound.id, station_id=w.stations["a"].id, category=RepairCategory.WATER_SUPPLY,
                          description=desc, status=RepairStatus.COMPLETED, submitted_at=submitted,
                          completion_due_at=due, completed_at=done)
        db.session.add(r)
        return r

    march = datetime(2026, 3, 5, 2, tzinfo=UTC)
    request("迟了的报修", march, march + timedelta(days=1), march + timedelta(days=3))
    request("按时的报修", march, march + timedelta(days=1), march + timedelta(hours=5))
    request("二月迟了的报修", march - timedelta(days=20), march - timedelta(days=19), march - timedelta(days=10))
    db.session.commit()
    auth.login("county")
    page = client.get(f"/repairs/?station_id={w.stations['a'].id}&status=all&late_in=2026-03").get_data(as_text=True)
    assert "迟了的报修" in page and "按时的报修" not in page and "二月迟了的报修" not in page
    assert client.get("/repairs/?late_in=bad").status_code in (400, 422)


def test_period_and_score_pages_run_a_fixed_number_of_queries(client, auth, db, count_queries):
    """The period page with 6 or 10 units, and a score page, run the same number of queries."""
    w = make_world()
    station_finding(w, deduction="2")
    period = computed(w)
    db.session.commit()
    auth.login("county")
    client.get(f"/assessments/periods/{period.id}")
    with count_queries() as small:
        assert client.get(f"/assessments/periods/{period.id}").status_code == 200
    for n in range(4):
        make_station(w.communities["a"], [make_compound(w.communities["a"])], name=f"新站{n}")
    compute.compute_month(period, now=datetime(2026, 4, 2, tzinfo=UTC))
    db.session.commit()
    with count_queries() as big:
        assert client.get(f"/assessments/periods/{period.id}").status_code == 200
    assert big.count == small.count
