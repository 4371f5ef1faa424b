"""One security world (the demo county and a foreign county) per test module: see tests/security/world.py."""
import json

import pytest

from pm.blueprints.fund.statements import views as statement_views
from pm.extensions import db
from tests.databases import build_sqlite_once
from tests.security.world import SecurityWorld, build_world_db


def _pdf_as_html(html: str) -> bytes:
    """The statement PDFs are the statement HTML run through WeasyPrint (1-5 s a page, tested in tests/fund);
    here the HTML itself is served, so access is checked at no cost and a leak still shows in the text."""
    return html.encode()


@pytest.fixture(scope="session")
def security_template(sqlite_demo_template, run_dir):
    """The world's database and its ids and tokens (JSON next to it): built once per run, copied per module."""
    state = run_dir / "security.json"

    def build(path):
        state.write_text(json.dumps(build_world_db(sqlite_demo_template, path, run_dir / "security-instance")))

    template = build_sqlite_once(run_dir / "security.sqlite3", run_dir / "security.lock", build)
    return template, json.loads(state.read_text())


@pytest.fixture(scope="module")
def sec(security_template, tmp_path_factory):
    """The demo county plus the foreign county on the module's own SQLite copy, with one client per role."""
    template, state = security_template
    world = SecurityWorld(template, state, tmp_path_factory.mktemp("security"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statement_views, "render_pdf", _pdf_as_html)
        yield world
    with world.app.app_context():
        db.engine.dispose()
