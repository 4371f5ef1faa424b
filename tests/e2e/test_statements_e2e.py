"""End to end in headless Chromium at phone width (390 px): an owner reads their fund account and the
compound's statement without sideways scrolling."""
from __future__ import annotations

import shutil
import threading
from datetime import date

import pytest
from werkzeug.serving import make_server

from pm import create_app
from pm.extensions import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """The real app on a free localhost port, with a world whose owner's account is below 30%."""
    path = tmp_path / "e2e.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", INSTANCE_DIR=str(tmp_path),
                     UPLOAD_DIR=str(tmp_path / "uploads"), WTF_CSRF_ENABLED=True)
    with app.app_context():
        from tests.factories import make_world
        from tests.factories.fund import (
            charge_plan,
            deposit,
            make_plan,
            open_account,
        )

        w = make_world()
        mine = open_account(w.households["a"][0], 10_000)
        deposit(mine, 10_000, date(2025, 1, 10))
        neighbour = open_account(w.households["a"][1], 10_000)
        deposit(neighbour, 10_000, date(2025, 1, 10))
        plan = make_plan(w.compounds["a"][0], title="屋面防水维修（一号楼全部屋面及檐沟）", cost_fen=16_000)
        charge_plan(plan, [(mine, 8_000, 8_000), (neighbour, 8_000, 8_000)], date(2025, 6, 1))
        db.session.commit()
        compound_id = w.compounds["a"][0].id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", compound_id
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_owner_reads_account_and_statement_on_a_phone(live_server, page, tmp_path):
    """At 390 px the owner sees balance and the 30% warning in large text; no page scrolls sideways."""
    base, compound_id = live_server
    page.goto(f"{base}/")
    page.fill("#username", "owner")
    page.fill("#password", "correct horse battery")
    page.click("#submit")
    page.wait_for_load_state()
    page.goto(f"{base}/statements/my")
    warning = page.locator("[id^=replenish-]")
    assert warning.is_visible() and "30%" in warning.inner_text()
    assert float(warning.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 22
    assert "20.00 元" in page.content()
    assert _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "my-fund.png"), full_page=True)
    page.goto(f"{base}/statements/compounds/{compound_id}/2025")
    assert "屋面防水维修" in page.content()
    assert _no_sideways_scroll(page)
