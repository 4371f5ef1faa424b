"""Role × endpoint: every role's API lists return exactly its scope, and other ids are 404.

The world (tests.factories.make_world) has streets a and b, each with a community, two compounds
(c1 served by the station, c2 not), households 0,1 in c1 and 2,3 in c2; the owner owns a/0 and the
tenant lives in a/1. All users belong to side a except that the county admin sees both sides.
"""
from __future__ import annotations

import pytest

from pm.models import Role
from pm.services import audit
from tests.asserts import assert_error, ids

ALL_ROLES = list(Role)

# Which households (side, index) each role sees.
HOUSEHOLDS = {
    Role.COUNTY_ADMIN: {("a", 0), ("a", 1), ("a", 2), ("a", 3), ("b", 0), ("b", 1), ("b", 2), ("b", 3)},
    Role.STREET_OFFICER: {("a", 0), ("a", 1), ("a", 2), ("a", 3)},
    Role.COMMUNITY_WORKER: {("a", 0), ("a", 1), ("a", 2), ("a", 3)},
    Role.STATION_MANAGER: {("a", 0), ("a", 1)},
    Role.STATION_STAFF: {("a", 0), ("a", 1)},
    Role.COMMITTEE_MEMBER: {("a", 0), ("a", 1)},
    Role.OWNER: {("a", 0)},
    Role.RESIDENT: {("a", 1)},
}
# Which compounds (side, index) each role sees.
COMPOUNDS = {
    Role.COUNTY_ADMIN: {("a", 0), ("a", 1), ("b", 0), ("b", 1)},
    Role.STREET_OFFICER: {("a", 0), ("a", 1)},
    Role.COMMUNITY_WORKER: {("a", 0), ("a", 1)},
    Role.STATION_MANAGER: {("a", 0)},
    Role.STATION_STAFF: {("a", 0)},
    Role.COMMITTEE_MEMBER: {("a", 0)},
    Role.OWNER: {("a", 0)},
    Role.RESIDENT: {("a", 0)},
}
# Streets, communities and stations: both sides for the county, side a for everyone else.
SIDES = {role: ({"a", "b"} if role == Role.COUNTY_ADMIN else {"a"}) for role in Role}
# Accounts each administering role sees (the others get 403).
USERS = {
    Role.COUNTY_ADMIN: set(Role),
    Role.STREET_OFFICER: set(Role) - {Role.COUNTY_ADMIN},
    Role.COMMUNITY_WORKER: set(Role) - {Role.COUNTY_ADMIN, Role.STREET_OFFICER},
    Role.STATION_MANAGER: {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER, Role.OWNER, Role.RESIDENT},
}
# Audit rows each auditing role sees: rows placed under these sides (the others get 403).
AUDIT_SIDES = {Role.COUNTY_ADMIN: {"a", "b"}, Role.STREET_OFFICER: {"a"}, Role.COMMUNITY_WORKER: {"a"}}


def _households(world, keys):
    return {world.households[side][i].id for side, i in keys}


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_household_list_is_exactly_the_roles_scope(world, api, role):
    """GET /households returns exactly the households the role may see, and no others."""
    client = api(world.users[role])
    assert ids(client.get("/api/v1/households?per_page=200")) == _households(world, HOUSEHOLDS[role])


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_household_ids_outside_the_scope_are_404(world, api, role):
    """Every household outside the role's scope is a 404 on every household route; those inside are 200."""
    client = api(world.users[role])
    every = {(side, i) for side in "ab" for i in range(4)}
    for key in sorted(every):
        hid = world.households[key[0]][key[1]].id
        for suffix in ("", "/owners", "/residents"):
            resp = client.get(f"/api/v1/households/{hid}{suffix}")
            if key in HOUSEHOLDS[role]:
                assert resp.status_code == 200, (key, suffix)
            else:
                assert_error(resp, 404)


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_tree_lists_are_exactly_the_roles_scope(world, api, role):
    """Streets, communities, compounds and stations lists return exactly the role's scope."""
    client = api(world.users[role])
    compounds = {world.compounds[side][i].id for side, i in COMPOUNDS[role]}
    assert ids(client.get("/api/v1/compounds?per_page=200")) == compounds
    assert ids(client.get("/api/v1/streets")) == {world.streets[s].id for s in SIDES[role]}
    assert ids(client.get("/api/v1/communities")) == {world.communities[s].id for s in SIDES[role]}
    assert ids(client.get("/api/v1/stations")) == {world.stations[s].id for s in SIDES[role]}
    for side in "ab":
        for i, compound in enumerate(world.compounds[side]):
            resp = client.get(f"/api/v1/compounds/{compound.id}/buildings")
            if (side, i) in COMPOUNDS[role]:
                assert resp.status_code == 200
            else:
                assert_error(resp, 404)
        for path in (f"/api/v1/streets/{world.streets[side].id}", f"/api/v1/stations/{world.stations[side].id}"):
            assert client.get(path).status_code == (200 if side in SIDES[role] else 404)


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_station_lists_only_the_compounds_in_scope(world, api, db, role):
    """A station serving two compounds shows a committee member, owner or resident only their own compound."""
    station = world.stations["a"]
    station.compounds.append(world.compounds["a"][1])
    db.session.commit()
    household_bound = role in (Role.COMMITTEE_MEMBER, Role.OWNER, Role.RESIDENT)
    expected = world.compounds["a"][:1] if household_bound else world.compounds["a"]
    for path in (f"/api/v1/stations/{station.id}", "/api/v1/stations"):
        body = api(world.users[role]).get(path).get_json()
        item = body if "compounds" in body else next(i for i in body["items"] if i["id"] == station.id)
        assert [c["id"] for c in item["compounds"]] == [c.id for c in expected]


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_user_list_is_exactly_the_roles_scope(world, api, role):
    """GET /users lists exactly the accounts the role administers; roles without accounts.manage get 403."""
    resp = api(world.users[role]).get("/api/v1/users?per_page=200")
    if role not in USERS:
        assert_error(resp, 403)
        return
    assert ids(resp) == {world.users[r].id for r in USERS[role]}


@pytest.mark.parametrize("role", ALL_ROLES, ids=[r.value for r in ALL_ROLES])
def test_audit_list_is_exactly_the_roles_scope(world, api, db, role):
    """GET /audit lists exactly the rows placed in the role's part of the tree; others get 403."""
    rows = {side: audit.record("compound.update", world.compounds[side][1], actor=None, changes={"x": [1, 2]})
            for side in "ab"}
    db.session.commit()
    resp = api(world.users[role]).get("/api/v1/audit?action=compound.update")
    if role not in AUDIT_SIDES:
        assert_error(resp, 403)
        return
    assert ids(resp) == {rows[side].id for side in AUDIT_SIDES[role]}
