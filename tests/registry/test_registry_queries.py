"""No N+1: a list costs the same number of SQL statements for 5 rows as for 50."""
from __future__ import annotations

import pytest

from pm.models import Role
from pm.services import audit
from tests.factories import make_building, make_compound, make_household, make_owner, make_resident, make_unit


def _compound_with(db, world, n: int):
    compound = make_compound(world.communities["a"], name=f"规模{n}")
    for b in range(2):
        building = make_building(compound, name=f"{b + 1}号楼")
        unit = make_unit(building, name="1单元")
        for i in range(n // 2):
            household = make_household(unit, room_no=f"{i + 101}")
            make_owner(household)
            make_owner(household)  # co-owner: two people per household
            make_resident(household)
    db.session.commit()
    return compound


def _statements(db, client, count_queries, url: str, expected_items: int) -> int:
    db.session.expunge_all()  # nothing cached in the identity map: every lazy load would show
    with count_queries() as counter:
        resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert len(resp.get_json()["items"]) == expected_items
    return counter.count


@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.STATION_MANAGER])
def test_household_list_queries_do_not_grow_with_rows(world, api, db, count_queries, role):
    """GET /households issues the same number of queries for 5 and for 50 households (owners included)."""
    small, large = _compound_with(db, world, 6), _compound_with(db, world, 50)
    world.stations["a"].compounds.extend([small, large])
    db.session.commit()
    small_url = f"/api/v1/households?compound_id={small.id}&per_page=5"
    large_url = f"/api/v1/households?compound_id={large.id}&per_page=50"
    client = api(world.users[role])
    client.get("/api/v1/me")  # first use of the token records last_used_at; keep that write out of the count
    few = _statements(db, client, count_queries, small_url, 5)
    many = _statements(db, client, count_queries, large_url, 50)
    assert few == many
    assert many <= 8


def test_other_lists_queries_do_not_grow_with_rows(world, api, db, count_queries):
    """Buildings, compounds, stations, users and audit lists cost the same for few and many rows."""
    small, large = _compound_with(db, world, 4), _compound_with(db, world, 40)
    for user in world.users.values():
        audit.record("user.update", user, actor=user, changes={"display_name": ["x", "y"]})
    db.session.commit()
    client = api(world.users[Role.COUNTY_ADMIN])
    client.get("/api/v1/me")
    pairs = [
        (f"/api/v1/compounds/{small.id}/buildings?per_page=1", f"/api/v1/compounds/{large.id}/buildings"),
        ("/api/v1/compounds?per_page=1", "/api/v1/compounds?per_page=6"),
        ("/api/v1/stations?per_page=1", "/api/v1/stations?per_page=2"),
        ("/api/v1/users?per_page=1", "/api/v1/users?per_page=8"),
        ("/api/v1/audit?per_page=1", "/api/v1/audit?per_page=20"),
    ]
    for url_few, url_many in pairs:
        db.session.expunge_all()
        with count_queries() as few:
            assert client.get(url_few).status_code == 200
        db.session.expunge_all()
        with count_queries() as many:
            assert client.get(url_many).status_code == 200
        assert few.count == many.count, (url_few, url_many, few.statements, many.statements)
