"""The bell: unread count, the list of one's own notifications, marking read, safe links."""

import pytest
from sqlalchemy import select

from pm.models import Notification, Role
from pm.services.notifications import notify
from tests.factories import make_world


def test_bell_counts_unread_and_lists_only_own(client, auth, db):
    """The bell shows the unread count; the list shows only the user's own notifications."""
    w = make_world()
    notify(w.users[Role.STATION_MANAGER], "test", "给站长的通知", link="/registry/")
    notify(w.users[Role.STATION_STAFF], "test", "给工作人员的通知")
    db.session.commit()
    auth.login("manager")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-unread="1"' in html
    page = client.get("/notifications/").get_data(as_text=True)
    assert "给站长的通知" in page and "给工作人员的通知" not in page


def test_open_marks_read_and_follows_internal_link(client, auth, db):
    """Opening a notification marks it read and follows only an internal link; another's is a 404."""
    w = make_world()
    mine = notify(w.users[Role.STATION_MANAGER], "test", "a", link="https://evil.example/")
    other = notify(w.users[Role.STATION_STAFF], "test", "b")
    db.session.commit()
    auth.login("manager")
    resp = client.post(f"/notifications/{mine.id}/open")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/notifications/")
    assert db.session.scalar(select(Notification.read_at).where(Notification.id == mine.id)) is not None
    assert client.post(f"/notifications/{other.id}/open").status_code == 404


@pytest.mark.postgres
def test_dedupe_key_sends_once(db):
    """A reminder with the same key is sent once."""
    w = make_world()
    user = w.users[Role.OWNER]
    assert notify(user, "fund.low_balance", "x", key="k") is not None
    assert notify(user, "fund.low_balance", "x", key="k") is None
    db.session.commit()
    assert len(db.session.scalars(select(Notification)).all()) == 1
