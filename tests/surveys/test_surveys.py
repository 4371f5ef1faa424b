"""群众满意度测评: opening, one response per household, paper entry, bad input refused, and the score."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.models import Notification, Role, SurveyAnswer, SurveyResponse, SurveyStatus
from pm.services import surveys
from pm.services.periods import Month
from pm.services.surveys import operations
from tests.factories import make_household, make_unit, make_building, make_user, make_world
from tests.factories.surveys import MONTH, NOW, answer, open_survey

SIX = [5, 5, 5, 5, 5, 5]


def responses(db):
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_opening_copies_the_default_questions_and_asks_the_households(db):
    """A new survey holds the county's default questions; the compound's owner and resident are told to answer."""
    w = make_world()
    survey = open_survey(w)
    assert survey.questions == list(surveys.DEFAULT_QUESTIONS) and survey.status == SurveyStatus.OPEN
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "survey.open")))
    assert told == {w.users[Role.OWNER].id, w.users[Role.RESIDENT].id}


def test_a_survey_is_opened_once_per_compound_and_month_by_its_community(db):
    """A second survey of the month, a future month, another street's compound or a station login: refused."""
    w = make_world()
    open_survey(w)
    with pytest.raises(Conflict):
        open_survey(w)
    with pytest.raises(DomainError):
        open_survey(w, w.compounds["a"][1], month=Month(2026, 12))
    with pytest.raises(NotFound):
        open_survey(w, w.compounds["b"][0])
    manager = w.users[Role.STATION_MANAGER]
    with pytest.raises(Forbidden):
        operations.open_survey(w.compounds["a"][1], MONTH, actor=manager, scope=scope_for(manager), now=NOW)


def test_owner_answers_on_the_phone_and_the_notice_is_cleared(db):
    """The owner's answers are stored in order, not as paper; their "please answer" notice is done."""
    w = make_world()
    survey = open_survey(w)
    owner = w.users[Role.OWNER]
    response = answer(survey, w.households["a"][0], [5, 4, 3, 2, 1, 5], user=owner)
    assert [a.value for a in response.answers] == [5, 4, 3, 2, 1, 5]
    assert (response.is_paper, response.entered_by_id, response.person_id) == (False, owner.id, owner.person_id)
    note = db.session.scalar(select(Notification).where(Notification.user_id == owner.id,
                                                        Notification.kind == "survey.open"))
    assert note.done_at is not None


def test_paper_responses_are_marked_with_who_entered_them(db):
    """The community worker types in a paper questionnaire for any household of the compound."""
    w = make_world()
    survey = open_survey(w)
    worker = w.users[Role.COMMUNITY_WORKER]
    response = answer(survey, w.households["a"][1], SIX, user=worker, paper=True)
    assert (response.is_paper, response.entered_by_id, response.person_id) == (True, worker.id, None)


@pytest.mark.parametrize("answers", [[5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 6], [0, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, True],
                                     ["5", 5, 5, 5, 5, 5], None])
def test_answers_outside_1_to_5_or_incomplete_are_refused(db, answers):
    """Every question answered with an integer from 1 to 5, else a field error and nothing stored."""
    w = make_world()
    survey = open_survey(w)
    with pytest.raises(DomainError) as err:
        answer(survey, w.households["a"][0], answers, user=w.users[Role.OWNER])
    assert "answers" in err.value.fields
    assert responses(db) == 0


def test_bad_responses_are_refused_and_nothing_is_stored(db):
    """Outside the compound, a second response of a household, someone else's home, a closed survey: refused."""
    w = make_world()
    survey = open_survey(w)
    owner, worker = w.users[Role.OWNER], w.users[Role.COMMUNITY_WORKER]
    with pytest.raises(DomainError) as err:  # a household of the compound's neighbour
        answer(survey, w.households["a"][2], SIX, user=worker, paper=True)
    assert "household_id" in err.value.fields
    with pytest.raises(Forbidden):  # not the owner's home
        answer(survey, w.households["a"][1], SIX, user=owner)
    answer(survey, w.households["a"][0], SIX, user=owner)
    with pytest.raises(Conflict):
        answer(survey, w.households["a"][0], SIX, user=worker, paper=True)
    operations.close_survey(survey, actor=worker, scope=scope_for(worker), now=NOW)
    with pytest.raises(Conflict):
        answer(survey, w.households["a"][1], SIX, user=w.users[Role.RESIDENT])
    assert responses(db) == 1
    assert db.session.scalar(select(func.count()).select_from(SurveyAnswer)) == 6


def test_satisfaction_maps_answers_to_0_100_exactly(db):
    """1→0 … 5→100 averaged over every answer, two places half-up; response rate over active households."""
    w = make_world()
    survey = open_survey(w, questions=["环境", "服务", "维修"])
    answer(survey, w.households["a"][0], [5, 4, 4], user=w.users[Role.OWNER])  # 100, 75, 75
    answer(survey, w.households["a"][1], [3, 3, 4], user=w.users[Role.COMMUNITY_WORKER], paper=True)  # 50, 50, 75
    c1, c2 = w.compounds["a"]
    result = surveys.satisfaction([c1.id, c2.id], MONTH)
    assert result[c1.id] == surveys.Satisfaction(score=Decimal("70.83"), responses=2, households=2)
    assert result[c1.id].response_rate == Decimal("100.00")
    assert result[c2.id] == surveys.Satisfaction(score=None, responses=0, households=2)
    assert surveys.satisfaction([c1.id], Month(2026, 10))[c1.id].score is None


def test_satisfaction_is_one_query_for_many_compounds(db, count_queries):
    """One statement however many compounds are asked for."""
    w = make_world()
    survey = open_survey(w)
    unit = make_unit(make_building(w.compounds["a"][0], name="2号楼"), name="1单元")
    extra = make_household(unit, room_no="201")
    answer(survey, extra, [1, 2, 3, 4, 5, 5], user=w.users[Role.COMMUNITY_WORKER], paper=True)
    db.session.commit()
    ids = [c.id for side in ("a", "b") for c in w.compounds[side]]
    with count_queries() as counter:
        result = surveys.satisfaction(ids, MONTH)
    assert len(counter.statements) == 1
    assert result[w.compounds["a"][0].id] == surveys.Satisfaction(Decimal("58.33"), 1, 3)
    assert surveys.satisfaction([], MONTH) == {}
