"""Factories for 群众满意度测评: an open survey of a world's compound, and responses."""
from __future__ import annotations

from datetime import UTC, datetime

from pm.access import scope_for
from pm.models import Role
from pm.services.periods import Month
from pm.services.surveys import operations

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
MONTH = Month(2026, 11)


def open_survey(w, compound=None, *, month: Month = MONTH, questions=None, now: datetime = NOW):
    """The world's community worker opens a survey of side a's first compound (or `compound`)."""
    worker = w.users[Role.COMMUNITY_WORKER]
    return operations.open_survey(compound or w.compounds["a"][0], month, actor=worker, scope=scope_for(worker),
                                  questions=questions, now=now)


def answer(survey, household, answers, *, user, paper: bool = False, now: datetime = NOW):
    """A response for `household` by `user`, online or (a community worker) on paper."""
    return operations.respond(survey, household, answers, actor=user, scope=scope_for(user), paper=paper, now=now)
