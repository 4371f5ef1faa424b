"""A browser that lost its cookies is signed out, even when a response of its signed-in pages was still on its way
(the e2e flows once found a browser signed in again after clear_cookies(): a static file's response carried the
session cookie and arrived after the clearing)."""
from __future__ import annotations

import time

import pytest

from pm.extensions import db
from pm.models import Role
from tests.e2e.conftest import e2e_app, login, serving
from tests.factories import make_county, make_user

pytestmark = pytest.mark.e2e

SLOW = 1.0  # seconds a static file takes: long enough to clear the cookies while it is on its way


class SlowStatic:
    """WSGI middleware: static files answer after SLOW seconds (a loaded server, a slow phone network)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/static/") and "slow=1" in environ.get("QUERY_STRING", ""):
            time.sleep(SLOW)
        return self.app(environ, start_response)


def test_a_response_in_flight_does_not_sign_a_cleared_browser_back_in(sqlite_template, tmp_path, page):
    app = e2e_app(sqlite_template, tmp_path)
    with app.app_context():
        make_user(Role.COUNTY_ADMIN, make_county(), username="admin1")
        db.session.commit()
        db.session.remove()
    app.wsgi_app = SlowStatic(app.wsgi_app)
    with serving(app) as base:
        login(page, base, "admin1")
        page.goto(f"{base}/auth/tokens")  # a second page: the session holds its CSRF token now
        page.evaluate("() => { fetch('/static/favicon.svg?slow=1', {cache: 'no-store'}); }")  # not awaited
        page.context.clear_cookies()
        time.sleep(SLOW * 2)  # the static file's response has arrived
        response = page.goto(f"{base}/auth/login")
        assert page.url == f"{base}/auth/login" and response.status == 200  # signed out: the login form
        assert page.locator("#username").count() == 1
