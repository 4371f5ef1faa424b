"""Factories for test data, one module per domain: plain functions that build rows and flush.

Tests commit when they need to. The tree, logins and the two-street world (the old tests/factories.py)
are re-exported here; a domain's own factories are imported from its module, e.g.
`from tests.factories.fund import deposit, open_account`.
"""
from tests.factories.accounts import PASSWORD, api_client, make_user
from tests.factories.registry import (
    make_building,
    make_community,
    make_compound,
    make_county,
    make_household,
    make_owner,
    make_person,
    make_resident,
    make_street,
    make_unit,
)
from tests.factories.stations import make_station, make_team
from tests.factories.world import World, make_world

__all__ = [
    "PASSWORD",
    "World",
    "api_client",
    "make_building",
    "make_community",
    "make_compound",
    "make_county",
    "make_household",
    "make_owner",
    "make_person",
    "make_resident",
    "make_station",
    "make_street",
    "make_team",
    "make_unit",
    "make_user",
    "make_world",
]
