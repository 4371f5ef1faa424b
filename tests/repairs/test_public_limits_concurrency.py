"""The public QR page's limits hold under parallel posts (PostgreSQL: the count runs under a lock per phone
number and per address, so N simultaneous posts cannot all see the same earlier count)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import RepairRequest, Role
from pm.services.repairs import portal
from pm.services.repairs.settings import setting
from tests.factories import make_world

pytestmark = pytest.mark.pg_only


def _parallel_posts(app, url: str, phones: list[str], address: str) -> list[int]:
    barrier = threading.Barrier(len(phones))
    codes: list[int] = []
    lock = threading.Lock()

    def post(phone: str) -> None:
        with app.app_context():
            client = app.test_client()
            barrier.wait(timeout=30)
            resp = client.post(url, environ_base={"REMOTE_ADDR": address}, data={
                "category": "lighting", "location": "c", "urgency": "normal", "description": "楼道灯不亮了",
                "filer_phone": phone, "location_note": "", "filer_name": ""})
            with lock:
                codes.append(resp.status_code)

    threads = [threading.Thread(target=post, args=(phone,)) for phone in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return codes


@pytest.fixture
def public_url(app, db):
    w = make_world()
    worker = w.users[Role.COMMUNITY_WORKER]
    token = portal.open_portal(w.compounds["a"][0], actor=worker, scope=scope_for(worker)).token
    db.session.commit()
    return f"/repairs/public/{token}"


def _filed(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(RepairRequest))


def test_per_phone_limit_holds_under_parallel_posts(app, db, public_url):
    """Twelve simultaneous posts with one phone number: exactly the hourly limit (5) are filed, the rest refused."""
    limit = setting("REPAIR_PUBLIC_PER_PHONE_HOUR")
    codes = _parallel_posts(app, public_url, ["13900001111"] * 12, "203.0.113.7")
    assert sorted(codes) == [200] * limit + [422] * (12 - limit), codes
    assert _filed(db) == limit


def test_per_address_limit_holds_under_parallel_posts(app, db, public_url):
    """Sixteen simultaneous posts from one address with different phones: exactly the address limit (10)."""
    limit = setting("REPAIR_PUBLIC_PER_IP_HOUR")
    phones = [f"139000011{n:02d}" for n in range(16)]
    codes = _parallel_posts(app, public_url, phones, "203.0.113.8")
    assert sorted(codes) == [200] * limit + [422] * (16 - limit), codes
    assert _filed(db) == limit
