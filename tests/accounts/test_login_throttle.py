"""Login that cannot be turned against users (issue 8, item 3): failed logins slow down further tries per account
(or device) and per client address with a growing delay — never a lock anyone can renew — and the answer is
the same for known and unknown names. Times are passed in (`now=`): no test sleeps."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import request
from sqlalchemy import select

from pm import create_app
from pm.access import SYSTEM
from pm.errors import DomainError
from pm.models import AuditLog, LoginThrottle, Role
from pm.services.accounts import hashing, login, passwords, throttle
from pm.tasks import accounts as account_jobs
from pm.timeutil import utcnow
from tests.factories import PASSWORD, make_county, make_user

ADDRESS = "192.0.2.10"
CSRF = re.compile(r'value="[\w-]+\.[\w-]+\.[\w-]+"')  # a signed CSRF token (one per session)


@pytest.fixture
def admin(app, db):
    user = make_user(Role.COUNTY_ADMIN, make_county(), username="admin1")
    db.session.commit()
    return user


def _page(resp, name: str) -> str:
    """A login page with the typed name and the per-session CSRF token blanked out."""
    return CSRF.sub("", resp.get_data(as_text=True).replace(name, "X"))


def _try(name, password, now, address=ADDRESS, device=None):
    """The outcome of one try: "ok", "wrong" or ("wait", seconds)."""
    try:
        login.authenticate(name, password, address=address, device=device, now=now)
    except throttle.TooManyAttempts as err:
        return ("wait", err.retry_after)
    except DomainError as err:
        assert err.message == "用户名或密码不正确" and list(err.fields) == ["password"]
        return "wrong"
    return "ok"


def test_delay_grows_and_is_capped():
    """No delay for the first four failures, then 1, 2, 4 … seconds, never more than the cap."""
    assert [throttle.delay_after(n, 5, 900) for n in range(1, 9)] == [0, 0, 0, 0, 1, 2, 4, 8]
    assert throttle.delay_after(15, 5, 900) == 900 and throttle.delay_after(10_000, 5, 900) == 900


def test_failures_make_the_next_try_wait_twice_as_long(app, db, admin):
    """After five failures each try must wait 2^k s after the last failure; a try inside the wait is refused
    without checking the password and is not counted (hammering does not renew the wait)."""
    t0 = utcnow()
    assert [_try("admin1", "wrong", t0) for _ in range(5)] == ["wrong"] * 5
    assert _try("admin1", PASSWORD, t0) == ("wait", 1)  # even the right password waits
    assert _try("admin1", "wrong", t0 + timedelta(seconds=1)) == "wrong"
    for _ in range(50):  # hammering inside the wait changes nothing
        assert _try("admin1", "wrong", t0 + timedelta(seconds=2)) == ("wait", 1)
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key == f"account:{admin.id}"))
    assert row.failures == 6
    assert _try("admin1", "wrong", t0 + timedelta(seconds=3)) == "wrong"
    assert _try("admin1", PASSWORD, t0 + timedelta(seconds=4)) == ("wait", 3)
    assert _try("admin1", PASSWORD, t0 + timedelta(seconds=7)) == "ok"
    assert row.failures == 0 and row.retry_after is None  # a success clears the account


def test_the_wait_is_capped_so_the_owner_always_gets_a_try(app, db, admin):
    """However many failures, the longest wait is LOGIN_DELAY_CAP_SECONDS; after it the right password works."""
    row_key = f"account:{admin.id}"
    t = utcnow()
    db.session.add(LoginThrottle(key=row_key, failures=400, last_failure_at=t, retry_after=t + timedelta(seconds=900)))
    db.session.flush()
    assert _try("admin1", "wrong", t + timedelta(seconds=900)) == "wrong"
    assert _try("admin1", PASSWORD, t + timedelta(seconds=901)) == ("wait", 899)
    assert _try("admin1", PASSWORD, t + timedelta(seconds=1800)) == "ok"


def test_failures_are_forgotten_after_a_day(app, db, admin):
    """A failure older than LOGIN_FAILURE_MEMORY_HOURS no longer counts."""
    t0 = utcnow() - timedelta(days=2)
    for _ in range(5):
        _try("admin1", "wrong", t0)
    now = utcnow()
    assert [_try("admin1", "wrong", now) for _ in range(4)] == ["wrong"] * 4


def test_unknown_names_are_answered_exactly_like_known_ones(app, db, admin, monkeypatch):
    """An unknown name goes through the same steps as a known one with a wrong password: one password hash
    checked (a dummy one), the same message and field, the same throttling at the same count."""
    checks = []
    real = hashing.check_password_hash
    monkeypatch.setattr(hashing, "check_password_hash", lambda h, p: checks.append("dummy") or real(h, p))
    monkeypatch.setattr(login, "check_password_hash", lambda h, p: checks.append("real") or real(h, p))
    t0 = utcnow()
    known = [_try("admin1", "wrong", t0, address=None) for _ in range(6)]
    unknown = [_try("nobody-here", "wrong", t0, address=None) for _ in range(6)]
    assert known == unknown == ["wrong"] * 5 + [("wait", 1)]
    assert checks == ["real"] * 5 + ["dummy"] * 5  # one hash check per counted try, none while waiting


def test_web_answer_is_the_same_for_known_and_unknown_names(app, db, admin):
    """The login page answers a wrong password and an unknown name with the same status and page."""
    a = app.test_client().post("/auth/login", data={"username": "admin1", "password": "wrong"})
    b = app.test_client().post("/auth/login", data={"username": "nobody1", "password": "wrong"})
    assert a.status_code == b.status_code == 400
    assert _page(a, "admin1") == _page(b, "nobody1")


def test_throttled_web_answer_is_429_with_retry_after_for_both(app, db, admin):
    """Throttled: 429 with Retry-After for a known and an unknown name alike; the start of the wait is audited."""
    pages = []
    for name in ("admin1", "nobody1"):
        client = app.test_client()
        for _ in range(5):
            client.post("/auth/login", data={"username": name, "password": "wrong"},
                        environ_base={"REMOTE_ADDR": f"198.51.100.{len(pages)}"})
        resp = client.post("/auth/login", data={"username": name, "password": "wrong"},
                           environ_base={"REMOTE_ADDR": f"198.51.100.{len(pages)}"})
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
        pages.append(_page(resp, name))
    assert pages[0] == pages[1]
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == admin.id)
                                 .order_by(AuditLog.id)).all()
    assert actions == ["login.failure"] * 5 + ["login.throttled"]  # the refused try is logged, not audited


def test_an_address_is_throttled_across_names(app, db, admin):
    """Twenty failures from one address (any names) make its next try wait; another address is not affected."""
    t0 = utcnow()
    for i in range(20):
        assert _try(f"guess{i}", "wrong", t0) == "wrong"
    assert _try("admin1", PASSWORD, t0) == ("wait", 1)
    assert _try("admin1", PASSWORD, t0, address="203.0.113.5") == "ok"
    # a success does not clear the address (one's own account cannot launder guesses)
    assert _try("admin1", PASSWORD, t0, address=ADDRESS) == ("wait", 1)


def test_a_known_browser_is_not_kept_out_by_an_attacker(app, db, admin):
    """An attacker elsewhere slows the account down, but a browser that logged in to it before (device
    cookie) counts its own tries: the owner still logs in."""
    t0 = utcnow()
    for i in range(12):
        _try("admin1", "wrong", t0 + timedelta(seconds=2 ** i), address=f"203.0.113.{i}")
    owner_at = t0 + timedelta(seconds=2 ** 11 + 1)  # the 12th failure made the account wait 128 s
    assert _try("admin1", PASSWORD, owner_at, address="198.51.100.7") == ("wait", 127)
    device = throttle.read_device_cookie(throttle.device_cookie(admin))
    assert _try("admin1", PASSWORD, owner_at, address="198.51.100.7", device=device) == "ok"
    forged = {"u": admin.id, "n": "x"}
    assert throttle.read_device_cookie(throttle.device_cookie(admin)[:-2] + "xx") is None
    assert throttle.keys_for(admin, "admin1", address=None, device=forged) == ["device:x"]  # only if signed


def test_login_sets_a_device_cookie_only_for_the_login_page(app, db, admin):
    """A successful login leaves a signed device cookie scoped to /auth/login; it counts tries apart."""
    client = app.test_client()
    client.post("/auth/login", data={"username": "admin1", "password": PASSWORD})
    cookie = client.get_cookie(throttle.DEVICE_COOKIE, path="/auth/login")
    assert cookie is not None and cookie.http_only
    assert throttle.read_device_cookie(cookie.value)["u"] == admin.id


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(app, db, admin, tmp_path):
    """By default X-Forwarded-For is not believed (anyone could send a new address per try); with
    PM_TRUSTED_PROXIES=1 the address the proxy appended is used."""
    client = app.test_client()
    for i in range(20):
        client.post("/auth/login", data={"username": f"g{i}", "password": "wrong"},
                    headers={"X-Forwarded-For": f"10.0.0.{i}"})
    keys = db.session.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like("address:%"))).all()
    assert keys == ["address:127.0.0.1"]
    resp = client.post("/auth/login", data={"username": "admin1", "password": PASSWORD},
                       headers={"X-Forwarded-For": "10.9.9.9"})
    assert resp.status_code == 429
    proxied = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_DIR=str(tmp_path),
                         TRUSTED_PROXIES=1)
    seen = []
    proxied.add_url_rule("/ip", "ip", lambda: seen.append(request.remote_addr) or "ok")
    proxied.test_client().get("/ip", headers={"X-Forwarded-For": "1.2.3.4, 10.9.9.9"})
    assert seen == ["10.9.9.9"]  # one trusted proxy: the last hop it appended, not what the client wrote


def test_housekeeping_forgets_old_throttle_rows(app, db, admin):
    """The daily job deletes throttle rows without a failure in the last day and keeps recent ones."""
    now = utcnow()
    db.session.add_all([
        LoginThrottle(key="name:old", failures=3, last_failure_at=now - timedelta(days=2)),
        LoginThrottle(key="name:recent", failures=3, last_failure_at=now - timedelta(hours=1)),
        LoginThrottle(key="account:1", failures=0),
    ])
    db.session.flush()
    counts = account_jobs.expire_logins(now)
    assert counts["login_throttles"] == 2
    assert db.session.scalars(select(LoginThrottle.key)).all() == ["name:recent"]


def test_admin_reset_lets_the_owner_try_at_once(app, db, admin):
    """A password reset clears the account's wait."""
    t0 = utcnow()
    for _ in range(6):
        _try("admin1", "wrong", t0, address=None)
    passwords.set_password(admin, "a brand new long secret", scope=SYSTEM, actor=None)
    assert _try("admin1", "a brand new long secret", t0, address=None) == "ok"
