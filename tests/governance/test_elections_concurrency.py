"""Elections under concurrency (PostgreSQL only): parallel ballots for one dwelling count once; closing an
election twice at once gives one result."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict
from pm.extensions import db as _db
from pm.models import Ballot, Election, ElectionChoice, Household, Membership, Person, Role, User
from pm.services.governance import elections
from pm.timeutil import utcnow
from tests.factories.governance import election_world
from tests.governance.test_elections import owner_of, paper, street, voting_election

pytestmark = pytest.mark.pg_only
THREADS = 8


def _race(app, work) -> list[str]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with app.app_context():
            args = work.prepare()
            barrier.wait()
            try:
                work.run(i, *args)
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
    return sorted(outcomes)


def test_parallel_ballots_for_one_dwelling_count_once(app, db, backend):
    """Many paper ballots for the same dwelling at once: one ballot and its choices are stored."""
    if backend != "postgresql":
        pytest.skip("needs PostgreSQL")
    w = election_world()
    e = voting_election(w)
    _db.session.commit()
    ids = (e.id, w.owned[1].id, owner_of(w.owned[1]).id)
    clerk_id = w.users[Role.COMMUNITY_WORKER].id

    class Work:
        def prepare(self):
            return (_db.session.get(Election, ids[0]), _db.session.get(Household, ids[1]),
                    _db.session.get(Person, ids[2]), _db.session.get(User, clerk_id))

        def run(self, i, election, household, person, clerk):
            elections.cast(election, household, [election.candidates[i % 4].id], actor=clerk,
                           scope=scope_for(clerk), paper=True, person=person)

    assert _race(app, Work()) == ["ok"] + ["refused"] * (THREADS - 1)
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert _db.session.scalar(select(func.count()).select_from(ElectionChoice)) == 1


def test_closing_twice_at_once_gives_one_result(app, db, backend):
    """Parallel closes of one election: one counts, the others are refused; members recorded once."""
    if backend != "postgresql":
        pytest.skip("needs PostgreSQL")
    w = election_world()
    e = voting_election(w)
    for hh in w.owned:
        paper(w, e, hh, e.candidates[:3])
    _db.session.commit()
    eid, uid = e.id, w.users[Role.STREET_OFFICER].id

    class Work:
        def prepare(self):
            return _db.session.get(Election, eid), _db.session.get(User, uid)

        def run(self, i, election, user):
            elections.close(election, actor=user, scope=scope_for(user), now=utcnow() + timedelta(days=8))

    assert _race(app, Work()) == ["ok"] + ["refused"] * (THREADS - 1)
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count()).select_from(Membership).where(Membership.election_id == eid)) == 3
