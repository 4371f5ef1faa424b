"""Elections under concurrency (PostgreSQL only): parallel ballots for one dwelling count once; closing an
election twice at once gives one result."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import Ballot, Election, ElectionChoice, Household, Membership, Person, Role, User
from pm.services.governance import elections
from pm.timeutil import utcnow
from tests.factories.governance import election_world
from tests.governance.test_elections import owner_of, paper, street, voting_election
from tests.concurrency import one_wins, race

pytestmark = pytest.mark.pg_only
THREADS = 8


def test_parallel_ballots_for_one_dwelling_count_once(app, db, backend):
    """Many paper ballots for the same dwelling at once: one ballot and its choices are stored."""
    if backend != "postgresql":
        pytest.skip("needs PostgreSQL")
    w = election_world()
    e = voting_election(w)
    _db.session.commit()
    ids = (e.id, w.owned[1].id, owner_of(w.owned[1]).id)
    clerk_id = w.users[Role.COMMUNITY_WORKER].id

    def load(_i: int) -> tuple:
        return (_db.session.get(Election, ids[0]), _db.session.get(Household, ids[1]),
                _db.session.get(Person, ids[2]), _db.session.get(User, clerk_id))

    def work(i, election, household, person, clerk) -> None:
        elections.cast(election, household, [election.candidates[i % 4].id], actor=clerk,
                       scope=scope_for(clerk), paper=True, person=person)

    assert race(app, THREADS, work, load=load) == one_wins(THREADS)
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

    def load(_i: int) -> tuple:
        return _db.session.get(Election, eid), _db.session.get(User, uid)

    def work(_i, election, user) -> None:
        elections.close(election, actor=user, scope=scope_for(user), now=utcnow() + timedelta(days=8))

    assert race(app, THREADS, work, load=load) == one_wins(THREADS)
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count()).select_from(Membership).where(Membership.election_id == eid)) == 3
