"""整改期限 on the order page and in the API: an inspector extends it with a reason; the history is shown."""
from datetime import timedelta

from sqlalchemy import func, select

from pm.access import scope_for
from pm.models import RectificationDeadline, Role
from pm.services.inspections import inspections
from pm.timeutil import local_today
from tests.asserts import assert_error
from tests.factories import make_world


def open_order(w):
    officer = w.users[Role.STREET_OFFICER]
    inspection = inspections.create_inspection(officer, scope=scope_for(officer), level="street_weekly",
                                               target_kind="compound", target_id=w.compounds["a"][0].id,
                                               inspected_on=local_today())
    return inspections.add_finding(inspection, officer, scope=scope_for(officer), item_code="order",
                                   deduction="0.5", note="门岗脱岗", measure="加强值守",
                                   due_on=local_today() + timedelta(days=1)).order


def rows(db):
    return db.session.scalar(select(func.count()).select_from(RectificationDeadline))


def test_inspector_extends_the_deadline_on_the_order_page(client, auth, db):
    """The form is offered to the inspector; a missing reason re-shows it; the history lists both deadlines."""
    w = make_world()
    order = open_order(w)
    db.session.commit()
    auth.login("staff")
    assert 'id="deadline"' not in client.get(f"/inspections/rectifications/{order.id}").get_data(as_text=True)
    assert client.post(f"/inspections/rectifications/{order.id}/deadline",
                       data={"due_on": local_today().isoformat(), "reason": "忙"}).status_code == 403
    auth.logout()
    auth.login("street")
    url = f"/inspections/rectifications/{order.id}"
    assert 'id="deadline"' in client.get(url).get_data(as_text=True)
    new_due = (local_today() + timedelta(days=10)).isoformat()
    assert client.post(f"{url}/deadline", data={"due_on": new_due, "reason": ""}).status_code == 400
    assert rows(db) == 1
    assert client.post(f"{url}/deadline", data={"due_on": new_due, "reason": "材料未到货"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'id="deadlines"' in page and "材料未到货" in page and new_due in page


def test_api_extends_the_deadline_and_lists_the_history(api, world, db):
    """POST /rectifications/{id}/deadline: a past date is a 422 naming due_on; the detail lists every deadline."""
    order = open_order(world)
    db.session.commit()
    officer = api(world.users[Role.STREET_OFFICER])
    url = f"/api/v1/rectifications/{order.id}/deadline"
    assert_error(officer.post(url, json={"due_on": (local_today() - timedelta(days=1)).isoformat(),
                                         "reason": "延期"}), 422, "due_on")
    assert_error(api(world.users[Role.STATION_STAFF]).post(url, json={"due_on": local_today().isoformat(),
                                                                      "reason": "延期"}), 403)
    resp = officer.post(url, json={"due_on": (local_today() + timedelta(days=5)).isoformat(), "reason": "雨天"})
    assert resp.status_code == 200, resp.get_json()
    history = resp.get_json()["deadlines"]
    assert [d["reason"] for d in history] == [None, "雨天"] and history[1]["changed_by"]
    assert resp.get_json()["due_on"] == (local_today() + timedelta(days=5)).isoformat()
