"""Owners' committee elections: committee size by county policy, preparatory group, nominations, publicity,
one ballot per dwelling up to the seat count, quorum and majority by area and heads, seats by votes with the
stated tie rule, members with their term, the compound's committee date kept true, filing, reminders."""
from __future__ import annotations

from datetime import date, datetime, timedelta, UTC
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db as _db
from pm.models import (
    Ballot,
    Body,
    Election,
    ElectionChoice,
    ElectionStatus,
    GovernancePolicy,
    Membership,
    Notification,
    Ownership,
    Person,
    Role,
    TermReminder,
)
from pm.services.governance import election_count, elections, reminders
from pm.models.votes import VoteChoice
from pm.services.votes import as_rule
from pm.services.votes.tally import Tally
from pm.timeutil import local_today, utcnow
from tests.factories.governance import election_world, group

pytestmark = pytest.mark.postgres


def street(w):
    u = w.users[Role.STREET_OFFICER]
    return {"actor": u, "scope": scope_for(u)}


def owner_of(hh):
    return _db.session.scalar(select(Person).join(Ownership, Ownership.person_id == Person.id)
                              .where(Ownership.household_id == hh.id))


def voting_election(w, *, seats=3, candidates=4):
    """An election of compound a-one in voting, with `candidates` owners nominated."""
    e = elections.start_election(w.compound, kind="first", seats=seats, group=group(), **street(w))
    for hh in w.owned[:candidates]:
        elections.nominate(e, person=owner_of(hh), household=hh, **street(w))
    today = local_today()
    elections.publicise(e, starts_on=today - timedelta(days=10), **street(w))
    elections.open_voting(e, opens_on=today, closes_on=today + timedelta(days=7), **street(w))
    return e


def paper(w, e, hh, ids):
    user = w.users[Role.COMMUNITY_WORKER]
    return elections.cast(e, hh, [c.id for c in ids], actor=user, scope=scope_for(user), paper=True,
                          person=owner_of(hh))


@pytest.mark.parametrize("seats, ok", [(4, False), (13, False), (1, False), (3, True), (5, True), (11, True)])
def test_committee_size_odd_and_in_range(db, seats, ok):
    """An even size or one outside the county's range is refused; 3 only below the county's household count."""
    w = election_world()
    if ok:
        assert elections.start_election(w.compound, kind="first", seats=seats, group=group(), **street(w)).id
    else:
        with pytest.raises(DomainError) as err:
            elections.start_election(w.compound, kind="first", seats=seats, group=group(), **street(w))
        assert "seats" in err.value.fields
        assert _db.session.scalar(select(func.count()).select_from(Election)) == 0


def test_three_seats_need_a_small_compound(db):
    """Where the county allows 3 only below 5 dwellings, a compound with 6 cannot have 3 seats."""
    w = election_world()
    _db.session.add(GovernancePolicy(county_id=w.county.id, small_compound_households=5))
    _db.session.flush()
    with pytest.raises(DomainError):
        elections.start_election(w.compound, kind="first", seats=3, group=group(), **street(w))


def test_group_needs_an_owner_representative(db):
    """A preparatory group without an owners' representative is refused."""
    w = election_world()
    with pytest.raises(DomainError) as err:
        elections.start_election(w.compound, kind="first", seats=3, group=[{"name": "街道李", "side": "street"}],
                                 **street(w))
    assert "group" in err.value.fields


def test_only_the_street_office_starts_an_election(db):
    """A community worker or committee member cannot form the preparatory group."""
    w = election_world()
    for role in (Role.COMMUNITY_WORKER, Role.COMMITTEE_MEMBER):
        user = w.users[role]
        with pytest.raises(Forbidden):
            elections.start_election(w.compound, kind="first", seats=3, group=group(), actor=user,
                                     scope=scope_for(user))


def test_voting_waits_for_the_publicity(db):
    """Voting cannot open before the candidates' publicity (the county's days) has ended."""
    w = election_world()
    e = elections.start_election(w.compound, kind="first", seats=3, group=group(), **street(w))
    elections.nominate(e, person=owner_of(w.owned[0]), household=w.owned[0], **street(w))
    today = local_today()
    elections.publicise(e, starts_on=today, **street(w))
    assert e.publicity_ends_on == today + timedelta(days=6)
    with pytest.raises(Conflict):
        elections.open_voting(e, opens_on=today, closes_on=today + timedelta(days=3), **street(w))


def test_ballot_rules(db):
    """A second ballot, more candidates than seats, a non-candidate, or a non-owner's ballot are refused."""
    w = election_world()
    e = voting_election(w)
    c = e.candidates
    with pytest.raises(DomainError) as err:
        paper(w, e, w.owned[1], c[:4])
    assert "candidate_ids" in err.value.fields
    paper(w, e, w.owned[1], c[:2])
    with pytest.raises(Conflict):
        paper(w, e, w.owned[1], c[:1])
    tenant = w.users[Role.RESIDENT]
    with pytest.raises(Forbidden):
        elections.cast(e, w.households["a"][1], [c[0].id], actor=tenant, scope=scope_for(tenant))
    assert _db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    assert _db.session.scalar(select(func.count()).select_from(ElectionChoice)) == 2


