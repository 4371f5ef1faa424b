"""Election pages and API: the street office forms the group and moves the election on; the owner votes on the
phone page; bad input is a clear error with nothing changed; each role sees what it may."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import Ballot, Election, ElectionChoice, ElectionStatus, Role
from pm.services.governance import elections
from pm.timeutil import local_today
from tests.factories.governance import election_world, group
from tests.governance.test_elections import owner_of, street, voting_election

pytestmark = pytest.mark.postgres


def test_street_office_starts_an_election_on_the_page(client, auth, db):
    """An even committee size is re-shown with its error; a valid form forms the group."""
    w = election_world()
    _db.session.commit()
    auth.login("street")
    url = f"/elections/new?compound_id={w.compound.id}"
    r = client.post(url, data={"kind": "first", "seats": "4", "term_years": "5", "group": "王代表,owner"})
    assert r.status_code == 400 and "单数" in r.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(Election)) == 0
    r = client.post(url, data={"kind": "first", "seats": "3", "term_years": "5", "group": "王代表,owner,13900000000"})
    assert r.status_code == 302
    e = _db.session.scalar(select(Election))
    assert e.status == ElectionStatus.PREPARING and e.group[0].name == "王代表"
    page = client.get(f"/elections/{e.id}").get_data(as_text=True)
    assert "筹备组" in page and "补选" in page  # the tie and vacancy rule is stated


def test_owner_votes_on_the_phone_page(client, auth, db):
    """The owner chooses candidates on the ballot page; more than the seats is refused; a second ballot too."""
    w = election_world()
    e = voting_election(w)
    _db.session.commit()
    auth.login("owner")
    url = f"/elections/{e.id}/ballot"
    page = client.get(url).get_data(as_text=True)
    assert e.candidates[0].person.name in page
    hh = w.owned[0].id
    r = client.post(url, data={"household_id": hh, "candidate_ids": [c.id for c in e.candidates]})
    assert r.status_code == 400 and "不能超过应选名额" in r.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    r = client.post(url, data={"household_id": hh, "candidate_ids": [e.candidates[0].id]})
    assert r.status_code == 200 and 'id="confirm"' in r.get_data(as_text=True)  # confirm first: nothing yet
    assert _db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    r = client.post(f"{url}/confirm", data={"household_id": hh, "candidate_ids": [e.candidates[0].id]})
    assert r.status_code == 302 and "/receipts/" in r.headers["Location"]
    assert _db.session.scalar(select(func.count()).select_from(ElectionChoice)) == 1
    assert "已投票" in client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login("resident")
    assert client.get(url).status_code == 403


def test_roles_see_the_election(client, auth, db):
    """Officials over the compound, its committee and its owners see the election; another street does not."""
    w = election_world()
    e = voting_election(w)
    _db.session.commit()
    for username in ("county", "street", "community", "committee", "owner"):
        auth.login(username)
        assert client.get(f"/elections/{e.id}").status_code == 200, username
        auth.logout()
    auth.login("community")
    assert client.post(f"/elections/{e.id}/close").status_code == 403
    assert client.get(f"/elections/{e.id}/paper").status_code == 200


def test_api_full_flow(api, db):
    """Start, nominate, publicise, open, paper and online ballots, count and file through the API."""
    w = election_world()
    _db.session.commit()
    s = api(w.users[Role.STREET_OFFICER])
    r = s.post("/api/v1/elections", json={"compound_id": w.compound.id, "seats": 6,
                                          "group": [{"name": "王代表", "side": "owner"}]})
    assert r.status_code == 422 and "seats" in r.get_json()["errors"]["json"]
    r = s.post("/api/v1/elections", json={"compound_id": w.compound.id, "seats": 3,
                                          "group": [{"name": "王代表", "side": "owner"}]})
    assert r.status_code == 201, r.get_json()
    eid = r.get_json()["id"]
    for hh in w.owned[:4]:
        r = s.post(f"/api/v1/elections/{eid}/candidates", json={"person_id": owner_of(hh).id, "household_id": hh.id})
        assert r.status_code == 201, r.get_json()
    today = local_today()
    assert s.post(f"/api/v1/elections/{eid}/publicity",
                  json={"starts_on": str(today - timedelta(days=10))}).status_code == 200
    assert s.post(f"/api/v1/elections/{eid}/voting", json={"opens_on": str(today),
                                                           "closes_on": str(today + timedelta(days=7))}).status_code == 200
    cands = [c["id"] for c in s.get(f"/api/v1/elections/{eid}").get_json()["candidates"]]
    for hh in w.owned[1:]:
        r = s.post(f"/api/v1/elections/{eid}/ballots", json={"household_id": hh.id, "candidate_ids": cands[:3],
                                                             "paper": True, "person_id": owner_of(hh).id})
        assert r.status_code == 201, r.get_json()
    again = s.post(f"/api/v1/elections/{eid}/ballots", json={"household_id": w.owned[1].id,
                                                             "candidate_ids": cands[:1], "paper": True,
                                                             "person_id": owner_of(w.owned[1]).id})
    assert again.status_code == 409
    o = api(w.users[Role.OWNER])
    too_many = o.post(f"/api/v1/elections/{eid}/ballots", json={"household_id": w.owned[0].id, "candidate_ids": cands})
    assert too_many.status_code == 422 and "candidate_ids" in too_many.get_json()["errors"]["json"]
    r = o.post(f"/api/v1/elections/{eid}/ballots", json={"household_id": w.owned[0].id, "candidate_ids": cands[:3]})
    assert r.status_code == 201 and r.get_json()["is_paper"] is False
    body = s.post(f"/api/v1/elections/{eid}/close", json={}).get_json()  # everyone has voted: count now
    assert body["status"] == "counted" and body["elected_count"] == 3
    assert s.post(f"/api/v1/elections/{eid}/close", json={}).status_code == 409
    assert s.post(f"/api/v1/elections/{eid}/filing", json={"filed_on": str(today)}).get_json()["status"] == "filed"
    other = api(w.users[Role.COMMUNITY_WORKER])
    assert other.post(f"/api/v1/elections/{eid}/cancel", json={}).status_code == 403


def test_second_ballot_from_a_stale_confirmation_is_refused_with_its_reason(client, auth, db):
    """Confirming again for a dwelling that has voted (a second tab, the back button) says that it has voted, not
    "invalid, try again", and records nothing more."""
    w = election_world()
    e = voting_election(w)
    _db.session.commit()
    auth.login("owner")
    url = f"/elections/{e.id}/ballot/confirm"
    data = {"household_id": w.owned[0].id, "candidate_ids": [e.candidates[0].id]}
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "该户已经投过票，每户只能投一票" in again and "提交无效" not in again
    assert _db.session.scalar(select(func.count()).select_from(Ballot)) == 1
