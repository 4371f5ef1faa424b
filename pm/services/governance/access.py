"""Governance access: bodies and their members are visible with the compounds (and communities) in scope; elections
and their candidates by compound; an election's choices follow the ballot they belong to."""
from __future__ import annotations

from sqlalchemy import or_, select

from pm.access import OFFICIALS_ABOVE_STATION, Scope, register_capabilities, register_rules, rule_of
from pm.models import (
    Ballot,
    Body,
    Candidate,
    Community,
    Compound,
    Election,
    ElectionChoice,
    GovernancePolicy,
    Membership,
    PrepMember,
    PropertyFirm,
    Role,
    StreetOffice,
    station_compounds,
)


def _communities(s: Scope):
    return select(Compound.community_id).where(Compound.id.in_(s.compound_ids))


def _body_rule(s: Scope):
    return or_(
        Body.compound_id.in_(s.compound_ids),
        Body.station_id.in_(select(station_compounds.c.station_id)
                            .where(station_compounds.c.compound_id.in_(s.compound_ids))),
        (Body.compound_id.is_(None) & Body.station_id.is_(None) & Body.community_id.in_(_communities(s))),
    )


def _counties(s: Scope):
    return (select(StreetOffice.county_id).join(Community, Community.street_id == StreetOffice.id)
            .where(Community.id.in_(_communities(s))))


def _elections(s: Scope):
    return select(Election.id).where(Election.compound_id.in_(s.compound_ids))


register_rules({
    Body: _body_rule,
    Membership: lambda s: Membership.body_id.in_(select(Body.id).where(_body_rule(s))),
    PropertyFirm: lambda s: PropertyFirm.county_id.in_(_counties(s)),
    GovernancePolicy: lambda s: GovernancePolicy.county_id.in_(_counties(s)),
    Election: lambda s: Election.compound_id.in_(s.compound_ids),
    Candidate: lambda s: Candidate.election_id.in_(_elections(s)),
    PrepMember: lambda s: PrepMember.election_id.in_(_elections(s)),
    ElectionChoice: lambda s: ElectionChoice.ballot_id.in_(select(Ballot.id).where(rule_of(Ballot)(s))),
})

ELECTION_OFFICE = frozenset({Role.COUNTY_ADMIN, Role.STREET_OFFICER})

register_capabilities({
    # who is on which body: every login sees the bodies of its compounds
    "governance.view": frozenset(Role),
    # bodies, members and their terms, committee logins, firms: the community and above
    "governance.manage": OFFICIALS_ABOVE_STATION,
    # the long-term mechanism's coverage
    "governance.coverage": OFFICIALS_ABOVE_STATION,
    # owners' committee elections are organised by the street office (the county may act for it)
    "governance.elections": ELECTION_OFFICE,
    # the chair and vice-chairs after an election: the filing body (street office, county) or the committee itself
    "governance.officers": ELECTION_OFFICE | {Role.COMMITTEE_MEMBER},
    # paper ballots are entered for the preparatory group by the street office or the community
    "governance.paper": OFFICIALS_ABOVE_STATION,
    # the county's governance policy
    "governance.policy": frozenset({Role.COUNTY_ADMIN}),
})
