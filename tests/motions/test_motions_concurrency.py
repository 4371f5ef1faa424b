"""Parallel ballots for one dwelling on a motion (PostgreSQL): exactly one is stored, the others refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import Household, User
from pm.models.motions import Motion
from pm.models.votes import Ballot
from pm.services import motions
from tests.factories.motions import live_elevator_motion, owners_unit
from tests.concurrency import one_wins, race

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

    def work(i: int, user, m, home) -> None:
        motions.cast_ballot(m, home, "yes" if i % 2 else "no", actor=user, scope=scope_for(user))

    def load(i: int) -> tuple:
        return (_db.session.get(User, user_id), _db.session.get(Motion, motion_id), _db.session.get(Household, hh_id))

    assert race(app, THREADS, work, load=load) == one_wins(THREADS)
    db.session.expire_all()
    decision_id = db.session.get(Motion, motion_id).decision_id
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.decision_id == decision_id)) == 1
    assert motions.tally(db.session.get(Motion, motion_id)).ballots == 1
