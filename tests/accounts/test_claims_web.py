"""The claim flow through the pages (no browser): an official invites, the person claims at /claim and logs in;
no page lets a station manager create, bind, set the password of, or log in as an owner."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from pm.models import ApiToken, ClaimCode, Role, User
from pm.services.sms import outbox
from tests.factories import PASSWORD, make_owner, make_person, make_world

GOOD = "my own secret 2026"


def _new_owner(db, w):
    person = make_person(name="新业主")
    make_owner(w.households["a"][1], person)
    db.session.commit()
    return person


def _login(app, username, password=PASSWORD):
    client = app.test_client()
    resp = client.post("/auth/login", data={"username": username, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return client


def test_letter_invitation_then_claim_then_login(app, db):
    """Manager finds the person by phone, prints a letter (code + inline SVG QR); the person claims on their
    phone without logging in, sets their own password, and logs in with it."""
    w = make_world()
    person = _new_owner(db, w)
    manager = _login(app, "manager")
    found = manager.get("/accounts/invite", query_string={"phone": person.phone})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/accounts/invite/{person.id}")
    page = manager.get(f"/accounts/invite/{person.id}").get_data(as_text=True)
    assert "新业主" in page and "尚无账号" in page
    letter = manager.post(f"/accounts/invite/{person.id}", data={"method": "letter"})
    assert letter.status_code == 200
    html = letter.get_data(as_text=True)
    assert "<svg" in html and "账号认领邀请函" in html and "cdn" not in html.lower()
    code = re.search(r'id="claim-code">([A-Z0-9-]+)<', html).group(1)
    assert db.session.scalar(select(ClaimCode.lookup)) == code[:4]

    phone = app.test_client()
    form = phone.get(f"/claim?code={code}").get_data(as_text=True)
    assert code in form  # the QR code's link fills it in
    done = phone.post("/claim", data={"code": code, "username": "xinyezhu", "password": GOOD, "confirm": GOOD})
    assert done.status_code == 200 and "xinyezhu" in done.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "xinyezhu"))
    assert user.person_id == person.id and user.role == Role.OWNER
    assert phone.post("/auth/login", data={"username": "xinyezhu", "password": GOOD}).status_code == 302
    assert phone.get(f"/registry/households/{w.households['a'][1].id}").status_code == 200
    again = app.test_client().post("/claim", data={"code": code, "username": "second", "password": GOOD,
                                                   "confirm": GOOD})
    assert again.status_code == 400 and "已失效" in again.get_data(as_text=True)
    page = manager.get(f"/accounts/invite/{person.id}").get_data(as_text=True)
    assert "本人已认领账号" in page
    second = manager.post(f"/accounts/invite/{person.id}", data={"method": "letter"})
    assert second.status_code == 400 and "已经认领" in second.get_data(as_text=True)


def test_sms_invitation_and_wrong_codes_are_counted(app, db):
    w = make_world()
    person = _new_owner(db, w)
    manager = _login(app, "manager")
    resp = manager.post(f"/accounts/invite/{person.id}", data={"method": "sms"})
    assert resp.status_code == 302
    message = outbox()[-1]
    assert message["phone"] == person.phone
    code = re.search(r"验证码为 (\d{6})", message["text"]).group(1)
    wrong = "000000" if code != "000000" else "111111"
    phone = app.test_client()
    bad = phone.post("/claim", data={"code": wrong, "phone": person.phone, "password": GOOD, "confirm": GOOD})
    assert bad.status_code == 400 and "还可以再试 4 次" in bad.get_data(as_text=True)
    assert db.session.scalar(select(ClaimCode.attempts)) == 1  # kept although the answer was an error
    ok = phone.post("/claim", data={"code": code, "phone": person.phone, "password": GOOD, "confirm": GOOD})
    assert ok.status_code == 200
    assert db.session.scalar(select(User.username).where(User.person_id == person.id)) == person.phone


def test_station_manager_cannot_take_over_an_owner_account_through_any_page(app, db):
    """No page lets the manager set the owner's password or bind an account to the owner; the owner's
    password still works and the manager's guesses do not."""
    w = make_world()
    owner_user = w.users[Role.OWNER]
    before = owner_user.password_hash
    manager = _login(app, "manager")
    resp = manager.post(f"/accounts/{owner_user.id}/password", data={"password": "managers choice"})
    assert resp.status_code == 403
    staff = w.users[Role.STATION_STAFF]
    rebind = manager.post(f"/accounts/{staff.id}", data={"display_name": "x", "role": "owner", "node": "",
                                                         "is_enabled": "y"})
    assert rebind.status_code == 400
    assert db.session.get(User, staff.id).role == Role.STATION_STAFF
    created = manager.post("/accounts/new", data={"username": "fakeowner", "display_name": "x", "role": "owner",
                                                  "node": "", "password": "managers choice"})
    assert created.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "fakeowner")) == 0
    db.session.expire_all()
    assert db.session.get(User, owner_user.id).password_hash == before
    assert app.test_client().post("/auth/login", data={"username": "owner", "password": "managers choice"}
                                  ).status_code == 400
    edit = manager.get(f"/accounts/{owner_user.id}").get_data(as_text=True)
    assert "本人认领的账号" in edit and f"/accounts/{owner_user.id}/password" not in edit


