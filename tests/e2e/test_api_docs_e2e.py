"""The interactive docs in headless Chromium: Swagger UI renders under the CSP and calls the API with a token."""
from __future__ import annotations

import os
import shutil
import threading
from urllib.parse import urlsplit

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
def docs_server(sqlite_template, tmp_path):
    """The real app on a free localhost port with the two-street world and a token of the street officer."""
    path = tmp_path / "docs.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", INSTANCE_DIR=str(tmp_path),
                     UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        from pm.models import Role
        from pm.access import scope_for
        from pm.services.accounts.tokens import create_api_token
        from tests.factories import make_world

        world = make_world()
        officer = world.users[Role.STREET_OFFICER]
        _token, raw = create_api_token(officer, "docs", scope=scope_for(officer), actor=officer)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", raw
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def test_swagger_ui_works_offline_under_the_csp(docs_server, tmp_path):
    """The docs page renders every operation, breaks no CSP rule, contacts no other host, and "Try it out" works."""
    from playwright.sync_api import sync_playwright

    base, token = docs_server
    hosts, problems, failed = set(), [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda req: hosts.add(urlsplit(req.url).netloc))
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
        # The browser's own /favicon.ico probe is the site's concern, not this page's.
        page.on("response", lambda r: failed.append(r.url)
                if r.status >= 400 and urlsplit(r.url).path != "/favicon.ico" else None)
        page.on("pageerror", lambda err: problems.append(str(err)))
        page.goto(f"{base}/api/v1/docs")
        page.wait_for_selector(".opblock-summary")
        assert page.locator(".opblock").count() >= 25
        # Authorize with the bearer token, then run GET /api/v1/me from the page.
        page.click("button.authorize")
        page.fill(".modal-ux input", token)
        page.click(".modal-ux button.authorize")
        page.click(".modal-ux button.btn-done")
        me = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/me']"))
        me.locator(".opblock-summary").click()
        me.locator("button.try-out__btn").click()
        me.locator("button.execute").click()
        page.wait_for_selector(".opblock-get .responses-table.live-responses-table .response-col_status")
        status = me.locator(".live-responses-table tr.response .response-col_status").first.inner_text()
        body = me.locator(".live-responses-table .microlight").first.inner_text()
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
        browser.close()
    assert status.split()[0] == "200", (status, body)
    assert '"username": "street"' in body
    assert hosts == {urlsplit(base).netloc}, hosts
    assert not problems, problems  # CSP violations and script errors are reported here
    assert not failed, failed
