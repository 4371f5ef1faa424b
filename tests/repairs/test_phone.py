"""Repairs on the phone (issue 9 item 2): "please choose" first, the duplicate warning, a resident's list newest and
open first, labelled before/after photos, stars with words, one-tap calls, "please rate" list, dispatch proposing the
team of the category, which deadline was missed, the filer's phone for the station only, the printable work order."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from pm.access import scope_for
from pm.errors import Conflict
from pm.models import RepairRequest, RepairStatus, Role, TeamKind
from pm.services.repairs import filing, workflow
from pm.timeutil import utcnow
from tests.factories import make_user
from tests.factories.registry import make_person, make_resident
from tests.factories.repairs import PNG, repair_world
from tests.factories.stations import make_team


def by(user):
    return {"actor": user, "scope": scope_for(user)}


@pytest.fixture
def w(app, db):
    w = repair_world()
    w.stations["a"].phone = "0371-6666 8888"
    w.users[Role.OWNER].phone = "13800001234"
    db.session.commit()
    return w


def _page_data(w, **extra):
    data = {"category": "water_supply", "location": f"h:{w.households['a'][0].id}", "urgency": "normal",
            "description": "厨房水管漏水很严重", "location_note": ""}
    data.update(extra)
    return data


def _file(w, *, category="water_supply", now=None, common=False, who=Role.OWNER, **kw):
    place = {"building_id": w.households["a"][0].building_id} if common else {"household_id": w.households["a"][0].id}
    return filing.file_request(w.compounds["a"][0], **by(w.users[who]), category=category, urgency="normal",
                               description="问题描述写得足够长", now=now or utcnow(), **place, **kw)


def _complete(w, req, *, photos=None, now=None):
    staff = w.users[Role.STATION_STAFF]
    now = now or utcnow()
    workflow.dispatch(req, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=now)
    workflow.start(req, **by(staff), now=now)
    workflow.complete(req, **by(staff), note="已修好", photos=photos, now=now)


def test_category_starts_with_please_choose_and_is_required(client, auth, db, w):
    """The category select opens on "please choose" (nothing preselected); leaving it is refused, nothing stored."""
    auth.login("owner")
    page = client.get("/repairs/new").get_data(as_text=True)
    select_html = page[page.index('name="category"'):]
    select_html = select_html[:select_html.index("</select>")]
    assert select_html.index('<option value="">请选择</option>') < select_html.index('value="water_supply"')
    assert "selected" not in select_html
    resp = client.post("/repairs/new", data=_page_data(w, category=""))
    assert resp.status_code == 400 and "请选择报修类别" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 0


def test_duplicate_warning_on_the_page_then_confirmed(client, auth, db, w):
    """Same home, same category, still open: the form comes back with a warning naming the open request and a
    checkbox; ticking it files the second one. Another category files at once."""
    first = _file(w)
    db.session.commit()
    auth.login("owner")
    resp = client.post("/repairs/new", data=_page_data(w))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="duplicate-warning"' in html
    assert f"#{first.id}" in html and f'href="/repairs/{first.id}"' in html and 'name="confirm_duplicate"' in html
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 1
    assert client.post("/repairs/new", data=_page_data(w, confirm_duplicate="y")).status_code == 302
    assert client.post("/repairs/new", data=_page_data(w, category="power")).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 3


def test_duplicate_allowed_once_closed_and_through_the_api_with_confirmation(api, db, w):
    """The API answers 409 on confirm_duplicate, and files with confirm_duplicate true; a closed one is no duplicate."""
    first = _file(w)
    db.session.commit()
    body = {"compound_id": w.compounds["a"][0].id, "category": "water_supply", "description": "厨房水管又漏水了",
            "household_id": w.households["a"][0].id}
    owner = api(w.users[Role.OWNER])
    resp = owner.post("/api/v1/repairs", json=body)
    assert resp.status_code == 409 and "confirm_duplicate" in resp.get_json()["errors"]["json"]
    assert owner.post("/api/v1/repairs", json={**body, "confirm_duplicate": True}).status_code == 201
    _complete(w, first)
    workflow.confirm(first, **by(w.users[Role.OWNER]), rating=5)
    db.session.commit()
    with pytest.raises(Conflict) as err:  # the second is still open
        _file(w)
    assert "confirm_duplicate" in err.value.fields
    db.session.rollback()
    assert _file(w, category="leak").id  # another category


def test_resident_list_open_first_newest_first(client, auth, db, w):
    """A resident's list: open requests before closed ones, each newest first (the station keeps its own order)."""
    now = utcnow()
    old_open = _file(w, category="power", now=now - timedelta(days=3))
    closed = _file(w, category="leak", now=now - timedelta(hours=1))
    new_open = _file(w, category="road", now=now - timedelta(days=1), common=True)
    _complete(w, closed)
    workflow.confirm(closed, **by(w.users[Role.OWNER]), rating=4)
    db.session.commit()
    auth.login("owner")
    html = client.get("/repairs/").get_data(as_text=True)
    positions = [html.index(f'href="/repairs/{r.id}"') for r in (new_open, old_open, closed)]
    assert positions == sorted(positions)
    assert "★★★★☆" in html and "满意" in html


