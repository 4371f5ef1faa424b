"""Under concurrency (PostgreSQL only): parallel term edits on one seat leave no overlap."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM
from pm.extensions import db as _db
from pm.models import Body, BodyType, Membership
from pm.services.governance import bodies
from tests.factories import make_world
from tests.factories.governance import make_body
from tests.concurrency import one_wins, race

pytestmark = pytest.mark.pg_only
THREADS = 8


def test_parallel_terms_on_one_seat_do_not_overlap(app, db, backend):
    """Many requests adding overlapping terms on the same seat at once: one is stored, the rest refused."""
    if backend != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    w = make_world()
    body_id = make_body(BodyType.RESIDENTS, community=w.communities["a"]).id
    db.session.commit()

    def work(i: int, body) -> None:
        bodies.add_member(body, name=f"人{i}", position="member", seat=1, started_on=date(2024, 1, 1 + i),
                          actor=None, scope=SYSTEM)

    def load(i: int) -> tuple:
        return (_db.session.get(Body, body_id),)

    assert race(app, THREADS, work, load=load) == one_wins(THREADS)
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.body_id == body_id)) == 1
