"""The county's step buttons on a period page say what was done in words (发布), not the form's code (publish)."""
from datetime import UTC, datetime

from pm.models import Role
from pm.services.assessments import periods
from tests.factories import make_world
from tests.factories.assessments import computed


def test_step_flash_names_the_step(client, auth, db):
    w = make_world()
    period = computed(w)
    admin = w.users[Role.COUNTY_ADMIN]
    periods.start_review(period, admin, now=datetime(2026, 4, 2, 2, 0, tzinfo=UTC))
    periods.close_review(period, admin, now=datetime(2026, 4, 20, tzinfo=UTC))
    db.session.commit()
    auth.login("county")
    page = client.post(f"/assessments/periods/{period.id}/step", data={"action": "publish"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已完成：发布" in page and "已完成：publish" not in page
