"""通知对象: who is told, by set, one query per call, never a disabled account."""
from __future__ import annotations

from datetime import date

import pytest

from pm.models import Role
from pm.services import recipients
from tests.factories import make_owner, make_person, make_station, make_user, make_world


@pytest.fixture
def world(db):
    return make_world()


def _u(world, role: Role) -> int:
    return world.users[role].id


def _disable(db, *users) -> None:
    for user in users:
        user.is_enabled = False
    db.session.commit()


def test_owners_of_current_owners_with_an_owner_login(world, db):
    """A household's current owners' owner logins are told; a tenant's login is not."""
    a0, a1 = world.households["a"][0], world.households["a"][1]
    assert recipients.owners_of([a0.id, a1.id]) == {a0.id: [_u(world, Role.OWNER)]}


def test_owners_of_skips_former_owners_and_disabled_logins(world, db):
    """An ended ownership and a disabled login are never told; a co-owner with a login is."""
    a0 = world.households["a"][0]
    co = make_person(name="共有人")
    make_owner(a0, co)
    co_login = make_user(Role.OWNER, co)
    former = make_person(name="原业主")
    make_owner(a0, former, ended_on=date(2015, 1, 1))
    make_user(Role.OWNER, former)
    db.session.commit()
    assert recipients.owners_of([a0.id]) == {a0.id: sorted([_u(world, Role.OWNER), co_login.id])}
    _disable(db, co_login)
    assert recipients.owners_of([a0.id]) == {a0.id: [_u(world, Role.OWNER)]}


def test_station_staff_by_role(world, db):
    """A station's manager and staff, or only the roles asked for; another station's are not included."""
    sa, sb = world.stations["a"], world.stations["b"]
    both = sorted([_u(world, Role.STATION_MANAGER), _u(world, Role.STATION_STAFF)])
    assert recipients.station_staff([sa.id, sb.id]) == {sa.id: both}
    managers = recipients.station_staff([sa.id], roles=(Role.STATION_MANAGER,))
    assert managers == {sa.id: [_u(world, Role.STATION_MANAGER)]}


def test_station_managers_fall_back_to_staff(world, db):
    """New requests go to the managers; a station whose manager is disabled falls back to its staff."""
    sa = world.stations["a"]
    assert recipients.station_managers([sa.id]) == {sa.id: [_u(world, Role.STATION_MANAGER)]}
    _disable(db, world.users[Role.STATION_MANAGER])
    assert recipients.station_managers([sa.id]) == {sa.id: [_u(world, Role.STATION_STAFF)]}
    _disable(db, world.users[Role.STATION_STAFF])
    assert recipients.station_managers([sa.id]) == {}


def test_community_street_and_county_officials(world, db):
    """Each level's officials are found by the node they are bound to."""
    community, street = world.communities["a"], world.streets["a"]
    assert recipients.community_officials([community.id, world.communities["b"].id]) == {
        community.id: [_u(world, Role.COMMUNITY_WORKER)]}
    assert recipients.street_officials([street.id]) == {street.id: [_u(world, Role.STREET_OFFICER)]}
    assert recipients.county_officials([world.county.id]) == {world.county.id: [_u(world, Role.COUNTY_ADMIN)]}


def test_committee_members(world, db):
    """A compound's owners'-committee members are found by the compound."""
    c1, c2 = world.compounds["a"]
    assert recipients.committee_members([c1.id, c2.id]) == {c1.id: [_u(world, Role.COMMITTEE_MEMBER)]}


def test_officials_over_compounds_default_is_the_fund_reminders_rule(world, db):
    """By default: the station managers serving the compound and its street office's officers."""
    c1, c2 = world.compounds["a"]
    manager, street = _u(world, Role.STATION_MANAGER), _u(world, Role.STREET_OFFICER)
    assert recipients.officials_over([c1.id, c2.id]) == {c1.id: sorted([manager, street]), c2.id: [street]}