def test_please_rate_banner_opens_the_requests_waiting_for_a_rating(client, auth, db, w):
    """The banner counts my completed requests and opens exactly those; the API has the same filter."""
    waiting, other = _file(w, category="power"), _file(w, category="leak")
    _complete(w, waiting)
    db.session.commit()
    auth.login("owner")
    html = client.get("/repairs/").get_data(as_text=True)
    assert 'id="to-rate-banner"' in html and 'href="/repairs/?status=to_rate"' in html and "1 条报修已完工" in html
    listed = client.get("/repairs/?status=to_rate").get_data(as_text=True)
    assert f'href="/repairs/{waiting.id}"' in listed and f'href="/repairs/{other.id}"' not in listed
    assert "待我评价的报修" in listed
    client.post(f"/repairs/{waiting.id}/confirm", data={"rate-rating": "5"})
    assert 'id="to-rate-banner"' not in client.get("/repairs/").get_data(as_text=True)


def test_please_rate_through_the_api(api, db, w):
    waiting, _other = _file(w, category="power"), _file(w, category="leak")
    _complete(w, waiting)
    db.session.commit()
    data = api(w.users[Role.OWNER]).get("/api/v1/repairs?status=to_rate").get_json()
    assert [r["id"] for r in data["items"]] == [waiting.id]


def test_photos_labelled_before_and_after(client, auth, db, w):
    """Photos at filing are shown as "before", at completion as "after", each with its own heading and alt text."""
    auth.login("owner")
    client.post("/repairs/new", data=_page_data(w, photos=[(io.BytesIO(PNG), "a.png")]),
                content_type="multipart/form-data")
    req = db.session.scalar(select(RepairRequest))
    _complete(w, req, photos=[FileStorage(io.BytesIO(PNG), "b.png", content_type="image/png")])
    db.session.commit()
    html = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    before = html[html.index('id="photos-filing"'):html.index('id="photos-completion"')]
    after = html[html.index('id="photos-completion"'):]
    assert "维修前" in before and 'alt="维修前（报修时的照片） 1"' in before
    assert "维修后" in after and 'alt="维修后（完工时的照片） 1"' in after


def test_rating_is_stars_with_words_as_radio_buttons(client, auth, db, w):
    """Five radio buttons, best first, each a label with stars and a word; the chosen one is saved and shown."""
    req = _file(w)
    _complete(w, req)
    db.session.commit()
    auth.login("owner")
    html = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    form = html[html.index('id="rating-choices"'):html.index('name="rate-comment"')]
    words = ["很满意", "满意", "一般", "不满意", "很不满意"]
    assert form.count('type="radio" name="rate-rating"') == 5
    assert [form.index(f'<span class="rating-word">{word}</span>') for word in words] == sorted(
        form.index(f'<span class="rating-word">{word}</span>') for word in words)
    assert 'for="rate-5"' in form and "★★★★★" in form and "★☆☆☆☆" in form
    assert client.post(f"/repairs/{req.id}/confirm", data={"rate-rating": "2"}).status_code == 302
    shown = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    assert "★★☆☆☆" in shown and "不满意" in shown[shown.index('id="rating"'):]


