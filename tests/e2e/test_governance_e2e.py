"""Governance on a 390 × 844 phone in headless Chromium, against one served app for the module: an owner votes in
an owners' committee election (more than the seats refused with a message, a second ballot refused) and on an
elevator motion (their floor's share, the tally's bars, no raw fractions); a resident opens a notice from the home
page and the community worker sees the read count and who has not read; a resident joins the volunteer register,
the community logs hours and the yearly tally shows them. Data comes from the factories; only the flow under test
goes through the UI. Screenshots go to each test's tmp_path."""
from __future__ import annotations

import re

import pytest

from pm.access import scope_for
from pm.extensions import db
from pm.models import Role
from pm.services.notices import post_notice
from pm.services.volunteers import volunteers
from pm.timeutil import local_today
from tests.e2e.conftest import Taps, e2e_app, login, serving
from tests.factories.governance import election_world
from tests.factories.motions import live_elevator_motion, owners_unit
from tests.governance.test_elections import voting_election

pytestmark = pytest.mark.e2e  # the page fixture skips without chromium (and fails on CI)

FRACTION = re.compile(r"\b\d+/\d+\b")


@pytest.fixture(scope="module")
def served(sqlite_template, tmp_path_factory):
    """The election world with an election in voting (3 seats, 4 candidates), an elevator motion in voting on a new
    unit of six owners, a notice to compound a1 by the community worker and a grid over compound a1; served once."""
    tmp = tmp_path_factory.mktemp("governance")
    app = e2e_app(sqlite_template, tmp)
    with app.app_context():
        w = election_world()
        election = voting_election(w)
        unit, flats = owners_unit(w)
        motion = live_elevator_motion(w, unit)
        worker = w.users[Role.COMMUNITY_WORKER]
        notice = post_notice(author=worker, scope=scope_for(worker), compound_id=w.compounds["a"][0].id,
                             title="楼道杂物清理", body="本周六统一清理楼道杂物")
        volunteers.create_grid(worker, scope=scope_for(worker), community_id=w.communities["a"].id, name="一网格",
                               worker_name="李网格", party_group="第一党小组", compound_ids=[w.compounds["a"][0].id])
        db.session.commit()
        hh3, owner3 = flats[4]  # floor 3
        ids = {"election": election.id, "candidates": [c.person.name for c in election.candidates],
               "motion": motion.id, "floor3_owner": owner3.username, "floor3_household": hh3.id,
               "notice": notice.id, "tenant_household": w.households["a"][1].id}
        db.session.remove()
    with serving(app) as base:
        yield app, base, ids


def _fits(page) -> bool:
    """Nothing overflows the phone's width, and no two visible elements share an id (a label must reach its
    field; hidden inputs such as each form's csrf_token are left out)."""
    dupes = page.evaluate("""() => { const seen = new Set(), dup = [];
        for (const el of document.querySelectorAll('[id]:not([type=hidden])')) { if (seen.has(el.id)) dup.push(el.id); seen.add(el.id); }
        return dup; }""")
    assert not dupes, f"duplicate ids on {page.url}: {dupes}"
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _as(page, base: str, username: str) -> None:
    page.set_default_timeout(10_000)
    page.context.clear_cookies()
    page.goto(f"{base}/auth/login")
    logout = page.locator("form[action='/auth/logout']")
    if page.locator("#username").count() == 0 and logout.count():  # still signed in: end that session first
        with page.expect_navigation():
            logout.first.evaluate("form => form.submit()")  # the menu's button is folded away at phone width
    login(page, base, username)


def _errors(page) -> str:
    return " ".join(page.locator(".invalid-feedback, .alert-danger").all_inner_texts())


def test_owner_votes_in_the_committee_election(served, page, tmp_path):
    """Candidates shown; four ticks for three seats are refused with a message; two ticks → confirm → receipt; the
    same ballot confirmed again from a stale page is refused with a message, and only one ballot counts."""
    _app, base, ids = served
    _as(page, base, "owner")
    stale = page.context.new_page()  # a second tab left open on the ballot: its confirmation comes too late
    page.goto(f"{base}/elections/{ids['election']}/ballot")
    for name in ids["candidates"]:
        assert page.get_by_text(name, exact=True).first.is_visible()
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "ballot.png"), full_page=True)
    boxes = page.locator("input[name=candidate_ids]")
    assert boxes.count() == 4
    taps = Taps(page)
    for i in range(4):
        taps.tap(f"input[name=candidate_ids] >> nth={i}")
    taps.tap("form #submit")
    page.wait_for_load_state()
    assert "不能超过应选名额" in _errors(page) and _fits(page)
    page.screenshot(path=str(tmp_path / "too-many.png"), full_page=True)
    for i in range(4):
        page.locator(f"input[name=candidate_ids] >> nth={i}").set_checked(i < 2)
    taps.tap("form #submit")
    page.wait_for_selector("#confirm")
    assert page.locator("[data-field=chosen] strong").count() == 2 and _fits(page)
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    stale.goto(f"{base}/elections/{ids['election']}/ballot")  # the same choice in the other tab, not confirmed
    stale.locator("input[name=candidate_ids] >> nth=0").check()
    stale.click("form #submit")
    stale.wait_for_selector("#confirm")
    taps.tap("#confirm ~ form button")
    page.wait_for_selector("#receipt")
    assert taps.count <= 8, taps.count
    assert page.locator("[data-field=receipt_no]").inner_text() and _fits(page)
    page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)
    page.goto(f"{base}/elections/{ids['election']}/ballot")
    assert "已投票" in page.content() and page.locator("input[name=candidate_ids]").count() == 0
    stale.click("#confirm ~ form button")  # the second ballot of the dwelling
    stale.wait_for_url(f"{base}/elections/{ids['election']}/ballot")
    assert "已经投过票" in stale.locator(".alert-danger").inner_text()
    stale.close()


