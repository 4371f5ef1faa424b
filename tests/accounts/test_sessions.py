"""Sessions end when they should (issue 8, item 2): logout and the idle timeout end a remember-me login too, the
session is rotated at login and logout, and a new password or a disabled account ends every session and API
token of the account. "Another browser" is a second test client carrying copied cookies."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pm.access import scope_for
from pm.models import ApiToken, AuditLog, LoginSession, Role
from pm.services.accounts import passwords, sessions, users
from pm.timeutil import utcnow
from tests.factories import PASSWORD, api_client, make_county, make_user, make_world

REMEMBER = "remember_token"
NEW = "a much longer secret 9"


@pytest.fixture
def admin(app, db):
    user = make_user(Role.COUNTY_ADMIN, make_county(), username="admin1")
    db.session.commit()
    return user


def _login(client, remember=False, username="admin1", password=PASSWORD):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    resp = client.post("/auth/login", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp


def _copy(app, source, *names):
    """A second browser holding copies of `source`'s cookies (a stolen or synced cookie)."""
    other = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        other.set_cookie(name, cookie.value)
    return other


def _logged_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def test_logout_ends_a_remember_me_login_everywhere(app, admin):
    """After logout neither this browser nor a copy of its session or remember-me cookie is logged in
    (before the fix the remember-me cookie logged the browser straight back in)."""
    browser = app.test_client()
    _login(browser, remember=True)
    copy_remember = _copy(app, browser, REMEMBER)
    copy_session = _copy(app, browser, "session")
    assert _logged_in(copy_remember) and _logged_in(copy_session)
    browser.post("/auth/logout")
    assert browser.get_cookie(REMEMBER) is None  # deleted in this browser
    assert not _logged_in(browser)
    assert not _logged_in(copy_remember)
    assert not _logged_in(copy_session)


def test_remember_me_survives_closing_the_browser_until_logout(app, admin):
    """A remember-me cookie alone (the session cookie gone) logs the browser back in, until logout."""
    browser = app.test_client()
    _login(browser, remember=True)
    reopened = _copy(app, browser, REMEMBER)
    assert _logged_in(reopened)
    reopened.post("/auth/logout")
    assert not _logged_in(_copy(app, browser, REMEMBER))
    assert not _logged_in(browser)  # the same login: ended for every cookie that carries it


def test_idle_timeout_ends_a_remember_me_login(app, db, admin):
    """An official idle for 31 minutes is logged out, remember-me or not; a resident's login lasts 7 idle days."""
    browser = app.test_client()
    _login(browser, remember=True)
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    assert not _logged_in(browser)
    assert not _logged_in(_copy(app, browser, REMEMBER))

    world = make_world()
    db.session.commit()
    resident = app.test_client()
    _login(resident, username=world.users[Role.RESIDENT].username)
    db.session.execute(update(LoginSession).where(LoginSession.user_id == world.users[Role.RESIDENT].id)
                       .values(last_seen_at=utcnow() - timedelta(days=6)))
    db.session.commit()
    assert resident.get("/dashboard").status_code == 200
    db.session.execute(update(LoginSession).where(LoginSession.user_id == world.users[Role.RESIDENT].id)
                       .values(last_seen_at=utcnow() - timedelta(days=7, minutes=1)))
    db.session.commit()
    assert resident.get("/dashboard").status_code == 302


def test_use_keeps_a_login_alive(app, db, admin):
    """A request more than a minute after the last one moves last_seen_at (on a connection of its own: GET
    requests stay read-only), so only idleness ends a login."""
    browser = app.test_client()
    _login(browser)
    earlier = utcnow() - timedelta(minutes=20)
    db.session.execute(update(LoginSession).values(last_seen_at=earlier))
    db.session.commit()
    assert _logged_in(browser)
    db.session.expire_all()
    row = db.session.scalar(select(LoginSession))
    assert row.last_seen_at > earlier + timedelta(minutes=19)


