"""Coverage of the long-term mechanism: each criterion per compound, shares per street and community, drill-down
to the compounds behind a figure, a fixed number of queries, the page, its xlsx, the API and the home-page card."""
from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from pm.access import SYSTEM, scope_for
from pm.extensions import db as _db
from pm.models import BodyType, GovernancePolicy, Role
from pm.services.governance import coverage
from pm.timeutil import local_today, utcnow
from tests.factories.meetings import make_meeting
from tests.factories import make_world
from tests.factories.fund import deposit, open_account
from tests.factories.governance import four_bodies, make_body, make_member
from tests.factories.registry import make_compound

pytestmark = pytest.mark.postgres


def setup_world():
    """Side a: compound one has every body and its fund collected; compound two has none of it."""
    w = make_world()
    today = local_today()
    one, two = w.compounds["a"]
    four_bodies(w.communities["a"], one, w.stations["a"], started_on=today - timedelta(days=100))
    for hh in w.households["a"][:2]:
        deposit(open_account(hh, due_fen=10_000), 10_000, today)
    acc = open_account(w.households["a"][2], due_fen=10_000)  # compound two: one of two paid, 50 %
    deposit(acc, 10_000, today)
    open_account(w.households["a"][3], due_fen=10_000)
    _db.session.commit()
    return w


def test_each_criterion_per_compound(db):
    """Station, committee (or stand-in), fund ≥ 90 % and the four bodies are judged per compound."""
    w = setup_world()
    rows = {c.id: c for c in coverage.compounds(SYSTEM, today=local_today())}
    one, two = (rows[c.id] for c in w.compounds["a"])
    assert (one.service, one.committee, one.fund) == (True, True, True)
    assert (two.service, two.committee, two.fund) == (False, False, False)
    assert not one.bodies  # every body in place, but no joint meeting last quarter


def test_four_bodies_need_a_joint_meeting_last_quarter(db):
    """With a community joint meeting in the last quarter the compound with all four bodies counts; an older one
    does not."""
    w = setup_world()
    today = local_today()
    make_meeting(w, held_on=today - timedelta(days=120), now=utcnow())
    rows = {c.id: c for c in coverage.compounds(SYSTEM, today=today)}
    assert not rows[w.compounds["a"][0].id].bodies
    make_meeting(w, compound=w.compounds["a"][0], held_on=today - timedelta(days=10), now=utcnow())
    rows = {c.id: c for c in coverage.compounds(SYSTEM, today=today)}
    assert rows[w.compounds["a"][0].id].bodies and not rows[w.compounds["a"][1].id].bodies


def test_stand_in_counts_as_committee(db):
    """A community's stand-in committee with a current member covers its compounds without an owners' committee."""
    w = setup_world()
    make_member(make_body(BodyType.STAND_IN, community=w.communities["a"]), "物管会主任",
                started_on=local_today() - timedelta(days=5))
    rows = {c.id: c for c in coverage.compounds(SYSTEM, today=local_today())}
    assert rows[w.compounds["a"][1].id].committee


def test_fund_percentage_is_a_county_setting(db):
    """With the county's threshold at 50 %, the half-paid compound counts as collected."""
    w = setup_world()
    _db.session.add(GovernancePolicy(county_id=w.county.id, fund_collected_percent=50))
    _db.session.flush()
    rows = {c.id: c for c in coverage.compounds(SYSTEM, today=local_today())}
    assert rows[w.compounds["a"][1].id].fund


def test_shares_per_street_and_community(db):
    """Each street and community row counts its compounds and rounds the shares to whole percentages."""
    w = setup_world()
    report = coverage.coverage(SYSTEM, today=local_today())
    street = next(r for r in report.streets if r.id == w.streets["a"].id)
    assert (street.compounds, street.service, street.committee, street.fund) == (2, 1, 1, 1)
    assert street.percents == {"service": 50, "committee": 50, "fund": 50, "bodies": 0}
    assert report.total.compounds == 4 and len(report.communities) == 2


def test_fixed_number_of_queries(db, count_queries):
    """The report runs the same number of statements for 4 compounds and for 24."""
    w = setup_world()
    with count_queries() as small:
        coverage.coverage(SYSTEM, today=local_today())
    for i in range(20):
        make_compound(w.communities["b"], name=f"新小区{i}")
    _db.session.flush()
    with count_queries() as big:
        coverage.coverage(SYSTEM, today=local_today())
    assert big.count == small.count <= 4  # compounds, bodies, fund, meetings


def test_scope_of_the_report(db):
    """A community worker's report holds only their community's compounds."""
    w = setup_world()
    user = w.users[Role.COMMUNITY_WORKER]
    report = coverage.coverage(scope_for(user), today=local_today())
    assert [r.id for r in report.communities] == [w.communities["a"].id]


def test_page_drill_down_and_xlsx(client, auth, db):
    """The page shows the shares and a chart per street; a figure's list shows its compounds; xlsx downloads."""
    w = setup_world()
    auth.login("street")
    page = client.get("/governance/coverage").get_data(as_text=True)
    assert "50%" in page and "<svg" in page
    rows = client.get("/governance/coverage/compounds?criterion=fund").get_data(as_text=True)
    assert w.compounds["a"][0].name in rows and w.compounds["a"][1].name not in rows
    missing = client.get("/governance/coverage/compounds?criterion=fund&missing=1").get_data(as_text=True)
    assert w.compounds["a"][1].name in missing
    resp = client.get("/governance/coverage?format=xlsx")
    book = load_workbook(BytesIO(resp.data))
    assert book.sheetnames == ["街道", "社区", "小区"]
    auth.logout()
    auth.login("manager")
    assert client.get("/governance/coverage").status_code == 403


def test_api_coverage(api, db):
    """The API answers the counts per street and the compounds behind a figure; a foreign street is a 404."""
    w = setup_world()
    client = api(w.users[Role.COUNTY_ADMIN])
    body = client.get("/api/v1/governance/coverage").get_json()
    assert body["total"]["compounds"] == 4 and body["meetings_known"] is True
    items = client.get("/api/v1/governance/coverage/compounds?criterion=service").get_json()["items"]
    assert sorted(i["id"] for i in items) == sorted([w.compounds["a"][0].id, w.compounds["b"][0].id])
    street = api(w.users[Role.STREET_OFFICER])
    assert street.get(f"/api/v1/governance/coverage?street_id={w.streets['b'].id}").status_code in (404, 422)


def test_home_card(client, auth, db):
    """The street officer's home page has the coverage card with counts linking to the compounds behind them."""
    setup_world()
    auth.login("street")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'data-figure="coverage_fund"' in page and "/governance/coverage/compounds?criterion=fund" in page
