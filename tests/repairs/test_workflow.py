"""报修流程: the actions a page offers are exactly the steps the workflow accepts, for each user and moment."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import RepairCategory, RepairRequest, Role, Urgency
from pm.services.repairs import filing, funding, workflow
from pm.timeutil import utcnow
from tests.factories import make_user
from tests.factories.repairs import NOW, repair_world


@pytest.fixture
def w(app, db):
    return repair_world()


def by(user):
    """The actor and their scope, as the services take them."""
    return {"actor": user, "scope": scope_for(user)}


def _file(w, db, *, common=False):
    owner = w.users[Role.OWNER]
    place = ({"building_id": w.households["a"][0].building_id} if common
             else {"household_id": w.households["a"][0].id})
    req = filing.file_request(w.compounds["a"][0], **by(owner), category=RepairCategory.LEAK, urgency=Urgency.NORMAL,
                              description="屋面渗漏，顶楼多户受影响", now=NOW, **place)
    db.session.commit()
    return req


def _allowed(req, user, now=NOW):
    return workflow.allowed_actions(req, user, scope_for(user), now)


def _completed(w, db, req):
    staff = w.users[Role.STATION_STAFF]
    workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW)
    workflow.start(req, **by(staff), now=NOW + timedelta(minutes=30))
    workflow.complete(req, **by(staff), note="已补漏", now=NOW + timedelta(hours=2))
    db.session.commit()


def test_submitted_request_offers_the_station_its_first_steps(w, db):
    """A new request: staff may accept, dispatch, reject or agree a time; the filer nothing; officials nothing."""
    req = _file(w, db)
    assert _allowed(req, w.users[Role.STATION_STAFF]) == {"accept", "dispatch", "reject", "agree"}
    assert _allowed(req, w.users[Role.OWNER]) == set()
    assert _allowed(req, w.users[Role.STREET_OFFICER]) == set()
    assert _allowed(req, w.staff_b) == set()  # another station's staff: not in scope


def test_the_fund_is_offered_for_shared_parts_only_and_once(w, db):
    """标记需动用维修资金 is offered for a common-area request, not for a home, and not again once a plan is linked."""
    home, common = _file(w, db), _file(w, db, common=True)
    manager = w.users[Role.STATION_MANAGER]
    assert "fund" not in _allowed(home, manager)
    assert "fund" in _allowed(common, manager)
    funding.mark_needs_fund(common, **by(manager), budget_fen=500000, now=NOW)
    assert common.use_plan_id is not None and "fund" not in _allowed(common, manager)
    with pytest.raises(Conflict):
        funding.mark_needs_fund(common, **by(manager), budget_fen=100, now=NOW)


def test_start_is_offered_to_the_assignee_and_the_manager_only(w, db):
    """到场处理 is offered to the staff member it was dispatched to (and the manager), not to a colleague."""
    req = _file(w, db)
    staff = w.users[Role.STATION_STAFF]
    workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW)
    db.session.commit()
    colleague = make_user(Role.STATION_STAFF, w.stations["a"], username="colleague")
    assert "start" in _allowed(req, staff)
    assert "start" in _allowed(req, w.users[Role.STATION_MANAGER])
    assert "start" not in _allowed(req, colleague)
    with pytest.raises(Forbidden):
        workflow.start(req, **by(colleague), now=NOW)


def test_reopen_is_offered_within_the_window_only(w, db):
    """The filer is offered 返工 for 7 days after completion, then not (and the step is refused alike)."""
    req = _file(w, db)
    _completed(w, db, req)
    owner = w.users[Role.OWNER]
    completed = req.completed_at
    assert _allowed(req, owner, completed + timedelta(days=7)) == {"confirm", "reopen"}
    late = completed + timedelta(days=7, minutes=1)
    assert _allowed(req, owner, late) == {"confirm"}
    with pytest.raises(Conflict):
        workflow.reopen(req, **by(owner), reason="还在漏水", now=late)


@pytest.mark.parametrize("action", ["accept", "reject", "dispatch", "transfer", "start", "complete", "agree",
                                    "followup", "confirm", "reopen"])
def test_an_action_not_offered_is_refused_by_the_service(w, db, action):
    """Every step the page does not offer on a submitted request is refused by the workflow itself."""
    req = _file(w, db)
    staff = w.users[Role.STATION_STAFF]
    offered = _allowed(req, staff)
    calls = {
        "accept": lambda: workflow.accept(req, **by(staff), now=NOW),
        "reject": lambda: workflow.reject(req, **by(staff), reason="不属于物业", now=NOW),
        "dispatch": lambda: workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW),
        "transfer": lambda: workflow.transfer(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=NOW),
        "start": lambda: workflow.start(req, **by(staff), now=NOW),
        "complete": lambda: workflow.complete(req, **by(staff), note="已修好", now=NOW),
        "agree": lambda: workflow.agree_time(req, **by(staff), at=NOW + timedelta(days=1), now=NOW),
        "followup": lambda: workflow.record_followup(req, **by(staff), note="电话回访", now=NOW),
        "confirm": lambda: workflow.confirm(req, **by(staff), rating=5, now=NOW),
        "reopen": lambda: workflow.reopen(req, **by(staff), reason="还在漏水", now=NOW),
    }
    if action in offered:
        calls[action]()
    else:
        with pytest.raises(DomainError):
            calls[action]()


def test_out_of_order_names_the_status_by_its_label(w, db):
    """The refusal of a step out of order names the request's status as the pages label it."""
    req = _file(w, db)
    with pytest.raises(Conflict) as err:
        workflow.complete(req, **by(w.users[Role.STATION_STAFF]), note="已修好", now=NOW)
    assert err.value.message == "工单当前状态为“已提交”，不能完工" and "status" in err.value.fields


def test_page_hides_reopen_after_the_window(client, auth, db, w):
    """The request page offers 没修好，重新报修 to the filer only while the request may still be reopened."""
    req = _file(w, db, common=True)
    _completed(w, db, req)
    auth.login("owner")
    assert 'id="form-reopen"' not in client.get(f"/repairs/{req.id}").get_data(as_text=True)  # completed in 2026-03
    req = db.session.get(RepairRequest, req.id)
    req.completed_at = utcnow() - timedelta(days=1)
    db.session.commit()
    page = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    assert 'id="form-reopen"' in page and 'id="form-confirm"' in page
    assert db.session.scalar(select(RepairRequest.status).where(RepairRequest.id == req.id)).value == "completed"
