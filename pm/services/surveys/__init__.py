"""群众满意度测评: resident satisfaction surveys per compound and month, and their scores.

- operations: open and close a survey (the community), answer it (an owner or resident on the phone, one response
  per household; the community enters paper responses);
- reading: lists in scope, a household's pending surveys;
- this module: `satisfaction()`, the score the monthly assessment reads (one query for any number of compounds).

Score: every answer mapped 1→0, 2→25, 3→50, 4→75, 5→100, averaged over all answers of the month's responses, rounded
half-up to two places (exact: integer arithmetic, no float). None when nobody answered.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from pm.extensions import db
from pm.models import (
    Compound,
    Household,
    HouseholdStatus,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)
from pm.services.periods import Month

# 群众满意度测评 questions a survey copies when it is opened (until the county's assessment scheme supplies its own).
DEFAULT_QUESTIONS: tuple[str, ...] = (
    "您对小区环境卫生（保洁、垃圾清运）是否满意？",
    "您对小区秩序维护（门岗、巡逻、停车）是否满意？",
    "您对公共设施设备维护（照明、管道、电梯、门禁）是否满意？",
    "您对绿化养护是否满意？",
    "您对报事报修的响应和处理是否满意？",
    "您对服务站工作人员的服务态度是否满意？",
)


def default_questions(county_id: int | None = None) -> list[str]:
    """The county's default question list (today the same built-in list for every county)."""
    return list(DEFAULT_QUESTIONS)


@dataclass(frozen=True)
class Satisfaction:
    """A compound's month: score 0–100 (two places; None without answers), responses and active households."""

    score: Decimal | None
    responses: int
    households: int

    @property
    def response_rate(self) -> Decimal | None:
        """Responses per household as a percentage (two places, half-up); None for a compound without households."""
        if not self.households:
            return None
        return _half_up(self.responses * 100, self.households)


def _half_up(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator rounded half-up to two places, exactly."""
    cents = (numerator * 200 + denominator) // (2 * denominator)
    return Decimal(cents).scaleb(-2)


def score_of(points_sum: int, answers: int) -> Decimal | None:
    """The 0–100 score of answers whose (value − 1) add up to `points_sum`."""
    if not answers:
        return None
    return _half_up(points_sum * 25, answers)


def satisfaction(compound_ids: list[int], month: Month) -> dict[int, Satisfaction]:
    """compound id → Satisfaction of its survey of `month` (every compound asked is in the result; one without a
    survey has score None and 0 responses). One SQL statement whatever the number of compounds."""
    ids = sorted({int(i) for i in compound_ids})
    if not ids:
        return {}
    homes = (select(Household.compound_id.label("compound_id"), func.count(Household.id).label("n"))
             .where(Household.compound_id.in_(ids), Household.status == HouseholdStatus.ACTIVE)
             .group_by(Household.compound_id).subquery("homes"))
    answered = (select(Survey.compound_id.label("compound_id"),
                       func.count(func.distinct(SurveyResponse.id)).label("responses"),
                       func.coalesce(func.sum(SurveyAnswer.value - 1), 0).label("points"),
                       func.count(SurveyAnswer.id).label("answers"))
                .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
                .outerjoin(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                .where(Survey.compound_id.in_(ids), Survey.month == str(month))
                .group_by(Survey.compound_id).subquery("answered"))
    stmt = (select(Compound.id, homes.c.n, answered.c.responses, answered.c.points, answered.c.answers)
            .outerjoin(homes, homes.c.compound_id == Compound.id)
            .outerjoin(answered, answered.c.compound_id == Compound.id)
            .where(Compound.id.in_(ids)))
    return {compound_id: Satisfaction(score=score_of(int(points or 0), int(answers or 0)),
                                      responses=int(responses or 0), households=int(households or 0))
            for compound_id, households, responses, points, answers in db.session.execute(stmt)}


def survey_results(survey_ids: list[int]) -> dict[int, Satisfaction]:
    """survey id → Satisfaction (for lists of surveys of several months); one SQL statement."""
    ids = sorted({int(i) for i in survey_ids})
    if not ids:
        return {}
    homes = (select(Household.compound_id.label("compound_id"), func.count(Household.id).label("n"))
             .where(Household.compound_id.in_(select(Survey.compound_id).where(Survey.id.in_(ids))),
                    Household.status == HouseholdStatus.ACTIVE)
             .group_by(Household.compound_id).subquery("homes"))
    answered = (select(SurveyResponse.survey_id.label("survey_id"),
                       func.count(func.distinct(SurveyResponse.id)).label("responses"),
                       func.coalesce(func.sum(SurveyAnswer.value - 1), 0).label("points"),
                       func.count(SurveyAnswer.id).label("answers"))
                .outerjoin(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                .where(SurveyResponse.survey_id.in_(ids))
                .group_by(SurveyResponse.survey_id).subquery("answered"))
    stmt = (select(Survey.id, homes.c.n, answered.c.responses, answered.c.points, answered.c.answers)
            .outerjoin(homes, homes.c.compound_id == Survey.compound_id)
            .outerjoin(answered, answered.c.survey_id == Survey.id)
            .where(Survey.id.in_(ids)))
    return {survey_id: Satisfaction(score=score_of(int(points or 0), int(answers or 0)),
                                    responses=int(responses or 0), households=int(households or 0))
            for survey_id, households, responses, points, answers in db.session.execute(stmt)}
