"""Demo governance (四位一体): the demo community's party organisation and residents' committee with members, the
station's body, a finished first election of the demo compound's owners' committee (whose result is the compound's
committee date, its chair's term tied to the committee login), and an election in publicity in another compound."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from pm.access import SYSTEM
from pm.demo.names import ago
from pm.extensions import db
from pm.models import (
    BodyType,
    Compound,
    Household,
    HouseholdStatus,
    Membership,
    Ownership,
    Person,
    Position,
    Role,
)
from pm.services.governance import bodies, elections
from pm.services.governance.policy import allowed_sizes, county_of, policy_for
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

PARTY = (("赵建国", Position.SECRETARY, True), ("钱丽华", Position.DEPUTY_SECRETARY, True), ("孙志强", Position.MEMBER, True))
RESIDENTS = (("李秀英", Position.DIRECTOR, True), ("周明", Position.DEPUTY_DIRECTOR, False),
             ("吴芳", Position.MEMBER, False), ("郑海涛", Position.GRID_WORKER, True))
GROUP = [{"name": "王业主代表", "side": "owner"}, {"name": "刘业主代表", "side": "owner"},
         {"name": "街道物业办", "side": "street"}, {"name": "社区居委会", "side": "community"}]


def _owners(compound_id: int, limit: int | None = None) -> list[tuple[Household, Person]]:
    stmt = (select(Household, Person).join(Ownership, (Ownership.household_id == Household.id)
                                           & Ownership.ended_on.is_(None))
            .join(Person, Person.id == Ownership.person_id)
            .where(Household.compound_id == compound_id, Household.status == HouseholdStatus.ACTIVE,
                   Person.is_organisation.is_(False)).order_by(Household.id))
    return [tuple(r) for r in db.session.execute(stmt.limit(limit) if limit else stmt)]


def _seats(compound: Compound) -> int:
    count = db.session.query(Household).filter(Household.compound_id == compound.id).count()
    return allowed_sizes(policy_for(county_of(compound)), count)[0]


def populate(station, compound, users, now) -> dict[str, int]:
    """The four bodies around the demo logins and two elections (finished; in publicity)."""
    today = local_today(now)
    community = compound.community
    since = today - timedelta(days=800)
    party = bodies.ensure_body(BodyType.PARTY, community=community, actor=None, scope=SYSTEM)
    residents = bodies.ensure_body(BodyType.RESIDENTS, community=community, actor=None, scope=SYSTEM)
    for body, people in ((party, PARTY), (residents, RESIDENTS)):
        for name, position, is_party in people:
            bodies.add_member(body, name=name, position=position, is_party_member=is_party, started_on=since,
                              ends_on=since + timedelta(days=5 * 365), actor=None, scope=SYSTEM)
    station_body = bodies.ensure_body(BodyType.STATION, station=station, actor=None, scope=SYSTEM)
    manager = users[Role.STATION_MANAGER]
    bodies.add_member(station_body, name=manager.display_name, position=Position.STATION_HEAD, phone=manager.phone,
                      started_on=since, actor=None, scope=SYSTEM)
    finished = _finished_election(compound, users, now)
    publicity = _election_in_publicity(compound, users, now)
    return {"governance_members": db.session.query(Membership).count(), "elections": 1 + (publicity is not None),
            "finished_election": finished.id}


def _finished_election(compound: Compound, users, now):
    """First formation a year ago: candidates publicised, three quarters of the dwellings voting on paper,
    counted, filed; the committee login belongs to the first elected member's term."""
    officer, clerk = users[Role.STREET_OFFICER], users[Role.COMMUNITY_WORKER]
    t0 = ago(now, 400)
    day0 = local_today(t0)
    seats = _seats(compound)
    owners = _owners(compound.id)
    election = elections.start_election(compound, kind="first", seats=seats, group=GROUP, actor=officer, scope=SYSTEM)
    for household, person in owners[: seats + 1]:
        elections.nominate(election, person=person, household=household, actor=officer, scope=SYSTEM,
                           nominated_by="业主联名推荐", statement="热心小区事务，愿意为业主服务。")
    elections.publicise(election, starts_on=day0, actor=officer, scope=SYSTEM)
    opens = election.publicity_ends_on + timedelta(days=1)
    elections.open_voting(election, opens_on=opens, closes_on=opens + timedelta(days=9), actor=officer, scope=SYSTEM,
                          now=ago(now, 390))
    candidates = election.candidates
    voters = {}
    for household, person in owners:
        voters.setdefault(household.id, (household, person))
    voting = list(voters.values())[: max(1, (len(voters) * 4 + 4) // 5)]  # four in five dwellings vote
    for i, (household, person) in enumerate(voting):
        chosen = [c.id for c in candidates[:seats]] if i % 5 else [c.id for c in candidates[1: seats + 1]]
        elections.cast(election, household, chosen, actor=clerk, scope=SYSTEM, paper=True, person=person,
                       now=ago(now, 385))
    elections.close(election, actor=officer, scope=SYSTEM, now=ago(now, 379))
    if election.term_starts_on is not None:
        elections.file(election, filed_on=election.term_starts_on + timedelta(days=20), actor=officer, scope=SYSTEM)
        first = db.session.scalar(select(Membership).where(Membership.election_id == election.id)
                                  .order_by(Membership.seat))
        committee = users.get(Role.COMMITTEE_MEMBER)
        if first is not None and committee is not None and committee.compound_id == compound.id:
            bodies.link_login(first, committee, actor=None, scope=SYSTEM)
    return election


def _election_in_publicity(compound: Compound, users, now):
    """Another compound of the street without a committee: candidates in publicity since two days ago."""
    other = db.session.scalar(select(Compound).where(
        Compound.community_id == compound.community_id, Compound.id != compound.id,
        Compound.owners_committee_formed_on.is_(None)).order_by(Compound.id).limit(1))
    if other is None:
        return None
    owners = _owners(other.id, limit=40)
    seats = _seats(other)
    if len(owners) < seats:
        return None
    officer = users[Role.STREET_OFFICER]
    election = elections.start_election(other, kind="first", seats=seats, group=GROUP, actor=officer, scope=SYSTEM)
    seen = set()
    for household, person in owners:
        if person.id in seen or len(seen) > seats:
            continue
        seen.add(person.id)
        elections.nominate(election, person=person, household=household, actor=officer, scope=SYSTEM,
                           nominated_by="自荐")
    elections.publicise(election, starts_on=local_today(now) - timedelta(days=2), actor=officer, scope=SYSTEM)
    return election
