"""Plain factory functions for test data. Each flushes; tests commit when they need to."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from werkzeug.security import generate_password_hash

from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    County,
    Household,
    ManagementMode,
    Ownership,
    Person,
    Relation,
    Residency,
    Role,
    Station,
    StreetOffice,
    Unit,
    User,
)
from pm.models.accounts import BINDING

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
# Hashing is slow on purpose; tests share one hash of PASSWORD.
_HASH: dict[str, str] = {}


def _n() -> int:
    return next(_seq)


def make_county(**kw) -> County:
    county = County(name=kw.pop("name", f"测试县{_n()}"), **kw)
    db.session.add(county)
    db.session.flush()
    return county


def make_street(county: County | None = None, **kw) -> StreetOffice:
    county = county or make_county()
    street = StreetOffice(county_id=county.id, name=kw.pop("name", f"街道{_n()}"), **kw)
    db.session.add(street)
    db.session.flush()
    return street


def make_community(street: StreetOffice | None = None, **kw) -> Community:
    street = street or make_street()
    community = Community(street_id=street.id, name=kw.pop("name", f"社区{_n()}"), **kw)
    db.session.add(community)
    db.session.flush()
    return community


def make_compound(community: Community | None = None, **kw) -> Compound:
    community = community or make_community()
    kw.setdefault("name", f"小区{_n()}")
    kw.setdefault("management_mode", ManagementMode.QUASI)
    kw.setdefault("year_built", 1995)
    compound = Compound(community_id=community.id, **kw)
    db.session.add(compound)
    db.session.flush()
    return compound


def make_building(compound: Compound | None = None, **kw) -> Building:
    compound = compound or make_compound()
    kw.setdefault("name", f"{_n()}号楼")
    kw.setdefault("floors", 6)
    building = Building(compound_id=compound.id, **kw)
    db.session.add(building)
    db.session.flush()
    return building


def make_unit(building: Building | None = None, **kw) -> Unit:
    building = building or make_building()
    unit = Unit(building_id=building.id, compound_id=building.compound_id, name=kw.pop("name", f"{_n()}单元"), **kw)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_household(unit: Unit | None = None, **kw) -> Household:
    unit = unit or make_unit()
    kw.setdefault("room_no", str(100 + _n()))
    kw.setdefault("floor", 1)
    kw.setdefault("area_m2", Decimal("65.50"))
    household = Household(compound_id=unit.compound_id, building_id=unit.building_id, unit_id=unit.id, **kw)
    db.session.add(household)
    db.session.flush()
    return household


def make_person(**kw) -> Person:
    kw.setdefault("name", f"业主{_n()}")
    kw.setdefault("phone", f"139{_n():08d}")
    person = Person(**kw)
    db.session.add(person)
    db.session.flush()
    return person


def make_owner(household: Household, person: Person | None = None, **kw) -> Ownership:
    person = person or make_person()
    ownership = Ownership(household_id=household.id, person_id=person.id, started_on=kw.pop("started_on", date(2010, 1, 1)), **kw)
    db.session.add(ownership)
    db.session.flush()
    return ownership


def make_resident(household: Household, person: Person | None = None, **kw) -> Residency:
    person = person or make_person()
    residency = Residency(
        household_id=household.id, person_id=person.id, relation=kw.pop("relation", Relation.TENANT),
        started_on=kw.pop("started_on", date(2015, 1, 1)), **kw,
    )
    db.session.add(residency)
    db.session.flush()
    return residency


def make_station(community: Community, compounds: list[Compound], **kw) -> Station:
    station = Station(community_id=community.id, name=kw.pop("name", f"服务站{_n()}"), compounds=list(compounds), **kw)
    db.session.add(station)
    db.session.flush()
    return station


def make_user(role: Role | str, node, **kw) -> User:
    """An account of `role` bound to `node` (a tree node, a station, or a person for owners)."""
    role = Role(role)
    if PASSWORD not in _HASH:
        _HASH[PASSWORD] = generate_password_hash(PASSWORD)
    n = _n()
    user = User(
        username=kw.pop("username", f"{role.value}{n}"),
        display_name=kw.pop("display_name", f"{role.value} {n}"),
        password_hash=_HASH[PASSWORD],
        role=role,
        session_token=f"tok{n:020d}",
        **kw,
    )
    setattr(user, BINDING[role], node.id)
    db.session.add(user)
    db.session.flush()
    return user


def api_client(app, user: User):
    """A test client whose requests carry a fresh bearer token of `user`."""
    from pm.access import scope_for
    from pm.services.accounts.tokens import create_api_token

    _token, raw = create_api_token(user, f"test{_n()}", scope=scope_for(user), actor=user)
    db.session.commit()
    client = app.test_client()

    class _Client:
        def __getattr__(self, verb):
            def call(url, **kw):
                headers = kw.pop("headers", {})
                headers["Authorization"] = f"Bearer {raw}"
                return getattr(client, verb)(url, headers=headers, **kw)

            return call

    return _Client()


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
