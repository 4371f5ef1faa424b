"""Login, throttling, sessions, CSRF and security headers."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pm.models import AuditLog, LoginSession, LoginThrottle, Role
from pm.timeutil import utcnow
from tests.factories import PASSWORD, make_county, make_user


def _user(db, role=Role.COUNTY_ADMIN):
    user = make_user(role, make_county(), username="admin1")
    db.session.commit()
    return user


def test_login_success_redirects_to_dashboard(client, db):
    """Correct credentials log in and lead to the dashboard."""
    _user(db)
    resp = client.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200


def test_wrong_password_reshows_form_with_message(client, db):
    """A wrong password re-shows the form with a message, status 400."""
    _user(db)
    resp = client.post("/auth/login", data={"username": "admin1", "password": "nope"})
    assert resp.status_code == 400
    assert "用户名或密码不正确" in resp.get_data(as_text=True)


@pytest.mark.postgres
def test_repeated_failures_slow_the_account_down_without_locking_it(client, db):
    """Five failures make the next try wait (429, Retry-After), even with the right password; once the wait is
    over the right password logs in: a delay, not a lock."""
    user = _user(db)
    for _ in range(5):
        client.post("/auth/login", data={"username": "admin1", "password": "wrong"})
    resp = client.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert "秒后再试" in resp.get_data(as_text=True)
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key == f"account:{user.id}"))
    assert row.failures == 5  # the refused try was not counted
    row.retry_after = utcnow() - timedelta(seconds=1)
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key.like("address:%"))
                       .values(retry_after=None))
    db.session.commit()
    assert client.post("/auth/login", data={"username": "admin1", "password": PASSWORD}).status_code == 302


def test_logins_are_audited(client, db):
    """Successful and failed logins leave audit rows."""
    _user(db)
    client.post("/auth/login", data={"username": "admin1", "password": "wrong"})
    client.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["login.failure", "login.success"]


def test_next_must_be_local(client, db):
    """An absolute `next` URL is ignored (no open redirect)."""
    _user(db)
    resp = client.post("/auth/login?next=https://evil.example/x", data={"username": "admin1", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/dashboard")
    client.post("/auth/logout")
    resp = client.post("/auth/login?next=/registry/", data={"username": "admin1", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/registry/")


def test_pages_need_login(client, db):
    """An anonymous visitor is sent to the login page."""
    resp = client.get("/registry/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_password_change_ends_other_sessions(app, db):
    """Changing the password rotates the session token: another logged-in client is logged out."""
    _user(db)
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    resp = first.post("/auth/password", data={"old_password": PASSWORD, "new_password": "a much longer secret 9",
                                               "confirm": "a much longer secret 9"})
    assert resp.status_code == 302
    assert first.get("/dashboard").status_code == 200
    assert second.get("/dashboard").status_code == 302


def test_short_password_refused_for_officials(client, db):
    """Officials need at least 12 characters; the form says so and nothing changes."""
    user = _user(db)
    old_hash = user.password_hash
    client.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    resp = client.post("/auth/password", data={"old_password": PASSWORD, "new_password": "short1", "confirm": "short1"})
    assert resp.status_code == 400 and "12" in resp.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_csrf_required_on_forms(app, db):
    """With CSRF on (as in production), a form post without the token is refused."""
    _user(db)
    app.config["WTF_CSRF_ENABLED"] = True
    resp = app.test_client().post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    assert resp.status_code == 400


def test_security_headers(client, db):
    """Responses carry a strict CSP, nosniff and frame denial."""
    resp = client.get("/auth/login")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_no_external_assets_on_login_page(client, db):
    """Every script and stylesheet is served by the app itself (no CDN)."""
    html = client.get("/auth/login").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html


def test_language_switch_to_english(client, db):
    """The UI is Chinese by default and switches to English."""
    assert "登录" in client.get("/auth/login").get_data(as_text=True)
    client.post("/auth/lang/en", data={"next": "/auth/login"})
    html = client.get("/auth/login").get_data(as_text=True)
    assert "Log in" in html and "登录" not in html.replace("中文", "")


def test_officials_idle_session_expires(app, db):
    """An official idle for more than 30 minutes must log in again (a resident's login lasts 7 idle days)."""
    _user(db)
    client = app.test_client()
    client.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    assert client.get("/dashboard").status_code == 200
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
