"""Parallel ballots for one dwelling on a motion (PostgreSQL): exactly one is stored, the others refused."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict
from pm.extensions import db as _db
from pm.models import Household, User
from pm.models.motions import Motion
from pm.models.votes import Ballot
from pm.services import motions
from tests.factories.motions import live_elevator_motion, owners_unit

pytestmark = pytest.mark.pg_only
THREADS = 10


def test_parallel_ballots_for_one_dwelling_count_once(app, db, world, backend):
    if backend != "postgresql":
        pytest.skip("unique-key races need PostgreSQL")
    unit, flats = owners_unit(world)
    motion = live_elevator_motion(world, unit)
    hh, owner = flats[0]
    motion_id, hh_id, user_id = motion.id, hh.id, owner.id
    db.session.commit()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with app.app_context():
            user = _db.session.get(User, user_id)
            m = _db.session.get(Motion, motion_id)
            home = _db.session.get(Household, hh_id)
            barrier.wait()
            try:
                motions.cast_ballot(m, home, "yes" if i % 2 else "no", actor=user, scope=scope_for(user))
                _db.session.commit()
                result = "ok"
            except Conflict:
                _db.session.rollback()
                result = "refused"
            finally:
                _db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (THREADS - 1)
    db.session.expire_all()
    decision_id = db.session.get(Motion, motion_id).decision_id
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.decision_id == decision_id)) == 1
    assert motions.tally(db.session.get(Motion, motion_id)).ballots == 1
