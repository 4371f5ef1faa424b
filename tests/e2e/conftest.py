"""Shared by the browser tests: a headless Chromium page at phone width, the real app on a copy of the migrated
SQLite template served on a free localhost port, and logging in through the login form."""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from pm import create_app
from pm.extensions import db
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN"}  # a phone, in Chinese


def e2e_app(sqlite_template, tmp_path):
    """The app with CSRF on, on its own copy of the migrated SQLite template."""
    path = tmp_path / "e2e.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", INSTANCE_DIR=str(tmp_path),
                      UPLOAD_DIR=str(tmp_path / "uploads"), WTF_CSRF_ENABLED=True)


@contextmanager
def serving(app):
    """Serve `app` on a free localhost port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


def login(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait for the home page."""
    page.goto(f"{base}/auth/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(f"{base}/dashboard")


def fresh_page(page):
    """Another phone: a page in a new context of the same browser, the old context closed. Use it to switch users.
    Clearing the cookies of the same context is not enough: a response still in flight for the previous user (a
    page's static file, the favicon) arrives after the clearing, and whatever cookie it sets lands in the cleared
    jar (the app re-sent the session cookie with every response until SESSION_REFRESH_EACH_REQUEST was turned off;
    a response that changes the session still sends it). A new context's jar is out of their reach."""
    old = page.context
    new = old.browser.new_context(**PHONE).new_page()
    old.close()
    return new


class Taps:
    """Does what a finger does on the page and counts it: a tap on a link or button, a choice in a select, a tap into
    a text field (then the keyboard), a photo picked. Typing is not counted; focusing the field is."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def choose(self, selector: str, value: str) -> None:
        self.count += 1
        self.page.select_option(selector, value)

    def type(self, selector: str, text: str) -> None:
        self.count += 1
        self.page.fill(selector, text)

    def photo(self, selector: str, path) -> None:
        self.count += 1
        self.page.set_input_files(selector, str(path))


@pytest.fixture
def page():
    """A 390 px wide (phone) page of Debian's headless Chromium, in Chinese; skipped without chromium."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            raise RuntimeError("CI needs Debian's chromium (installed by .ci/run)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        context = browser.new_context(**PHONE)
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()
