"""满意度测评 operations: the community opens and closes a compound's survey; households answer it once."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    Community,
    Compound,
    Household,
    HouseholdStatus,
    Ownership,
    Residency,
    Role,
    StreetOffice,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyStatus,
    User,
)
from pm.services import audit
from pm.services.messages import Message
from pm.services.assessments.locks import county_of_compound, refuse_if_locked
from pm.services.notifications import mark_done, notify
from pm.services.periods import Month
from pm.services.surveys import default_questions
from pm.services.text import N_
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)

SURVEY_NOTE = "survey.open"  # the "please answer" notification (cleared when the household answers)
E_NOT_FOUND = N_("小区不存在或不在您的权限范围内")
MAX_QUESTIONS, MAX_QUESTION_LENGTH = 30, 200


def survey_subject(survey_id: int, household_id: int) -> str:
    return f"survey:{survey_id}:{household_id}"


def link(survey: Survey) -> str:
    return f"/surveys/{survey.id}"


def _questions(questions: list[str] | None, compound: Compound) -> list[str]:
    if questions is None:
        county_id = db.session.scalar(select(StreetOffice.county_id).join(
            Community, Community.street_id == StreetOffice.id).where(Community.id == compound.community_id))
        return default_questions(county_id)
    cleaned = [str(q).strip() for q in questions]
    if not cleaned or len(cleaned) > MAX_QUESTIONS or any(not q or len(q) > MAX_QUESTION_LENGTH for q in cleaned):
        raise DomainError("测评问题须为 1 到 %(n)s 个不超过 %(len)s 字的问题", field="questions", n=MAX_QUESTIONS,
                          len=MAX_QUESTION_LENGTH)
    return cleaned


def _residents(compound_id: int) -> list[tuple[int, int]]:
    """(user id, household id) of every enabled owner or resident login with a current home in the compound."""
    homes = (select(Ownership.person_id, Ownership.household_id).where(Ownership.ended_on.is_(None))
             .union(select(Residency.person_id, Residency.household_id).where(Residency.ended_on.is_(None)))
             .subquery())
    rows = db.session.execute(
        select(User.id, homes.c.household_id).join(homes, homes.c.person_id == User.person_id)
        .join(Household, Household.id == homes.c.household_id)
        .where(Household.compound_id == compound_id, Household.status == HouseholdStatus.ACTIVE,
               User.is_enabled.is_(True), User.role.in_((Role.OWNER, Role.RESIDENT)))
        .order_by(User.id, homes.c.household_id)).all()
    return [(user_id, household_id) for user_id, household_id in rows]


def open_survey(compound: Compound, month: Month, *, actor: User, scope: Scope, questions: list[str] | None = None,
                now: datetime | None = None) -> Survey:
    """Open the compound's survey of `month` (not a future month; once per month) with the county's default
    questions (or `questions`), and ask its owners and residents to answer."""
    authorise(scope, actor, "survey.manage")
    if not scope.is_system and not scope.contains(Compound, compound.id):
        raise NotFound(E_NOT_FOUND, field="compound_id")
    now = now or utcnow()
    if month > Month.of(now):
        raise DomainError("不能为将来的月份开展测评", field="month")
    if db.session.scalar(select(Survey.id).where(Survey.compound_id == compound.id, Survey.month == str(month))):
        raise Conflict("该小区本月的满意度测评已经开展过", field="month")
    survey = Survey(compound_id=compound.id, month=str(month), status=SurveyStatus.OPEN,
                    questions=_questions(questions, compound), opened_by_id=actor.id if actor else None, opened_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(survey)
    except IntegrityError:  # a parallel request opened it first
        raise Conflict("该小区本月的满意度测评已经开展过", field="month") from None
    audit.record("survey.open", survey, actor=actor, place=compound,
                 changes={"month": [None, str(month)], "questions": [None, len(survey.questions)]})
    for user_id, household_id in _residents(compound.id):
        notify(user_id, SURVEY_NOTE, Message(N_("请参加%(compound)s %(month)s 群众满意度测评"),
                                             {"compound": compound.name, "month": str(month)}),
               body=Message(N_("请用手机回答几个问题（每户一份），您的意见将计入物业服务考核。")), link=link(survey),
               key=f"{SURVEY_NOTE}:{survey.id}:{household_id}:{user_id}", compound_id=compound.id,
               subject=survey_subject(survey.id, household_id))
    logger.info("survey %r opened by %r", survey, actor)
    return survey


def close_survey(survey: Survey, *, actor: User, scope: Scope, now: datetime | None = None) -> Survey:
    """End a survey: no more responses; its open "please answer" notices are cleared."""
    authorise(scope, actor, "survey.manage")
    if not scope.is_system and not scope.contains(Compound, survey.compound_id):
        raise NotFound(E_NOT_FOUND, field="survey")
    if survey.status != SurveyStatus.OPEN:
        raise Conflict("该测评已经结束", field="status")
    now = now or utcnow()
    survey.status, survey.closed_at = SurveyStatus.CLOSED, now
    db.session.flush()
    audit.record("survey.close", survey, actor=actor, place=survey.compound,
                 changes={"status": [SurveyStatus.OPEN, SurveyStatus.CLOSED]})
    households = db.session.scalars(select(Household.id).where(Household.compound_id == survey.compound_id)).all()
    mark_done([SURVEY_NOTE], [survey_subject(survey.id, h) for h in households], now=now)
    return survey


def _answers(values, count: int) -> list[int]:
    if not isinstance(values, (list, tuple)) or len(values) != count:
        raise DomainError("请回答全部 %(n)s 个问题", field="answers", n=count)
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise DomainError("每个问题的回答须为 1 到 5 分", field="answers")
        out.append(value)
    return out


def respond(survey: Survey, household: Household, answers: list[int], *, actor: User, scope: Scope,
            paper: bool = False, now: datetime | None = None) -> SurveyResponse:
    """Record one household's answers while the survey is open.

    Online: the actor is an owner or resident login of the household. Paper (纸质问卷): a community worker of the
    compound types it in; the response is marked as paper with who entered it. A household outside the compound, a
    second response of a household (also from a parallel request: the unique key), an answer outside 1–5 or a closed
    survey is refused and nothing is stored."""
    authorise(scope, actor, "survey.manage" if paper else "survey.answer")
    if not scope.is_system and not scope.contains(Survey, survey.id):
        raise NotFound("测评不存在或不在您的权限范围内", field="survey")
    if survey.status != SurveyStatus.OPEN:
        raise Conflict("该测评已经结束，不能再提交", field="survey")
    refuse_if_locked(county_of_compound(survey.compound_id), Month.parse(survey.month).first_day, field="survey")
    if household is None or household.compound_id != survey.compound_id:
        raise DomainError("该户不属于本次测评的小区", field="household_id")
    if household.status != HouseholdStatus.ACTIVE:
        raise DomainError("该户已灭失，不能参加测评", field="household_id")
    if not paper and not scope.is_system and not db.session.scalar(
            select(Household.id).where(Household.id == household.id, Household.id.in_(scope.visible_households))):
        raise Forbidden("只有该户的业主或住户可以参加测评")
    values = _answers(answers, len(survey.questions))
    if db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id,
                                                         SurveyResponse.household_id == household.id)):
        raise Conflict("该户已经参加过本次测评，每户只能提交一份", field="household_id")
    now = now or utcnow()
    response = SurveyResponse(survey_id=survey.id, household_id=household.id, compound_id=survey.compound_id,
                              person_id=None if paper else actor.person_id, is_paper=bool(paper),
                              entered_by_id=actor.id, created_at=now)
    response.answers = [SurveyAnswer(position=i, value=v) for i, v in enumerate(values)]
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:  # a parallel response for the same household won the race
        raise Conflict("该户已经参加过本次测评，每户只能提交一份", field="household_id") from None
    audit.record("survey.respond", response, actor=actor, place=household,
                 changes={"survey_id": survey.id, "household_id": household.id, "is_paper": bool(paper),
                          "answers": values})
    mark_done([SURVEY_NOTE], [survey_subject(survey.id, household.id)], now=now)
    logger.info("survey response %r by %r", response, actor)
    return response