def test_count_elects_members_and_sets_committee_date(db):
    """Candidates with more than half the participating area and heads are elected by votes; members get a
    term of the election's years; the compound's committee date is the term's start; filing is recorded."""
    w = election_world()
    e = voting_election(w)
    c = e.candidates
    for hh in w.owned:  # all five dwellings vote: c0, c1 by all; c2 by three; c3 by two
        chosen = [c[0], c[1]] + ([c[2]] if hh in w.owned[:3] else [c[3]])
        paper(w, e, hh, chosen)
    later = utcnow() + timedelta(days=8)
    elections.close(e, now=later, **street(w))
    assert e.status == ElectionStatus.COUNTED and e.elected_count == 3
    assert [x.is_elected for x in sorted(c, key=lambda x: x.rank)] == [True, True, True, False]
    assert c[2].votes_heads == 3 and c[2].votes_area == Decimal("240.00") + w.owned[0].area_m2 - 80
    start = local_today(later)
    assert w.compound.owners_committee_formed_on == start
    members = _db.session.scalars(select(Membership).where(Membership.election_id == e.id)).all()
    assert len(members) == 3 and all(m.ends_on == date(start.year + 5, start.month, start.day) - timedelta(days=1)
                                     for m in members)
    with pytest.raises(Conflict):  # counted once
        elections.close(e, now=later, **street(w))
    elections.file(e, filed_on=start, **street(w))
    assert e.status == ElectionStatus.FILED


def test_no_quorum_fails(db):
    """Below two thirds of area and heads nobody is elected and the committee date is untouched."""
    w = election_world()
    formed = w.compound.owners_committee_formed_on
    e = voting_election(w)
    paper(w, e, w.owned[0], e.candidates[:3])
    elections.close(e, now=utcnow() + timedelta(days=8), **street(w))
    assert e.status == ElectionStatus.FAILED and e.elected_count == 0
    assert w.compound.owners_committee_formed_on == formed


def _results(heads_area):
    class C:
        def __init__(self, i):
            self.id = i

    class E:
        seats = 3
        candidates = [C(i) for i in range(len(heads_area))]

    tally = Tally(rule=as_rule("elect_committee"), total_area=Decimal(100), total_heads=10)
    tally.area[VoteChoice.YES] = Decimal(100)
    tally.heads[VoteChoice.YES] = 10
    votes = {i: (Decimal(a), h) for i, (h, a) in enumerate(heads_area)}
    return E, election_count.elect(E, votes, tally)


def test_tie_at_the_last_seat_elects_neither():
    """Two candidates tied on heads and area for the last seat: neither is elected, the seat stays vacant."""
    E, results = _results([(9, 90), (8, 80), (7, 70), (7, 70)])
    assert sorted(r.candidate.id for r in results if r.elected) == [0, 1]
    assert election_count.formed(E, results)


def test_seats_filled_by_votes_received():
    """More passing candidates than seats: the seats go to the most heads, then the most area."""
    _E, results = _results([(6, 60), (9, 55), (9, 90), (7, 70)])
    assert sorted(r.candidate.id for r in results if r.elected) == [1, 2, 3]


def test_reelection_ends_previous_terms_and_keeps_formation_date(db):
    """A re-election ends the sitting members' terms the day before and keeps the first formation date."""
    w = election_world()
    first = voting_election(w)
    for hh in w.owned:
        paper(w, first, hh, first.candidates[:3])
    elections.close(first, now=utcnow() + timedelta(days=8), **street(w))
    formed = w.compound.owners_committee_formed_on
    second = elections.start_election(w.compound, kind="re", seats=3, group=group(), **street(w))
    for hh in w.owned[1:4]:
        elections.nominate(second, person=owner_of(hh), household=hh, **street(w))
    today = local_today()
    elections.publicise(second, starts_on=today - timedelta(days=10), **street(w))
    elections.open_voting(second, opens_on=today, closes_on=today + timedelta(days=7), **street(w))
    for hh in w.owned:
        paper(w, second, hh, second.candidates[:3])
    elections.close(second, now=utcnow() + timedelta(days=400), **street(w))
    assert w.compound.owners_committee_formed_on == formed
    old = _db.session.scalars(select(Membership).where(Membership.election_id == first.id)).all()
    assert all(m.ends_on == second.term_starts_on - timedelta(days=1) for m in old)


def test_term_reminders_once_per_threshold(db):
    """Six and three months before a term ends the street office is told once each; reruns send nothing."""
    w = election_world()
    e = voting_election(w)
    for hh in w.owned:
        paper(w, e, hh, e.candidates[:3])
    elections.close(e, now=utcnow() + timedelta(days=8), **street(w))
    body = _db.session.scalar(select(Body).where(Body.compound_id == w.compound.id))
    end = body.term_ends_on
    six = datetime.combine(reminders.months_before(end, 6), datetime.min.time(), tzinfo=UTC) + timedelta(hours=4)
    assert reminders.send_term_reminders(six - timedelta(days=2))["reminders"] == 0
    first = reminders.send_term_reminders(six)
    assert first["reminders"] == 1 and first["notifications"] >= 1
    assert reminders.send_term_reminders(six + timedelta(days=1))["reminders"] == 0
    three = datetime.combine(reminders.months_before(end, 3), datetime.min.time(), tzinfo=UTC) + timedelta(hours=4)
    assert reminders.send_term_reminders(three)["reminders"] == 1
    assert _db.session.scalar(select(func.count()).select_from(TermReminder)) == 2
    street_user = w.users[Role.STREET_OFFICER]
    notes = _db.session.scalars(select(Notification).where(Notification.user_id == street_user.id,
                                                           Notification.kind == "governance.term_ending")).all()
    assert len(notes) == 2 and notes[0].link.startswith("/elections/new?compound_id=")
