"""The owner's election ballot: choose → confirm → receipt (the vote engine's receipts), nothing recorded before
the confirmation; the committee and community see who has not voted (canvass), page, xlsx and API."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pm.extensions import db as _db
from pm.models import Ballot, Role
from pm.services import votes
from tests.factories.governance import election_world
from tests.governance.test_elections import owner_of, voting_election

pytestmark = pytest.mark.postgres


def test_confirm_then_receipt_on_the_phone(client, auth, db):
    w = election_world()
    e = voting_election(w)
    _db.session.commit()
    auth.login("owner")
    hh = w.owned[0].id
    chosen = [e.candidates[0].id, e.candidates[2].id]
    r = client.post(f"/elections/{e.id}/ballot", data={"household_id": hh, "candidate_ids": chosen})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and e.candidates[2].person.name in page and "确认投票" in page
    assert _db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    r = client.post(f"/elections/{e.id}/ballot/confirm", data={"household_id": hh, "candidate_ids": chosen})
    assert r.status_code == 302
    ballot = _db.session.scalar(select(Ballot))
    receipt = client.get(r.headers["Location"]).get_data(as_text=True)
    assert votes.receipt_number(ballot) in receipt and e.candidates[2].person.name in receipt
    again = client.post(f"/elections/{e.id}/ballot/confirm", data={"household_id": hh, "candidate_ids": chosen})
    assert again.status_code == 302 and _db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert votes.receipt_number(ballot) in client.get(f"/elections/{e.id}/ballot").get_data(as_text=True)
    auth.logout()
    auth.login("resident")  # a tenant does not see how the owner voted
    assert client.get(f"/elections/{e.id}/receipts/{ballot.id}").status_code in (403, 404)


def test_canvass_and_receipt_api(client, auth, api, db):
    w = election_world()
    e = voting_election(w)
    _db.session.commit()
    o = api(w.users[Role.OWNER])
    r = o.post(f"/api/v1/elections/{e.id}/ballots", json={"household_id": w.owned[0].id,
                                                          "candidate_ids": [e.candidates[1].id]})
    assert r.status_code == 201
    body = r.get_json()
    got = o.get(f"/api/v1/elections/{e.id}/receipts/{body['id']}").get_json()
    assert got["receipt_no"] == body["receipt_no"] and got["candidate_ids"] == [e.candidates[1].id]
    committee = api(w.users[Role.COMMITTEE_MEMBER])
    unvoted = committee.get(f"/api/v1/elections/{e.id}/unvoted").get_json()
    ids = {i["household_id"] for i in unvoted["items"]}
    assert w.owned[0].id not in ids and {h.id for h in w.owned[1:]} <= ids
    assert any(owner_of(w.owned[1]).name == p["name"] for i in unvoted["items"] for p in i["owners"])
    assert api(w.users[Role.OWNER]).get(f"/api/v1/elections/{e.id}/unvoted").status_code == 403
    auth.login("committee")
    page = client.get(f"/elections/{e.id}/unvoted")
    assert page.status_code == 200 and w.owned[1].label in page.get_data(as_text=True)
    xlsx = client.get(f"/elections/{e.id}/unvoted?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
