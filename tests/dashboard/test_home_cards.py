"""Home pages are work lists: every figure is right, links to a list that shows exactly its rows, and a page
runs the same number of queries however much data there is."""
import html as htmllib
import re

import pytest
from sqlalchemy import select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import RepairRequest, RepairStatus, Role, User
from pm.services.dashboard.facts_fund import fund_counts, recount_fund
from pm.services.dashboard.home import Home
from pm.timeutil import utcnow
from tests.factories.dashboard import add_work, busy_world

# The figures and the list rows behind them are SQL counts over the scope: both backends.
pytestmark = pytest.mark.postgres

FIGURE = re.compile(r'data-figure="([^"]+)" data-value="([^"]*)" href="([^"]+)"')
# How to count the rows of each list a figure links to (distinct ids of the rows' own links).
ROWS = (
    ("/repairs/metrics", None),
    ("/repairs/", r'href="/repairs/(\d+)"'),
    ("/inspections/rectifications/", r'href="/inspections/rectifications/(\d+)"'),
    ("/stationwork/?no_log", r'(?:id="team-(\d+)"|href="/stationwork/\?station_id=(\d+)")'),
    ("/funds/arrears", r'href="/funds/accounts/(\d+)"'),
    ("/funds/replenishment", r'href="/funds/accounts/(\d+)"'),
    ("/plans/", r'href="/plans/(\d+)"'),
    ("/dashboard/inspections-due", r'data-compound="(\d+)"'),
    ("/notifications/", r'action="/notifications/(\d+)/open"'),
    ("/statements/my", None),
    ("/meetings/items/", r'href="/meetings/\d+#item-(\d+)"'),
    ("/governance/coverage/compounds", r'href="/governance/compounds/(\d+)"'),
    ("/assessments/periods/", None),  # an average score, not a count of rows
    ("/assessments/ladder", r'id="step-(\d+)"'),
)

AREA_A = {"overdue": 2, "open": 4, "new_today": 3, "orders_overdue": 2, "orders_returned": 1, "orders_reported": 1,
          "stations_without_log": 1, "inspections_due": 1, "arrears": 3, "low_balance": 2, "plans_publicised": 1,
          "plans_voting": 1}
EXPECTED = {
    "manager": {"new_today": 3, "overdue": 2, "waiting": 2, "teams_without_log": 2, "orders_open": 1,
                "orders_returned": 1},
    "staff": {"my_jobs": 2},
    "community": AREA_A,
    "street": AREA_A,
    "county": {k: v * 2 for k, v in AREA_A.items()} | {"inspections_due": 3},
    "committee": {"overdue": 2, "open": 4, "new_today": 3, "arrears": 3, "low_balance": 2, "plans_publicised": 1,
                  "plans_voting": 1},
    "owner": {"repairs_open": 1, "repairs_to_rate": 1, "unread": 1, "top_up": 1},
    "resident": {"repairs_open": 0, "repairs_to_rate": 0, "unread": 0},
}


def figures(page: str) -> dict[str, tuple[str, str]]:
    """data-figure → (value, href) of a home page."""
    return {key: (value, htmllib.unescape(href)) for key, value, href in FIGURE.findall(page)}


def rows_behind(client, href: str) -> int | None:
    """How many rows the list at `href` shows (None: the link is not a list of rows)."""
    for prefix, pattern in ROWS:
        if href.startswith(prefix):
            if pattern is None:
                return None
            resp = client.get(href)
            assert resp.status_code == 200, href
            return len({m for m in re.findall(pattern, resp.get_data(as_text=True))})
    raise AssertionError(f"no row pattern for {href}")


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_figure_is_right_and_its_link_shows_its_rows(client, auth, db, username):
    """Every figure on a role's home page has the expected value, and its link lists exactly that many rows."""
    busy_world()
    auth.login(username)
    resp = client.get("/dashboard")
    assert resp.status_code == 200
    found = figures(resp.get_data(as_text=True))
    for key, value in EXPECTED[username].items():
        assert key in found, (username, key, sorted(found))
        assert found[key][0] == str(value), (username, key, found[key])
    for key, (value, href) in found.items():
        rows = rows_behind(client, href)
        if rows is not None:
            assert str(rows) == value, (username, key, href, rows, value)


def test_resident_never_sees_fund_data(client, auth, db):
    """A tenant's home page has no balance, no top-up and no link to fund pages."""
    busy_world()
    auth.login("resident")
    page = client.get("/dashboard").get_data(as_text=True)
    cards = page[page.index('id="cards"'):]  # the menu is base.html's (the same for every resident)
    assert "/statements/" not in cards and "/funds/" not in cards and "balance_" not in cards
    assert "百分之三十" not in cards