def test_one_tap_call_to_the_station(client, auth, db, w):
    """The resident's list and request page call the station with one tap (tel: link, no spaces or dashes)."""
    req = _file(w)
    db.session.commit()
    auth.login("owner")
    assert 'href="tel:037166668888"' in client.get("/repairs/").get_data(as_text=True)
    assert 'id="call-station" href="tel:037166668888"' in client.get(f"/repairs/{req.id}").get_data(as_text=True)
    auth.logout()
    auth.login("staff")  # the station does not call itself
    assert 'id="call-station"' not in client.get(f"/repairs/{req.id}").get_data(as_text=True)


def test_filer_phone_for_the_station_not_for_other_residents(client, auth, api, db, w):
    """The station calls the filer back (tel: link); another resident of the same home sees no phone (web, API)."""
    req = _file(w)
    housemate = make_person(name="同住人")
    make_resident(w.households["a"][0], housemate)
    mate = make_user(Role.RESIDENT, housemate, username="housemate")
    db.session.commit()
    auth.login("staff")
    assert 'id="call-filer" href="tel:13800001234"' in client.get(f"/repairs/{req.id}").get_data(as_text=True)
    auth.logout()
    auth.login("housemate")
    page = client.get(f"/repairs/{req.id}")
    assert page.status_code == 200 and "13800001234" not in page.get_data(as_text=True)
    assert api(mate).get(f"/api/v1/repairs/{req.id}").get_json()["filer_phone"] is None
    assert api(w.users[Role.OWNER]).get(f"/api/v1/repairs/{req.id}").get_json()["filer_phone"] == "13800001234"
    assert api(w.users[Role.STATION_STAFF]).get(f"/api/v1/repairs/{req.id}").get_json()["filer_phone"] == "13800001234"


def test_dispatch_proposes_the_team_of_the_category_and_transfer_keeps_the_assignee(client, auth, api, db, w):
    """Garbage goes to the cleaning team (preselected), a leak to maintenance; a transfer opens on the current one."""
    cleaner = make_user(Role.STATION_STAFF, w.stations["a"], username="cleaner", display_name="保洁员")
    cleaning = make_team(w.stations["a"], TeamKind.CLEANING, [cleaner], name="保洁队")
    garbage, leak = _file(w, category="garbage", common=True), _file(w, category="leak")
    db.session.commit()
    auth.login("manager")
    html = client.get(f"/repairs/{garbage.id}").get_data(as_text=True)
    assert f'<option value="{cleaning.id}:{cleaner.id}" selected>' in html
    staff = w.users[Role.STATION_STAFF]
    html = client.get(f"/repairs/{leak.id}").get_data(as_text=True)
    assert f'<option value="{w.team.id}:{staff.id}" selected>' in html
    detail = api(w.users[Role.STATION_MANAGER]).get(f"/api/v1/repairs/{garbage.id}").get_json()
    assert (detail["proposed_team_id"], detail["proposed_assignee_id"]) == (cleaning.id, cleaner.id)
    assert client.post(f"/repairs/{garbage.id}/dispatch", data={"d-member": f"{w.team.id}:{staff.id}"}).status_code == 302
    html = client.get(f"/repairs/{garbage.id}").get_data(as_text=True)
    transfer = html[html.index('id="t-member"'):]
    assert f'<option value="{w.team.id}:{staff.id}" selected>' in transfer


