"""台账 factories: the tree (county → street → community → compound → building → unit → household) and people."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

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
    StreetOffice,
    Unit,
)
from pm.services.assessments import schemes
from tests.factories.seq import n as _n


def make_county(**kw) -> County:
    county = County(name=kw.pop("name", f"测试县{_n()}"), **kw)
    db.session.add(county)
    db.session.flush()
    schemes.ensure_defaults(county.id)  # a new county starts with version 1 of the assessment schemes
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
