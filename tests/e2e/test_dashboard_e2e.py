"""End to end in headless Chromium: a station manager logs in and sees the home page's work in Chinese."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from pm import create_app
from pm.extensions import db

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.e2e

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium (installed by .ci/run)")
    pytest.skip("chromium not installed", allow_module_level=True)


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """The real app on a free localhost port, with a small world of data in a file database."""
    path = tmp_path / "e2e.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", INSTANCE_DIR=str(tmp_path),
                     UPLOAD_DIR=str(tmp_path / "uploads"), WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories.dashboard import busy_world

        busy_world()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def test_station_manager_sees_chinese_dashboard(live_server, page, tmp_path):
    """Log in through the real form (CSRF on) and land on the Chinese dashboard of the station's compound."""
    page.goto(f"{live_server}/")
    assert "登录" in page.title()
    page.fill("#username", "manager")
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    page.wait_for_url(f"{live_server}/dashboard")
    assert page.locator("h1").first.inner_text() == "工作台"
    assert "服务站站长" in page.content()
    assert page.locator("[data-figure=new_today] .dash-value").inner_text() == "3"
    assert page.locator("[data-figure=overdue] .dash-value").inner_text() == "2"
    assert page.locator("[data-figure=waiting] .dash-value").inner_text() == "2"
    # a 390-px phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.click("[data-figure=overdue]")  # the figure opens the list behind it, with as many rows
    page.wait_for_url(f"{live_server}/repairs/?overdue=1")
    assert page.locator("#repair-list a.list-group-item").count() == 2
    page.go_back()
    # On a phone the menu is collapsed behind the toggler and opens with Bootstrap's (local) JS.
    page.click(".navbar-toggler")
    page.wait_for_selector("#nav.show")
    page.click("#menu-registry")  # a dropdown, opened by Bootstrap's JS
    assert page.locator("#nav").get_by_text("小区台账").is_visible()


@pytest.mark.parametrize("username", ["manager", "staff", "community", "street", "county", "committee", "owner",
                                      "resident"])
def test_every_home_page_fits_a_phone(live_server, page, tmp_path, username):
    """Each role's home page on a 390-px phone: figures shown, nothing wider than the screen (screenshot saved)."""
    page.goto(f"{live_server}/auth/login")
    page.fill("#username", username)
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    page.wait_for_url(f"{live_server}/dashboard")
    assert page.locator("[data-figure]").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / f"home-{username}.png"), full_page=True)