def test_manager_disables_owner_and_sends_reset_code_the_owner_resets(app, db):
    w = make_world()
    owner_user = w.users[Role.OWNER]
    manager = _login(app, "manager")
    resp = manager.post(f"/accounts/{owner_user.id}/reset-code")
    assert resp.status_code == 302
    message = outbox()[-1]
    assert message["phone"] == w.persons["a"]["owner"].phone
    code = re.search(r"验证码为 (\d{6})", message["text"]).group(1)
    phone = app.test_client()
    assert phone.get("/claim/reset").status_code == 200
    done = phone.post("/claim/reset", data={"phone": message["phone"], "code": code, "password": GOOD,
                                            "confirm": GOOD})
    assert done.status_code == 200
    assert app.test_client().post("/auth/login", data={"username": "owner", "password": GOOD}).status_code == 302
    disable = manager.post(f"/accounts/{owner_user.id}", data={"display_name": "业主", "role": "owner", "node": ""})
    assert disable.status_code == 302
    assert not db.session.get(User, owner_user.id).is_enabled


def test_owners_and_residents_cannot_create_api_tokens_on_the_web(app, db):
    make_world()
    for username in ("owner", "resident"):
        client = _login(app, username)
        assert client.get("/auth/tokens").status_code == 403
        assert client.post("/auth/tokens", data={"name": "mine"}).status_code == 403
        assert "/auth/tokens" not in client.get("/auth/password").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    staff = _login(app, "staff")
    assert staff.get("/auth/tokens").status_code == 200


def test_claim_pages_in_english(app, db):
    client = app.test_client()
    client.post("/auth/lang/en", data={"next": "/claim"})
    html = client.get("/claim").get_data(as_text=True)
    assert "Claim account" in html and "Set password" in html and "认领" not in html
    assert "Reset password" in client.get("/claim/reset").get_data(as_text=True)
    bad = client.post("/claim", data={"code": "ABCD-EFGH-JKMN", "password": GOOD, "confirm": GOOD})
    assert bad.status_code == 400 and "The code is wrong or no longer valid" in bad.get_data(as_text=True)


def test_person_bound_account_cannot_read_an_owned_home_outside_the_inviting_scope(app, db, api):
    """The person owns a home on the other street too; the account claimed at station a cannot open it
    (page or API) until an official there invites them."""
    w = make_world()
    person = _new_owner(db, w)
    make_owner(w.households["b"][0], person)
    db.session.commit()
    manager = _login(app, "manager")
    html = manager.post(f"/accounts/invite/{person.id}", data={"method": "letter"}).get_data(as_text=True)
    code = re.search(r'id="claim-code">([A-Z0-9-]+)<', html).group(1)
    assert app.test_client().post("/claim", data={"code": code, "username": "twohomes", "password": GOOD,
                                                  "confirm": GOOD}).status_code == 200
    phone = _login(app, "twohomes", GOOD)
    foreign = w.households["b"][0].id
    assert phone.get(f"/registry/households/{foreign}").status_code == 404
    assert phone.get(f"/registry/households/{w.households['a'][1].id}").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "twohomes"))
    client = api(user)
    assert client.get(f"/api/v1/households/{foreign}").status_code == 404
    assert {h["id"] for h in client.get("/api/v1/households").get_json()["items"]} == {w.households["a"][1].id}
