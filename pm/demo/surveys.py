"""Demo 群众满意度测评: last month's surveys of the anchor compound and its neighbours, answered on the phone and
on paper, then closed."""
from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select

from pm.access import SYSTEM
from pm.extensions import db
from pm.models import Compound, Household, HouseholdStatus, Ownership, Role
from pm.services.periods import Month
from pm.services.surveys import operations

logger = logging.getLogger(__name__)
COMPOUNDS = 3  # the anchor compound and up to two more of its community
ANSWER_WEIGHTS = (1, 2, 6, 14, 12)  # 1..5: mostly satisfied, a few complaints


def populate(compound: Compound, users: dict, rng: random.Random, now: datetime) -> dict[str, int]:
    """Open last month's survey in each compound on its 20th, let the demo owner answer on the phone, enter about
    half of the other households from paper, and close it at the month's end."""
    worker, owner = users[Role.COMMUNITY_WORKER], users[Role.OWNER]
    month = Month.of(now).prev()
    opened_at = now.replace(year=month.year, month=month.month, day=20)
    closed_at = opened_at + timedelta(days=8)
    others = db.session.scalars(select(Compound).where(Compound.community_id == compound.community_id,
                                                       Compound.id != compound.id)
                                .order_by(Compound.id).limit(COMPOUNDS - 1)).all()
    owned = set(db.session.scalars(select(Ownership.household_id).where(Ownership.person_id == owner.person_id,
                                                                       Ownership.ended_on.is_(None))))
    counts = {"surveys": 0, "survey_responses": 0}
    for target in [compound, *others]:
        survey = operations.open_survey(target, month, actor=worker, scope=SYSTEM, now=opened_at)
        homes = db.session.scalars(select(Household).where(Household.compound_id == target.id,
                                                           Household.status == HouseholdStatus.ACTIVE)
                                   .order_by(Household.id)).all()
        for n, home in enumerate(homes):
            answers = rng.choices(range(1, 6), weights=ANSWER_WEIGHTS, k=len(survey.questions))
            at = opened_at + timedelta(hours=1 + n % 150)
            if home.id in owned:
                operations.respond(survey, home, answers, actor=owner, scope=SYSTEM, now=at)
            elif rng.random() < 0.5:
                operations.respond(survey, home, answers, actor=worker, scope=SYSTEM, paper=True, now=at)
            else:
                continue
            counts["survey_responses"] += 1
        operations.close_survey(survey, actor=worker, scope=SYSTEM, now=closed_at)
        counts["surveys"] += 1
    logger.info("demo surveys: %r", counts)
    return counts
