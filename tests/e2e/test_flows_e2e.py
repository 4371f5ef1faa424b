"""The flows that matter, on a 390 × 844 phone in headless Chromium, against one served app for the module: a
resident files a repair with a photo in at most five taps after logging in and later rates it with stars; station
staff start and finish a job from "my jobs" on the home page; an owners' committee member enters a paper ballot for a
household; each official's home page shows its counts, every figure a link to a list that opens. Screenshots go to
each test's tmp_path."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pm.access import SYSTEM, scope_for
from pm.extensions import db
from pm.models import RepairRequest, Role, Team, TeamKind, User
from pm.models.fund import PlanStatus
from pm.services.fund import plans as fund_plans
from pm.services.fund.plans import CONFIRMATIONS
from pm.services.repairs import workflow
from pm.timeutil import local_today
from tests.e2e.conftest import Taps, e2e_app, fresh_page, login, serving
from tests.factories.dashboard import busy_world
from tests.factories.files import PNG

pytestmark = pytest.mark.e2e  # the page fixture skips without chromium (and fails on CI)

MAX_TAPS = 5


@pytest.fixture(scope="module")
def served(sqlite_template, tmp_path_factory):
    """busy_world (work in every module on both sides) with a plan of compound a1 open for voting, served once."""
    tmp = tmp_path_factory.mktemp("flows")
    app = e2e_app(sqlite_template, tmp)
    with app.app_context():
        w = busy_world()
        actor = w.users[Role.COMMUNITY_WORKER]
        plan = fund_plans.create_plan(
            w.compounds["a"][0], actor=actor, scope=scope_for(actor), title="更换二次供水水泵", shared_part="二次供水",
            reason="水泵损坏", budget_fen=1_234_567, confirmations={c: True for c in CONFIRMATIONS})
        plan.status = PlanStatus.VOTING
        fund_plans.open_vote(plan, actor=actor, scope=SYSTEM, opens_on=local_today(),
                             closes_on=local_today() + timedelta(days=7))
        db.session.commit()
        ids = {"plan": plan.id}
        db.session.remove()
    with serving(app) as base:
        yield app, base, ids


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _as(page, base: str, username: str):
    """Sign in as `username` on another phone (a new browser context, see fresh_page); returns its page."""
    page = fresh_page(page)
    login(page, base, username)
    return page


def test_resident_files_a_repair_with_a_photo_in_five_taps_then_rates_it(served, page, tmp_path):
    app, base, _ids = served
    photo = tmp_path / "leak.png"
    photo.write_bytes(PNG)
    page = _as(page, base, "resident")
    taps = Taps(page)
    taps.tap("#todos a[href='/repairs/new']")  # 我要报修 on the home page
    page.wait_for_url(f"{base}/repairs/new")
    taps.choose("#category", "leak")
    taps.type("#description", "卫生间顶棚渗水，请上门查看")
    taps.photo("#photos", photo)
    page.screenshot(path=str(tmp_path / "file-repair.png"), full_page=True)
    taps.tap("#repair-form #submit")
    page.wait_for_url(f"{base}/repairs/*")
    assert taps.count <= MAX_TAPS, taps.count
    request_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("#photos-filing img").count() == 1  # the photo came with it
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "filed.png"), full_page=True)

    with app.app_context():  # the station does the work
        req = db.session.get(RepairRequest, request_id)
        staff = db.session.scalar(select(User).where(User.username == "staff"))
        team = db.session.scalar(select(Team).where(Team.kind == TeamKind.MAINTENANCE, Team.members.contains(staff)))
        by = {"actor": staff, "scope": scope_for(staff)}
        workflow.dispatch(req, **by, team_id=team.id, assignee_id=staff.id)
        workflow.start(req, **by)
        workflow.complete(req, **by, note="已补漏")
        db.session.commit()
        db.session.remove()

    page.goto(f"{base}/dashboard")
    page.click("#to-rate")  # "please rate" opens the requests waiting for a rating
    page.wait_for_url(f"{base}/repairs/?status=to_rate")
    page.click(f"a[href='/repairs/{request_id}']")
    page.click("label[for=rate-5]")  # the star row 很满意
    page.screenshot(path=str(tmp_path / "rate.png"), full_page=True)
    page.click("#form-confirm button")
    page.wait_for_selector("#rating")
    assert "★★★★★" in page.inner_text("#rating")
    assert _fits(page)


def test_staff_starts_and_finishes_a_job_from_my_jobs(served, page, tmp_path):
    _app, base, _ids = served
    page = _as(page, base, "staff")
    job = page.locator("#my-jobs li[data-job]").filter(has=page.get_by_role("button", name="开始处理")).first
    job_id = job.get_attribute("data-job")
    page.screenshot(path=str(tmp_path / "my-jobs.png"), full_page=True)
    assert _fits(page)
    taps = Taps(page)
    taps.tap(f"#my-jobs li[data-job='{job_id}'] button:has-text('开始处理')")
    page.wait_for_selector(f"#my-jobs li[data-job='{job_id}'] .dash-done")
    taps.type(f"#my-jobs li[data-job='{job_id}'] .dash-done input[name=note]", "已更换水管接头")
    taps.tap(f"#my-jobs li[data-job='{job_id}'] .dash-done button")
    page.wait_for_load_state()
    assert taps.count == 3
    assert page.locator(f"#my-jobs li[data-job='{job_id}']").count() == 0  # done: off the list
    page.goto(f"{base}/repairs/{job_id}")
    timeline = page.inner_text("#timeline")
    assert "到场处理" in timeline and "完工" in timeline and "已更换水管接头" in timeline
    page.screenshot(path=str(tmp_path / "job-done.png"), full_page=True)


def test_committee_enters_a_paper_ballot_for_a_household(served, page, tmp_path):
    _app, base, ids = served
    page = _as(page, base, "committee")
    page.goto(f"{base}/plans/{ids['plan']}")  # the plan in voting: door-to-door collection and paper ballots
    form = "form[action$='/paper-ballots']"
    option = page.locator(f"{form} #voter option").first
    voter, household = option.get_attribute("value"), option.inner_text().split(" · ")[0]
    taps = Taps(page)
    taps.choose(f"{form} #voter", voter)
    taps.choose(f"{form} #choice", "yes")
    page.screenshot(path=str(tmp_path / "paper-ballot-form.png"), full_page=True)
    taps.tap(f"{form} #submit")
    page.wait_for_url(f"{base}/plans/{ids['plan']}/paper-ballots")
    assert taps.count == 3
    entries = page.locator("#paper-ballots li[data-ballot]")
    assert entries.count() == 1
    assert household in entries.first.inner_text() and "同意" in entries.first.inner_text()
    assert "录入" in entries.first.inner_text()  # who entered it, and when
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "paper-ballot.png"), full_page=True)


def test_officials_home_pages_show_counts_that_are_links(served, page, tmp_path):
    """County, street, community and station manager: figures with values, each one a link to a list that opens."""
    _app, base, _ids = served
    for username in ("county", "street", "community", "manager"):
        page = _as(page, base, username)
        figures = page.locator("[data-figure]")
        assert figures.count() >= 3, username
        hrefs = []
        for i in range(figures.count()):
            figure = figures.nth(i)
            assert figure.evaluate("el => el.tagName") == "A", (username, figure.get_attribute("data-figure"))
            assert figure.locator(".dash-value").inner_text().strip() != ""
            hrefs.append(figure.get_attribute("href"))
        assert _fits(page), username
        page.screenshot(path=str(tmp_path / f"home-{username}.png"), full_page=True)
        for href in dict.fromkeys(hrefs):  # every figure opens the list behind it
            assert href and href.startswith("/"), (username, href)
            resp = page.goto(f"{base}{href}")
            assert resp.ok, (username, href)