def test_owner_sees_balance_and_top_up(client, auth, db):
    """An owner whose account is below 30% sees its balance and that a top-up is due."""
    busy_world()
    auth.login("owner")
    page = client.get("/dashboard").get_data(as_text=True)
    balances = [k for k in figures(page) if k.startswith("balance_")]
    assert len(balances) == 1 and figures(page)[balances[0]][0] == "20.00"
    assert "百分之三十" in page


ROLES = ["manager", "staff", "community", "street", "county", "committee", "owner", "resident"]


@pytest.mark.parametrize("username", ROLES)
def test_queries_per_home_page_do_not_grow_with_data(client, auth, db, count_queries, username):
    """A home page runs the same number of SQL statements on a small world and on one with four times the work."""
    w = busy_world()
    auth.login(username)
    client.get("/dashboard")  # warm caches (babel, templates)
    with count_queries() as small:
        assert client.get("/dashboard").status_code == 200
    add_work(w, 3)
    with count_queries() as big:
        page = client.get("/dashboard").get_data(as_text=True)
    assert big.count == small.count, (username, small.statements, big.statements)
    assert figures(page)  # the page still has its figures
    assert small.count <= 16, (username, small.count)


@pytest.mark.parametrize("username", ["county", "street", "committee", "owner"])
def test_fund_figures_do_not_read_the_ledger(client, auth, db, count_queries, username):
    """The 追缴 and balance figures read the sub-accounts' cached 首期已交 and balance (the county and street: the
    per-compound counts kept from them), never the ledger (millions of entries in a city: summing them made the
    county's page take seconds)."""
    busy_world()
    auth.login(username)
    with count_queries() as q:
        page = client.get("/dashboard").get_data(as_text=True)
    read = "compound_tallies" if username in ("county", "street") else "fund_accounts"
    assert figures(page) and any(read in s for s in q.statements)
    assert not [s for s in q.statements if "fund_accounts" in s] or read == "fund_accounts"
    assert not [s for s in q.statements if "ledger_entries" in s]


def test_staff_starts_and_finishes_a_job_from_home(client, auth, db):
    """"Start" then "done" on the home page move my job through the workflow; a done without a note changes nothing."""
    w = busy_world()
    auth.login("staff")
    page = client.get("/dashboard").get_data(as_text=True)
    job = _db.session.scalar(_db.select(RepairRequest).where(
        RepairRequest.assignee_id == w.users[Role.STATION_STAFF].id, RepairRequest.status == RepairStatus.DISPATCHED))
    assert 'href="tel:13800000001"' in page and f"/dashboard/jobs/{job.id}/start" in page
    assert client.post(f"/dashboard/jobs/{job.id}/start").status_code == 302
    _db.session.expire_all()
    assert _db.session.get(RepairRequest, job.id).status == RepairStatus.IN_PROGRESS
    assert f"/dashboard/jobs/{job.id}/done" in client.get("/dashboard").get_data(as_text=True)
    client.post(f"/dashboard/jobs/{job.id}/done", data={"note": ""})
    _db.session.expire_all()
    assert _db.session.get(RepairRequest, job.id).status == RepairStatus.IN_PROGRESS
    client.post(f"/dashboard/jobs/{job.id}/done", data={"note": "已更换阀门"})
    _db.session.expire_all()
    done = _db.session.get(RepairRequest, job.id)
    assert done.status == RepairStatus.COMPLETED and done.completion_note == "已更换阀门"


def test_staff_cannot_finish_another_members_job(client, auth, db):
    """The home page's buttons go through the workflow's checks: another station's job is not found."""
    w = busy_world()
    auth.login("staff")
    other = _db.session.scalar(_db.select(RepairRequest.id).where(RepairRequest.assignee_id == w.staff_b.id))
    assert client.post(f"/dashboard/jobs/{other}/start").status_code == 404


def test_jobs_in_order_of_deadline(client, auth, db):
    """My jobs are listed nearest deadline first."""
    busy_world()
    auth.login("staff")
    page = client.get("/dashboard").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'data-job="(\d+)"', page)]
    dues = [_db.session.get(RepairRequest, i).completion_due_at for i in ids]
    assert len(ids) == 2 and dues == sorted(dues)


@pytest.mark.parametrize("username", ["county", "street"])
def test_area_fund_counts_taken_from_coverage_equal_a_recount(db, username):
    """A county's or street's 追缴 and account counts come from the coverage card's per-compound counts: they equal
    the fund counts computed by themselves, with the data of a busy area and more."""
    w = busy_world()
    add_work(w, 2)
    user = _db.session.scalar(select(User).where(User.username == username))
    home = Home(user=user, scope=scope_for(user), now=utcnow())
    counts = fund_counts(home)
    assert "coverage" in home._facts  # taken from the coverage report, not counted again
    assert counts == recount_fund(Home(user=user, scope=scope_for(user), now=utcnow()))
    assert counts.accounts and counts.arrears