def test_a_login_expires(app, db, admin):
    """A login without remember-me ends after PERMANENT_SESSION_LIFETIME (12 h) however busy it is;
    with remember-me after REMEMBER_COOKIE_DURATION (14 days)."""
    browser, remembered = app.test_client(), app.test_client()
    _login(browser)
    _login(remembered, remember=True)
    rows = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
    assert rows[0].expires_at - rows[0].created_at == timedelta(hours=12) and not rows[0].remember
    assert rows[1].expires_at - rows[1].created_at == timedelta(days=14) and rows[1].remember
    db.session.execute(update(LoginSession).where(LoginSession.id == rows[0].id)
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not _logged_in(browser) and _logged_in(remembered)


def test_session_is_rotated_at_login(app, db, admin):
    """Login starts a new session: a session cookie planted before login (fixation) stays anonymous, and the
    id in the session is a new random login id — never the user id nor the account's epoch."""
    browser = app.test_client()
    browser.post("/auth/lang/en", data={"next": "/auth/login"})  # an anonymous session exists
    planted = _copy(app, browser, "session")
    before = browser.get_cookie("session").value
    _login(browser)
    assert browser.get_cookie("session").value != before
    assert not _logged_in(planted) and _logged_in(browser)
    with browser.session_transaction() as sess:
        login_id = sess["_user_id"]
        assert sess["lang"] == "en"  # the language choice is kept
    assert login_id not in (str(admin.id), admin.session_token)
    _login(second := app.test_client())
    with second.session_transaction() as sess:
        assert sess["_user_id"] != login_id


def test_session_is_rotated_at_logout(app, admin):
    """Logout leaves an anonymous session that shares nothing with the logged-in one."""
    browser = app.test_client()
    _login(browser)
    browser.post("/auth/logout")
    with browser.session_transaction() as sess:
        assert "_user_id" not in sess and "_fresh" not in sess


def _tokens(db, user):
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()


def test_password_change_ends_sessions_and_tokens_everywhere(app, db, admin):
    """Changing one's password logs out every other browser (remember-me included) and revokes the account's
    API tokens; this browser stays logged in on a new login; one audit row says what was revoked."""
    api = api_client(app, admin)
    assert api.get("/api/v1/me").status_code == 200
    here, there = app.test_client(), app.test_client()
    _login(here)
    _login(there, remember=True)
    there_remember = _copy(app, there, REMEMBER)
    assert _logged_in(there) and _logged_in(there_remember)
    resp = here.post("/auth/password", data={"old_password": PASSWORD, "new_password": NEW, "confirm": NEW})
    assert resp.status_code == 302
    assert _logged_in(here)
    assert not _logged_in(there) and not _logged_in(there_remember)
    assert api.get("/api/v1/me").status_code == 401
    assert all(t.revoked_at is not None for t in _tokens(db, admin))
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.revoke"))
    assert entry.changes == {"reason": "password", "sessions": 2, "tokens": 1} and entry.actor_id == admin.id


def test_administrators_reset_ends_sessions_and_tokens(app, db):
    """A manager resetting a staff member's password logs them out everywhere and revokes their tokens."""
    world = make_world()
    staff, manager = world.users[Role.STATION_STAFF], world.users[Role.STATION_MANAGER]
    db.session.commit()
    api = api_client(app, staff)
    browser = app.test_client()
    _login(browser, remember=True, username=staff.username)
    passwords.set_password(staff, NEW, scope=scope_for(manager), actor=manager)
    db.session.commit()
    assert not _logged_in(browser) and not _logged_in(_copy(app, browser, REMEMBER))
    assert api.get("/api/v1/me").status_code == 401


def test_disabling_an_account_ends_sessions_and_tokens(app, db):
    """Disabling an account (here through the API) logs it out everywhere and revokes its tokens; enabling it
    again does not bring them back."""
    world = make_world()
    staff = world.users[Role.STATION_STAFF]
    db.session.commit()
    staff_api = api_client(app, staff)
    browser = app.test_client()
    _login(browser, remember=True, username=staff.username)
    remembered = _copy(app, browser, REMEMBER)
    admin_api = api_client(app, world.users[Role.COMMUNITY_WORKER])
    assert admin_api.patch(f"/api/v1/users/{staff.id}", json={"is_enabled": False}).status_code == 200
    assert not _logged_in(browser) and not _logged_in(remembered)
    assert staff_api.get("/api/v1/me").status_code == 401
    assert admin_api.patch(f"/api/v1/users/{staff.id}", json={"is_enabled": True}).status_code == 200
    assert not _logged_in(browser) and not _logged_in(remembered)
    assert staff_api.get("/api/v1/me").status_code == 401
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "User",
                                                               AuditLog.object_id == staff.id)).all()
    assert "user.revoke" in actions