def test_owner_votes_on_the_elevator_motion(served, page, tmp_path):
    """From the home card: the motion, the cost table with the floor-3 household's share; vote 同意 → confirm →
    receipt; the tally shows bars against the thresholds and no raw fractions."""
    _app, base, ids = served
    _as(page, base, ids["floor3_owner"])
    taps = Taps(page)
    taps.tap("[data-figure=motions_due]")
    taps.tap(f"a[href$='/motions/{ids['motion']}']")
    page.wait_for_url(f"{base}/motions/{ids['motion']}")
    mine = page.locator(f"#my-costs [data-household='{ids['floor3_household']}']")
    assert mine.is_visible() and "元" in mine.inner_text()
    row = page.locator(f"#cost-table tr[data-household='{ids['floor3_household']}']")
    assert row.locator("td").nth(1).inner_text() == "3"
    share = row.locator("[data-field=share]").inner_text()
    assert share in mine.inner_text() and _fits(page)
    page.screenshot(path=str(tmp_path / "motion.png"), full_page=True)
    taps.tap("text=我要投票")
    assert share in page.locator("[data-field=cost]").inner_text()
    taps.tap("button:has-text('同意')")
    page.wait_for_selector("#confirm")
    assert share in page.locator("#confirm").inner_text() and _fits(page)
    taps.tap("#confirm ~ form button")
    page.wait_for_selector("#receipt")
    assert taps.count <= 5, taps.count
    page.goto(f"{base}/motions/{ids['motion']}")
    assert page.locator("[data-bar=part_area] svg").is_visible() and page.locator("[data-bar=yes_heads]").count()
    text = page.locator("main").inner_text()
    assert not FRACTION.search(text), FRACTION.search(text)
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "tally.png"), full_page=True)


def test_resident_reads_a_notice_and_the_author_sees_who_has_not(served, page, tmp_path):
    """The resident opens the notice from the home page's card (bell) and confirms reading; the community worker
    sees the read count go up and the resident's household no longer among the unread."""
    _app, base, ids = served
    _as(page, base, "community")
    page.goto(f"{base}/notices/{ids['notice']}")
    before = page.locator("a[href$='/unread']").inner_text()
    _as(page, base, "resident")
    taps = Taps(page)
    taps.tap("#latest-notices a")
    taps.tap("text=楼道杂物清理")
    page.wait_for_url(f"{base}/notices/{ids['notice']}")
    assert "本周六统一清理楼道杂物" in page.locator("#body").inner_text() and _fits(page)
    page.screenshot(path=str(tmp_path / "notice.png"), full_page=True)
    taps.tap("form[action$='/read'] [type=submit]")
    page.wait_for_selector("#read")
    assert taps.count <= 3, taps.count
    _as(page, base, "community")
    page.goto(f"{base}/notices/{ids['notice']}")
    after = page.locator("a[href$='/unread']").inner_text()
    read = [int(re.search(r"(\d+)\s*/", s).group(1)) for s in (before, after)]
    assert read[1] == read[0] + 1, (before, after)
    page.click("a[href$='/unread']")
    page.wait_for_selector("#unread")
    assert page.locator(f"#unread [data-household='{ids['tenant_household']}']").count() == 0
    assert page.locator("#unread [data-household]").count() > 0 and _fits(page)
    page.screenshot(path=str(tmp_path / "unread.png"), full_page=True)


def test_resident_joins_the_volunteers_and_the_tally_shows_the_hours(served, page, tmp_path):
    """The resident joins from the phone; the community worker logs 2.5 hours on the volunteer's page; the yearly
    tally shows them under the grid and the person."""
    _app, base, _ids = served
    _as(page, base, "resident")
    page.goto(f"{base}/volunteers/")
    assert _fits(page)
    taps = Taps(page)
    taps.choose("#activity", "patrol")
    taps.tap("form:has(#activity) [type=submit]")
    page.wait_for_load_state()
    assert taps.count <= 2 and "一网格" in page.locator("main").inner_text() and _fits(page)
    page.screenshot(path=str(tmp_path / "joined.png"), full_page=True)
    _as(page, base, "community")
    page.goto(f"{base}/volunteers/")
    page.click("main a[href*='/volunteers/']:has-text('a租户')")
    page.fill("#served_on", local_today().isoformat())
    page.fill("#hours", "2.5")
    page.click("form:has(#hours) [type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base}/volunteers/tally")
    text = page.locator("main").inner_text()
    assert "一网格" in text and "a租户" in text and "2.5" in text and _fits(page)
    page.screenshot(path=str(tmp_path / "tally.png"), full_page=True)
