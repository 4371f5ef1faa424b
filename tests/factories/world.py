"""The two-street world most tests start from: side a holds one login per role, side b is foreign data."""
from __future__ import annotations

from dataclasses import dataclass, field

from pm.extensions import db
from pm.models import County, Role
from tests.factories.accounts import make_user
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
from tests.factories.stations import make_station


@dataclass
class World:
    """Two streets, each with a community, compounds, a station, households, and one user per role.

    `a` is the side the users belong to; `b` is foreign data no user of `a` may see.
    """

    county: County
    streets: dict = field(default_factory=dict)
    communities: dict = field(default_factory=dict)
    compounds: dict = field(default_factory=dict)
    stations: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


def make_world() -> World:
    county = make_county(name="示范县")
    w = World(county=county)
    for side in ("a", "b"):
        street = make_street(county, name=f"{side}街道")
        community = make_community(street, name=f"{side}社区")
        c1 = make_compound(community, name=f"{side}小区一")
        c2 = make_compound(community, name=f"{side}小区二")
        station = make_station(community, [c1], name=f"{side}服务站")
        hh = []
        for compound in (c1, c2):
            unit = make_unit(make_building(compound, name="1号楼"), name="1单元")
            for room in ("101", "102"):
                hh.append(make_household(unit, room_no=room))
        owner = make_person(name=f"{side}业主")
        make_owner(hh[0], owner)
        tenant = make_person(name=f"{side}租户")
        make_resident(hh[1], tenant)
        w.streets[side] = street
        w.communities[side] = community
        w.compounds[side] = [c1, c2]
        w.stations[side] = station
        w.households[side] = hh
        w.persons[side] = {"owner": owner, "tenant": tenant}
    a = "a"
    w.users = {
        Role.COUNTY_ADMIN: make_user(Role.COUNTY_ADMIN, county, username="county"),
        Role.STREET_OFFICER: make_user(Role.STREET_OFFICER, w.streets[a], username="street"),
        Role.COMMUNITY_WORKER: make_user(Role.COMMUNITY_WORKER, w.communities[a], username="community"),
        Role.STATION_MANAGER: make_user(Role.STATION_MANAGER, w.stations[a], username="manager"),
        Role.STATION_STAFF: make_user(Role.STATION_STAFF, w.stations[a], username="staff"),
        Role.COMMITTEE_MEMBER: make_user(Role.COMMITTEE_MEMBER, w.compounds[a][0], username="committee"),
        Role.OWNER: make_user(Role.OWNER, w.persons[a]["owner"], username="owner"),
        Role.RESIDENT: make_user(Role.RESIDENT, w.persons[a]["tenant"], username="resident"),
    }
    db.session.commit()
    return w
