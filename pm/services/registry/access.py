"""Scope rules and capabilities of the registry (台账): the tree, households and the people in them."""
from __future__ import annotations

from sqlalchemy import or_, select

from pm.access import (
    OFFICIALS_ABOVE_STATION,
    Scope,
    register_capabilities,
    register_rules,
)
from pm.models import (
    Building,
    Community,
    Compound,
    County,
    Household,
    Ownership,
    Person,
    Residency,
    Role,
    Station,
    StreetOffice,
    Unit,
    station_compounds,
)


def _household_rule(s: Scope):
    if s.household_ids is not None:
        return Household.id.in_(s.household_ids)
    return Household.compound_id.in_(s.compound_ids)


def _building_rule(s: Scope):
    if s.household_ids is not None:
        return Building.id.in_(select(Household.building_id).where(Household.id.in_(s.household_ids)))
    return Building.compound_id.in_(s.compound_ids)


def _unit_rule(s: Scope):
    if s.household_ids is not None:
        return Unit.id.in_(select(Household.unit_id).where(Household.id.in_(s.household_ids)))
    return Unit.compound_id.in_(s.compound_ids)


def _person_rule(s: Scope):
    """A person is visible through a visible household they own or live in."""
    households = s.visible_households
    return or_(
        Person.id.in_(select(Ownership.person_id).where(Ownership.household_id.in_(households))),
        Person.id.in_(select(Residency.person_id).where(Residency.household_id.in_(households))),
    )


def _community_rule(s: Scope):
    return or_(
        Community.id.in_(s.within_communities),
        Community.id.in_(select(Compound.community_id).where(Compound.id.in_(s.compound_ids))),
    )


def _station_rule(s: Scope):
    return or_(
        Station.id.in_(s.within_stations),
        Station.id.in_(
            select(station_compounds.c.station_id).where(station_compounds.c.compound_id.in_(s.compound_ids))
        ),
    )


register_rules({
    County: lambda s: or_(County.id.in_(s.within_counties), County.id.in_(s.county_ids)),
    StreetOffice: lambda s: StreetOffice.id.in_(s.street_ids),
    Community: _community_rule,
    Compound: lambda s: Compound.id.in_(s.compound_ids),
    Station: _station_rule,
    Building: _building_rule,
    Unit: _unit_rule,
    Household: _household_rule,
    Person: _person_rule,
    Ownership: lambda s: Ownership.household_id.in_(s.visible_households),
    Residency: lambda s: Residency.household_id.in_(s.visible_households),
})

register_capabilities({
    "tree.edit": {Role.COUNTY_ADMIN},  # streets, communities, stations
    "compound.edit": OFFICIALS_ABOVE_STATION,
    "household.edit": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER},
    "registry.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER},
})
