"""After an owners' committee election the elected members choose their chair (主任委员) and vice-chairs: a changed
position ends the term the day before and starts a new one on the seat (history kept); only the street office
(or county) or the committee itself; a chair who is not an elected member is a clear error, nothing changed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db as _db
from pm.models import Membership, Position, Role
from pm.services.governance import elections, officers
from pm.timeutil import local_today, utcnow
from tests.governance.test_elections import owner_of, paper, street, voting_election
from tests.factories.governance import election_world

pytestmark = pytest.mark.postgres


def counted(w):
    e = voting_election(w)
    for hh in w.owned:
        paper(w, e, hh, e.candidates[:3])
    elections.close(e, **street(w), now=utcnow())  # every dwelling voted: counted today
    return e


def _rows():
    return _db.session.scalar(select(func.count()).select_from(Membership))


def test_chair_and_vice_chair_change_positions_with_history(db):
    w = election_world()
    e = counted(w)
    elected = [c.person_id for c in e.candidates if c.is_elected]
    assert len(elected) == 3
    today = local_today()
    officers.choose_officers(e, chair_person_id=elected[0], vice_chair_person_ids=[elected[1]], **street(w))
    by_person = {m.person_id: m for m in officers.elected_members(e, today)}
    assert by_person[elected[0]].position == Position.CHAIR
    assert by_person[elected[1]].position == Position.VICE_CHAIR
    assert by_person[elected[2]].position == Position.MEMBER
    assert _rows() == 3  # the terms started today: positions set in place
    # a month later the committee itself changes its chair: new term rows, the old ones end the day before
    committee = w.users[Role.COMMITTEE_MEMBER]
    later = today + timedelta(days=30)
    officers.choose_officers(e, chair_person_id=elected[1], vice_chair_person_ids=[], effective_on=later,
                             actor=committee, scope=scope_for(committee))
    assert _rows() == 5
    old_chair = _db.session.scalars(select(Membership).where(Membership.person_id == elected[0])
                                    .order_by(Membership.started_on)).all()
    assert [(m.position, m.ends_on) for m in old_chair][0] == (Position.CHAIR, later - timedelta(days=1))
    assert (old_chair[1].position, old_chair[1].started_on, old_chair[1].ends_on) == \
        (Position.MEMBER, later, e.term_ends_on)
    assert old_chair[1].seat == old_chair[0].seat
    current = {m.person_id: m.position for m in officers.elected_members(e, later)}
    assert current == {elected[0]: Position.MEMBER, elected[1]: Position.CHAIR, elected[2]: Position.MEMBER}


def test_bad_choices_are_refused_and_nothing_changes(db):
    w = election_world()
    e = counted(w)
    elected = [c.person_id for c in e.candidates if c.is_elected]
    loser = next(c.person_id for c in e.candidates if not c.is_elected)
    cases = [dict(chair_person_id=loser, vice_chair_person_ids=[]),
             dict(chair_person_id=elected[0], vice_chair_person_ids=[loser]),
             dict(chair_person_id=elected[0], vice_chair_person_ids=[elected[0]]),
             dict(chair_person_id=elected[0], vice_chair_person_ids=[elected[1], elected[2], loser]),
             dict(chair_person_id=elected[0], vice_chair_person_ids=[], effective_on=e.term_starts_on - timedelta(1))]
    for case in cases:
        with pytest.raises(DomainError):
            officers.choose_officers(e, **case, **street(w))
    assert {m.position for m in officers.elected_members(e, local_today())} == {Position.MEMBER}
    community = w.users[Role.COMMUNITY_WORKER]  # neither the filing body nor the committee
    with pytest.raises(Forbidden):
        officers.choose_officers(e, chair_person_id=elected[0], vice_chair_person_ids=[], actor=community,
                                 scope=scope_for(community))


def test_not_before_the_count(db):
    w = election_world()
    e = voting_election(w)
    with pytest.raises(Conflict):
        officers.choose_officers(e, chair_person_id=owner_of(w.owned[0]).id, vice_chair_person_ids=[], **street(w))


def test_officers_page_and_api(client, auth, api, db):
    w = election_world()
    e = counted(w)
    elected = [c.person_id for c in e.candidates if c.is_elected]
    loser = next(c.person_id for c in e.candidates if not c.is_elected)
    _db.session.commit()
    auth.login("committee")
    page = client.get(f"/elections/{e.id}").get_data(as_text=True)
    assert "主任委员" in page and 'id="officers"' in page
    r = client.post(f"/elections/{e.id}/officers", data={"chair": str(loser)})
    assert r.status_code == 400 and "当选" in r.get_data(as_text=True)
    r = client.post(f"/elections/{e.id}/officers", data={"chair": str(elected[0]), "vice_chairs": [str(elected[1])]})
    assert r.status_code == 302
    s = api(w.users[Role.STREET_OFFICER])
    bad = s.post(f"/api/v1/elections/{e.id}/officers", json={"chair_person_id": loser})
    assert bad.status_code == 422 and "chair_person_id" in str(bad.get_json())
    ok = s.post(f"/api/v1/elections/{e.id}/officers", json={"chair_person_id": elected[2],
                                                            "vice_chair_person_ids": [elected[0]]})
    assert ok.status_code == 200
    positions = {m["person_id"]: m["position"] for m in ok.get_json()["members"]}
    assert positions == {elected[2]: "chair", elected[0]: "vice_chair", elected[1]: "member"}
    owner = api(w.users[Role.OWNER])
    assert owner.post(f"/api/v1/elections/{e.id}/officers", json={"chair_person_id": elected[0]}).status_code == 403