def test_officials_over_every_level(world, db):
    """With every official role: station, community, street, county and committee, each over its compounds."""
    c1 = world.compounds["a"][0]
    got = recipients.officials_over([c1.id], roles=recipients.OFFICIAL_ROLES)
    assert got == {c1.id: sorted(_u(world, r) for r in recipients.OFFICIAL_ROLES)}
    foreign = world.compounds["b"][0]
    assert recipients.officials_over([foreign.id], roles=recipients.OFFICIAL_ROLES) == {
        foreign.id: [_u(world, Role.COUNTY_ADMIN)]}


@pytest.mark.postgres
def test_officials_over_a_compound_served_by_two_stations(world, db):
    """A compound kept by two stations tells the managers of both, each once."""
    c1 = world.compounds["a"][0]
    other = make_station(world.communities["a"], [c1], name="第二服务站")
    second = make_user(Role.STATION_MANAGER, other)
    db.session.commit()
    got = recipients.officials_over([c1.id], roles=(Role.STATION_MANAGER,))
    assert got == {c1.id: sorted([_u(world, Role.STATION_MANAGER), second.id])}


def test_officials_over_refuses_owner_roles(world, db):
    """Owners and residents are not officials (they are told through owners_of)."""
    with pytest.raises(ValueError):
        recipients.officials_over([world.compounds["a"][0].id], roles=(Role.OWNER,))


def test_enabled_keeps_order_and_drops_disabled(world, db):
    """Named recipients (a creator, an issuer) are kept in order, once, and only if enabled."""
    manager, staff, street = (_u(world, r) for r in (Role.STATION_MANAGER, Role.STATION_STAFF, Role.STREET_OFFICER))
    _disable(db, world.users[Role.STATION_STAFF])
    assert recipients.enabled([street, None, staff, manager, street]) == [street, manager]


def test_a_disabled_account_is_never_returned(world, db):
    """With every account disabled, no function returns anyone."""
    _disable(db, *world.users.values())
    compounds = [c.id for c in world.compounds["a"] + world.compounds["b"]]
    households = [h.id for h in world.households["a"] + world.households["b"]]
    stations = [s.id for s in world.stations.values()]
    assert recipients.owners_of(households) == {}
    assert recipients.station_staff(stations) == {} and recipients.station_managers(stations) == {}
    assert recipients.community_officials([c.id for c in world.communities.values()]) == {}
    assert recipients.street_officials([s.id for s in world.streets.values()]) == {}
    assert recipients.county_officials([world.county.id]) == {}
    assert recipients.committee_members(compounds) == {}
    assert recipients.officials_over(compounds, roles=recipients.OFFICIAL_ROLES) == {}
    assert recipients.enabled([u.id for u in world.users.values()]) == []


@pytest.mark.postgres
def test_one_query_per_call_whatever_the_number_of_places(world, db, count_queries):
    """Each function runs one statement for any number of places (no N+1), none for no places."""
    compounds = [c.id for c in world.compounds["a"] + world.compounds["b"]]
    households = [h.id for h in world.households["a"] + world.households["b"]]
    stations = [s.id for s in world.stations.values()]
    communities, streets = [c.id for c in world.communities.values()], [s.id for s in world.streets.values()]
    county, users = world.county.id, [u.id for u in world.users.values()]
    calls = [
        lambda: recipients.owners_of(households),
        lambda: recipients.station_staff(stations),
        lambda: recipients.station_managers(stations),
        lambda: recipients.community_officials(communities),
        lambda: recipients.street_officials(streets),
        lambda: recipients.county_officials([county]),
        lambda: recipients.committee_members(compounds),
        lambda: recipients.officials_over(compounds, roles=recipients.OFFICIAL_ROLES),
        lambda: recipients.enabled(users),
    ]
    for call in calls:
        with count_queries() as counter:
            call()
        assert counter.count == 1, counter.statements
    with count_queries() as counter:
        assert recipients.officials_over([]) == {} and recipients.owners_of([]) == {} and recipients.enabled([]) == []
    assert counter.count == 0
