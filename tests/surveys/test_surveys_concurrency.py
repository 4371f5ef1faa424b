"""Parallel writers (PostgreSQL only: SQLite has one writer and proves nothing): one response per household."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import Household, Role, Survey, SurveyAnswer, SurveyResponse, User
from pm.services.surveys import operations
from tests.factories import make_world
from tests.factories.surveys import NOW, open_survey
from tests.concurrency import one_wins, race

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

    def work(i: int, user, s, hh) -> None:
        operations.respond(s, hh, [5, 4, 3, 2, 1, 5], actor=user, scope=scope_for(user), paper=bool(i % 2),
                           now=NOW)

    def load(i: int) -> tuple:
        return (_db.session.get(User, users[i % 2]), _db.session.get(Survey, survey_id), _db.session.get(Household, hh_id))

    assert race(app, THREADS, work, load=load) == one_wins(THREADS)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyAnswer)) == 6