def test_overdue_names_the_missed_deadline(client, auth, api, db, w):
    """Not accepted in time: response; dispatched but past completion: completion; an emergency nobody reached:
    on-site — on the list, the page and in the API."""
    now = utcnow()
    late_answer = _file(w, category="power", now=now - timedelta(days=2))
    late_finish = _file(w, category="leak", now=now - timedelta(days=10))
    staff = w.users[Role.STATION_STAFF]
    workflow.dispatch(late_finish, **by(staff), team_id=w.team.id, assignee_id=staff.id, now=now - timedelta(days=10))
    workflow.start(late_finish, **by(staff), now=now - timedelta(days=10))
    db.session.commit()
    assert late_answer.missed_deadline(now) == "response" and late_finish.missed_deadline(now) == "completion"
    late_answer.status = RepairStatus.ACCEPTED
    late_answer.onsite_due_at = now - timedelta(minutes=1)
    assert late_answer.missed_deadline(now) == "onsite"
    db.session.rollback()
    auth.login("staff")
    html = client.get("/repairs/").get_data(as_text=True)
    assert "已超时（响应时限）" in html and "已超时（完成时限）" in html
    assert "已超时（完成时限）" in client.get(f"/repairs/{late_finish.id}").get_data(as_text=True)
    items = {r["id"]: r for r in api(staff).get("/api/v1/repairs").get_json()["items"]}
    assert items[late_answer.id]["overdue_deadline"] == "response"
    assert items[late_finish.id]["overdue_deadline"] == "completion"


def test_printable_work_order(client, auth, db, w):
    """派工单: the station prints a request (print CSS, a print button, blanks to sign); residents may not; another
    station's staff do not see it."""
    req = _file(w)
    db.session.commit()
    auth.login("staff")
    assert 'id="work-order-link"' in client.get(f"/repairs/{req.id}").get_data(as_text=True)
    resp = client.get(f"/repairs/{req.id}/print")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "派工单" in html and f"#{req.id}" in html
    assert "css/repairs.css" in html and 'id="print-order"' in html and "报修人签字" in html and "13800001234" in html
    static = client.get("/static/css/repairs.css")
    css = static.get_data(as_text=True)
    static.close()
    assert "@media print" in css
    auth.logout()
    auth.login("staff_b")
    assert client.get(f"/repairs/{req.id}/print").status_code == 404
    auth.logout()
    auth.login("owner")
    assert client.get(f"/repairs/{req.id}/print").status_code == 403
    assert 'id="work-order-link"' not in client.get(f"/repairs/{req.id}").get_data(as_text=True)


def test_the_phone_words_in_english(client, auth, db, w):
    """In English: the stars' words (一般 as a rating is "Fair", not the urgency "Normal"), the call button,
    which deadline was missed, "please choose"."""
    req = _file(w, now=utcnow() - timedelta(days=2))
    db.session.commit()
    auth.login("owner")
    client.post("/auth/lang/en", data={"next": "/repairs/"})
    assert '<option value="">Please choose</option>' in client.get("/repairs/new").get_data(as_text=True)
    html = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    assert "Call the service station" in html and "Overdue (Response due)" in html
    req = _file(w, category="leak")
    _complete(w, req)
    db.session.commit()
    html = client.get(f"/repairs/{req.id}").get_data(as_text=True)
    assert all(word in html for word in ("Very satisfied", ">Satisfied<", ">Fair<", ">Dissatisfied<",
                                         "Very dissatisfied"))


def test_home_page_please_rate_opens_the_waiting_list(client, auth, db, w):
    """The home page's "please rate" banner links to the list of requests waiting for my rating."""
    req = _file(w)
    _complete(w, req)
    db.session.commit()
    auth.login("owner")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/repairs/?status=to_rate"' in html


def test_filer_phone_falls_back_to_the_registered_person(db, w):
    """A resident's account without a phone: the station gets the phone registered for the person."""
    w.persons["a"]["tenant"].phone = "139 0000 2222"
    db.session.commit()
    req = filing.file_request(w.compounds["a"][0], **by(w.users[Role.RESIDENT]), category="power", urgency="normal",
                              description="家里插座没有电了", household_id=w.households["a"][1].id)
    assert w.users[Role.RESIDENT].phone is None and req.filer_phone == "13900002222"
