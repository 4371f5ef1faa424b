"""Parallel writers (PostgreSQL only: SQLite has one writer and proves nothing): one response per household."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict
from pm.extensions import db as _db
from pm.models import Household, Role, Survey, SurveyAnswer, SurveyResponse, User
from pm.services.surveys import operations
from tests.factories import make_world
from tests.factories.surveys import NOW, open_survey

pytestmark = pytest.mark.pg_only
THREADS = 10


def test_parallel_responses_of_one_household_store_one(app, db, backend):
    """The owner on the phone and the community on paper, many times at once: one response, the rest refused."""
    if backend != "postgresql":
        pytest.skip("unique-key races need PostgreSQL")
    w = make_world()
    survey = open_survey(w)
    db.session.commit()
    survey_id, hh_id = survey.id, w.households["a"][0].id
    users = [w.users[Role.OWNER].id, w.users[Role.COMMUNITY_WORKER].id]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with app.app_context():
            user = _db.session.get(User, users[i % 2])
            s, hh = _db.session.get(Survey, survey_id), _db.session.get(Household, hh_id)
            barrier.wait()
            try:
                operations.respond(s, hh, [5, 4, 3, 2, 1, 5], actor=user, scope=scope_for(user), paper=bool(i % 2),
                                   now=NOW)
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
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyAnswer)) == 6
