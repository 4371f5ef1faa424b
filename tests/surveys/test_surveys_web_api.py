"""满意度测评 pages and API: the community opens and closes, residents answer, bad input a clear error."""
import pytest
from sqlalchemy import func, select

from pm.models import Role, SurveyResponse
from tests.asserts import assert_error, ids
from tests.factories import make_world
from tests.factories.surveys import answer, open_survey
from pm.services.periods import Month
from pm.timeutil import utcnow

SIX = [5, 4, 4, 3, 5, 5]


def form_answers(values, household_id):
    return {"household_id": household_id, **{f"q{i}": v for i, v in enumerate(values)}}


def count(db):
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def test_community_opens_a_survey_and_the_owner_answers_on_the_web(client, auth, db):
    """Open → the owner's home page asks → the owner answers → the result shows 1 of 2 households."""
    w = make_world()
    auth.login("community")
    month = str(Month.of(utcnow()))
    resp = client.post("/surveys/new", data={"compound_id": w.compounds["a"][0].id, "month": month})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    survey_url = resp.headers["Location"]
    auth.logout()
    auth.login("owner")
    assert "请参加群众满意度测评" in client.get("/dashboard").get_data(as_text=True)
    page = client.get(survey_url).get_data(as_text=True)
    assert "环境卫生" in page and 'id="answer"' in page
    resp = client.post(f"{survey_url}/responses", data=form_answers(SIX, w.households["a"][0].id))
    assert resp.status_code == 302
    page = client.get(survey_url).get_data(as_text=True)
    assert "1 / 2" in page and "手机提交" in page and 'id="answer"' not in page
    assert "请参加群众满意度测评" not in client.get("/dashboard").get_data(as_text=True)


def test_paper_entry_and_bad_input_reshow_the_form(client, auth, db):
    """Paper entry is marked with who entered it; a second response or another compound's home is refused."""
    w = make_world()
    survey = open_survey(w)
    answer(survey, w.households["a"][0], SIX, user=w.users[Role.OWNER])
    db.session.commit()
    auth.login("community")
    url = f"/surveys/{survey.id}/responses"
    resp = client.post(url, data=form_answers(SIX, w.households["a"][0].id))
    assert resp.status_code == 400 and "每户只能提交一份" in resp.get_data(as_text=True)
    resp = client.post(url, data=form_answers(SIX, w.households["a"][2].id))
    assert resp.status_code == 400 and "不属于本次测评的小区" in resp.get_data(as_text=True)
    resp = client.post(url, data=form_answers([5, 5, 5, 5, 5, 9], w.households["a"][1].id))
    assert resp.status_code == 400
    assert count(db) == 1
    assert client.post(url, data=form_answers(SIX, w.households["a"][1].id)).status_code == 302
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "纸质问卷" in page and "2 / 2" in page
    assert client.post(f"/surveys/{survey.id}/close", data={}).status_code == 302
    resp = client.post(url, data=form_answers(SIX, w.households["a"][1].id))
    assert count(db) == 2


def test_the_api_opens_answers_and_refuses_bad_input(api, world, db):
    """POST /surveys, /responses (owner online, community on paper); 4xx naming the field, nothing stored."""
    community, owner = api(world.users[Role.COMMUNITY_WORKER]), api(world.users[Role.OWNER])
    month = str(Month.of(utcnow()))
    resp = community.post("/api/v1/surveys", json={"compound_id": world.compounds["a"][0].id, "month": month})
    assert resp.status_code == 201, resp.get_json()
    survey_id = resp.get_json()["id"]
    assert_error(community.post("/api/v1/surveys", json={"compound_id": world.compounds["a"][0].id,
                                                         "month": month}), 409, "month")
    assert_error(community.post("/api/v1/surveys", json={"compound_id": world.compounds["b"][0].id,
                                                         "month": month}), 404, "compound_id")
    url = f"/api/v1/surveys/{survey_id}/responses"
    hh = world.households["a"]
    assert_error(owner.post(url, json={"household_id": hh[0].id, "answers": [5, 5, 5, 5, 5, 6]}), 422, "answers")
    assert_error(owner.post(url, json={"household_id": hh[0].id, "answers": [5, 5]}), 422, "answers")
    assert_error(community.post(url, json={"household_id": hh[2].id, "answers": SIX, "paper": True}), 422,
                 "household_id")
    assert owner.post(url, json={"household_id": hh[0].id, "answers": SIX}).status_code == 201
    assert_error(community.post(url, json={"household_id": hh[0].id, "answers": SIX, "paper": True}), 409,
                 "household_id")
    resp = community.post(url, json={"household_id": hh[1].id, "answers": [1, 1, 1, 1, 1, 1], "paper": True})
    assert resp.status_code == 201 and resp.get_json()["is_paper"] is True
    body = community.get(f"/api/v1/surveys/{survey_id}").get_json()
    assert body["result"] == {"score": "41.67", "responses": 2, "households": 2, "response_rate": "100.00"}
    assert len(ids(community.get(url))) == 2 and len(ids(owner.get(url))) == 1
    assert community.post(f"/api/v1/surveys/{survey_id}/close").status_code == 200
    assert_error(owner.post(url, json={"household_id": hh[0].id, "answers": SIX}), 409)
    assert count(db) == 2


def test_the_list_is_scoped_and_has_a_fixed_number_of_queries(api, world, db, count_queries):
    """Another street's surveys are not listed; results for a page come in one query, not one per survey."""
    open_survey(world, world.compounds["a"][0])
    open_survey(world, world.compounds["a"][1])
    db.session.commit()
    client = api(world.users[Role.STREET_OFFICER])
    assert len(ids(client.get("/api/v1/surveys"))) == 2
    with count_queries() as few:
        client.get("/api/v1/surveys")
    for m in range(1, 6):
        open_survey(world, world.compounds["a"][0], month=Month(2026, m))
    db.session.commit()
    with count_queries() as many:
        assert len(ids(client.get("/api/v1/surveys"))) == 7
    assert len(many.statements) == len(few.statements)
