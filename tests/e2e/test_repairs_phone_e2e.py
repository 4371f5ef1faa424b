"""End to end on a phone (390 px, headless Chromium): the resident follows "please rate" to the request, taps a star
rating (CSS-only radio buttons) and sees it saved; the station prints the work order. No horizontal overflow."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pm.access import scope_for
from pm.extensions import db
from pm.models import Role
from pm.services.repairs import filing, workflow
from pm.timeutil import utcnow
from tests.e2e.conftest import e2e_app, fresh_page, login, serving
from tests.factories.repairs import repair_world

pytestmark = pytest.mark.e2e  # the page fixture skips without chromium (and fails on CI)


def by(user):
    return {"actor": user, "scope": scope_for(user)}


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """The real app on a free localhost port, with a completed repair of the owner's home waiting for a rating."""
    app = e2e_app(sqlite_template, tmp_path)
    with app.app_context():
        w = repair_world()
        w.stations["a"].phone = "0371-66668888"
        owner, staff = w.users[Role.OWNER], w.users[Role.STATION_STAFF]
        now = utcnow() - timedelta(hours=5)
        req = filing.file_request(w.compounds["a"][0], **by(owner), category="leak", urgency="normal",
                                  description="卫生间顶棚渗水，请上门查看", household_id=w.households["a"][0].id, now=now)
        workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=now)
        workflow.start(req, **by(staff), now=now)
        workflow.complete(req, **by(staff), note="已补漏", now=now + timedelta(hours=1))
        db.session.commit()
        request_id = req.id
        db.session.remove()
    with serving(app) as base:
        yield base, request_id


def _no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_resident_rates_with_stars_and_station_prints_work_order(live_server, page, tmp_path):
    base, request_id = live_server
    login(page, base, "owner")
    page.goto(f"{base}/repairs/")
    page.click("#to-rate-banner")
    page.wait_for_url(f"{base}/repairs/?status=to_rate")
    page.click(f"a[href='/repairs/{request_id}']")
    assert page.locator("#call-station").get_attribute("href") == "tel:037166668888"
    page.click("label[for=rate-4]")  # the star row "满意": the radio itself is visually hidden
    assert page.is_checked("#rate-4")
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "rate.png"), full_page=True)
    page.click("#form-confirm button")
    page.wait_for_selector("#rating")
    assert "★★★★☆" in page.inner_text("#rating") and "满意" in page.inner_text("#rating")
    page.goto(f"{base}/repairs/")
    assert page.locator("#to-rate-banner").count() == 0
    page.goto(f"{base}/notifications/")
    assert "已办" in page.inner_text("#notifications")
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "bell.png"), full_page=True)
    page = fresh_page(page)  # the station's phone (a new browser context: nothing of the owner's login reaches it)
    login(page, base, "staff")
    page.goto(f"{base}/repairs/{request_id}")
    _no_overflow(page)
    page.screenshot(path=str(tmp_path / "station-request.png"), full_page=True)
    page.goto(f"{base}/repairs/{request_id}/print")
    assert "派工单" in page.inner_text("h1") and page.locator("#print-order").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible() and not page.locator("#print-order").is_visible()
    page.screenshot(path=str(tmp_path / "work-order-print.png"), full_page=True)
