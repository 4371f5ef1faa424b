"""One security world (the demo county and a foreign county) per test module: see tests/security/world.py."""
import pytest

from pm.blueprints.fund.statements import views as statement_views
from pm.extensions import db
from tests.security.world import SecurityWorld


def _pdf_as_html(html: str) -> bytes:
    """The statement PDFs are the statement HTML run through WeasyPrint (1-5 s a page, tested in tests/fund);
    here the HTML itself is served, so access is checked at no cost and a leak still shows in the text."""
    return html.encode()


@pytest.fixture(scope="module")
def sec(sqlite_demo_template, tmp_path_factory):
    """The demo county plus the foreign county on the module's own SQLite copy, with one client per role."""
    world = SecurityWorld(sqlite_demo_template, tmp_path_factory.mktemp("security"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statement_views, "render_pdf", _pdf_as_html)
        yield world
    with world.app.app_context():
        db.engine.dispose()
