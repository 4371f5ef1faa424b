"""组织机构 through the API: county admins add streets, communities and stations (tree.edit), as on the pages."""
from __future__ import annotations

from pm.models import Role
from tests.asserts import assert_error


def test_county_admin_grows_the_tree(world, api, db):
    county = api(world.users[Role.COUNTY_ADMIN])
    street = county.post(f"/api/v1/counties/{world.county.id}/streets", json={"name": "新街道", "phone": "0531-1"})
    assert street.status_code == 201, street.get_json()
    community = county.post(f"/api/v1/streets/{street.get_json()['id']}/communities", json={"name": "新社区"})
    assert community.status_code == 201, community.get_json()
    station = county.post(f"/api/v1/communities/{world.communities['a'].id}/stations",
                          json={"name": "新服务站", "compound_ids": [world.compounds["a"][1].id]})
    assert station.status_code == 201, station.get_json()
    assert [c["id"] for c in station.get_json()["compounds"]] == [world.compounds["a"][1].id]
    assert_error(county.post(f"/api/v1/counties/{world.county.id}/streets", json={"name": ""}), 422)
    assert_error(api(world.users[Role.STREET_OFFICER]).post(
        f"/api/v1/streets/{world.streets['a'].id}/communities", json={"name": "x"}), 403)