def test_role_change_ends_sessions_and_tokens(app, db):
    """A new role changes what the account may do: its logins and tokens end."""
    world = make_world()
    staff = world.users[Role.STATION_STAFF]
    manager = world.users[Role.COMMUNITY_WORKER]
    db.session.commit()
    api = api_client(app, staff)
    browser = app.test_client()
    _login(browser, username=staff.username)
    users.update_user(staff, scope=scope_for(manager), actor=manager, role=Role.COMMITTEE_MEMBER,
                      binding_id=world.compounds["a"][0].id)
    db.session.commit()
    assert not _logged_in(browser) and api.get("/api/v1/me").status_code == 401


def test_revoke_everywhere_counts_only_what_was_open(app, db, admin):
    """Ended logins and revoked tokens are not counted twice; the epoch changes every time."""
    epoch = admin.session_token
    first = sessions.revoke_everywhere(admin, actor=None, reason="test")
    assert first == {"reason": "test", "sessions": 0, "tokens": 0} and admin.session_token != epoch
    db.session.commit()
    browser = app.test_client()
    _login(browser)
    assert sessions.revoke_everywhere(admin, actor=None, reason="test")["sessions"] == 1
    assert sessions.revoke_everywhere(admin, actor=None, reason="test")["sessions"] == 0


def test_purge_deletes_old_login_sessions(app, db, admin):
    """Housekeeping deletes logins that ended or expired more than 30 days ago, and keeps the rest."""
    now = utcnow()
    admin.login_token = None
    for ended, expires in ((now - timedelta(days=31), now), (None, now - timedelta(days=31)),
                           (now - timedelta(days=2), now), (None, now + timedelta(hours=1))):
        sessions.start_login(admin, remember=False, now=now - timedelta(days=40))
        admin.login_session.ended_at, admin.login_session.expires_at = ended, expires
    db.session.flush()
    assert sessions.purge_logins(now) == 2
    assert len(db.session.scalars(select(LoginSession)).all()) == 2


def test_responses_that_leave_the_session_alone_do_not_send_it_again(app, admin):
    """A signed-in browser's static files and ordinary pages carry no Set-Cookie for the session. Flask's default
    re-sent the (permanent) session cookie with every response, static files and 304s included, so a response still
    in flight when the browser lost its cookies (cleared, as the e2e flows do between users) signed it back in.
    The login's lifetime is the server's (LoginSession.expires_at, set at login), so refreshing the cookie gained
    nothing."""
    browser = app.test_client()
    _login(browser)
    browser.get("/dashboard")  # the first page after login stores its CSRF token in the session (a change)
    for path in ("/static/favicon.svg", "/dashboard", "/auth/tokens"):
        resp = browser.get(path)
        resp.close()  # a static file's response holds the file open until closed
        assert resp.status_code == 200, path
        assert not [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session=")], path
    assert _logged_in(browser)
    browser.post("/auth/logout")  # a change to the session is still sent: logout clears it
    assert not _logged_in(browser)
