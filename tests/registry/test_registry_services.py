"""台账 services: explicit scope (SYSTEM or a person acting as themselves), the one phone rule, the one area rule."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import (
    AuditLog,
    Household,
    HouseholdStatus,
    ImportStatus,
    ManagementMode,
    OwnershipEnd,
    Relation,
    RenovationClass,
    Role,
)
from pm.services.labels import label
from pm.services.registry import (
    areas,
    buildings,
    compounds,
    households,
    people,
    search,
    tree,
)
from tests.factories import make_owner, make_person, make_world


@pytest.fixture
def world(app, db):
    return make_world()


def test_system_scope_edits_anywhere_and_audits_without_actor(world, db):
    """SYSTEM (CLI, demo loader) may edit any compound; the audit row has no actor."""
    compound = world.compounds["b"][0]
    compounds.update_compound(compound, {"address": "新地址"}, scope=SYSTEM, actor=None)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "compound.update"))
    assert entry.actor_id is None and entry.compound_id == compound.id


def test_no_actor_without_system_scope_is_refused(world, db):
    """A person's scope without the person (actor=None) no longer skips the checks."""
    manager = world.users[Role.STATION_MANAGER]
    with pytest.raises(Forbidden):
        households.update_household(world.households["a"][0], {"note": "x"}, scope=scope_for(manager), actor=None)


def test_actor_must_be_the_scopes_user(world, db):
    """An actor acting under someone else's scope is refused, even with the capability."""
    admin, manager = world.users[Role.COUNTY_ADMIN], world.users[Role.STATION_MANAGER]
    with pytest.raises(Forbidden):
        compounds.update_compound(world.compounds["a"][0], {"address": "x"}, scope=scope_for(manager), actor=admin)


def test_capability_and_place_are_checked(world, db):
    """A station manager may not edit compounds (capability), nor households of another station (place)."""
    manager = world.users[Role.STATION_MANAGER]
    scope = scope_for(manager)
    with pytest.raises(Forbidden):
        compounds.update_compound(world.compounds["a"][0], {"address": "x"}, scope=scope, actor=manager)
    with pytest.raises(Forbidden):
        households.update_household(world.households["a"][2], {"note": "x"}, scope=scope, actor=manager)
    households.update_household(world.households["a"][0], {"note": "ok"}, scope=scope, actor=manager)
    assert world.households["a"][0].note == "ok"


def test_person_lookup_needs_household_edit(world, db):
    """Registering a person is part of editing households: an owner may not."""
    owner = world.users[Role.OWNER]
    with pytest.raises(Forbidden):
        people.find_or_create_person("张三", None, scope=scope_for(owner), actor=owner)


@pytest.mark.parametrize(("typed", "stored"), [
    ("138 0000 1111", "13800001111"), ("+86 138-0000-1111", "13800001111"), ("0516-87654321", "051687654321"),
    ("", None), (None, None),
])
def test_person_phone_is_normalised_by_the_shared_rule(world, db, typed, stored):
    """Owners' phones follow pm.services.text: mobiles and landlines with area code, stored as digits."""
    person = people.find_or_create_person("张三", typed, scope=SYSTEM, actor=None)
    assert person.phone == stored


@pytest.mark.parametrize("typed", ["12345678", "abc13900000001", "1380000111"])
def test_person_phone_refused(world, db, typed):
    """Local numbers without area code, letters and short numbers are refused on the phone field."""
    with pytest.raises(DomainError) as err:
        people.find_or_create_person("张三", typed, scope=SYSTEM, actor=None)
    assert "phone" in err.value.fields


def test_same_name_and_phone_is_one_person(world, db):
    """The phone is compared after normalising: "+86 138…" finds the person registered as "138…"."""
    first = people.find_or_create_person("李四", "13800001111", scope=SYSTEM, actor=None)
    assert people.find_or_create_person("李四", "+86 138 0000 1111", scope=SYSTEM, actor=None).id == first.id
    assert people.find_or_create_person("李四", None, scope=SYSTEM, actor=None).id != first.id


@pytest.mark.parametrize(("value", "expected"), [
    ("65.5", Decimal("65.50")), (65.32, Decimal("65.32")), (Decimal("1.00"), Decimal("1.00")), (7, Decimal("7.00")),
])
def test_area_accepted(value, expected):
    """An area is exact: strings, whole numbers and floats through their shortest repr."""
    assert areas.parse_area(value) == expected


@pytest.mark.parametrize(("value", "msgid"), [
    ("abc", areas.E_NOT_NUMBER), ("NaN", areas.E_NOT_NUMBER), (True, areas.E_NOT_NUMBER), ("0", areas.E_POSITIVE),
    ("65.555", areas.E_DECIMALS), ("100000000", areas.E_TOO_LARGE),
])
def test_area_refused(value, msgid):
    """Each broken part of the area rule has its own message, on the caller's field."""
    with pytest.raises(areas.AreaError) as err:
        areas.exact_area(value)
    assert err.value.msgid == msgid
    with pytest.raises(DomainError) as err:
        areas.parse_area(value, field="floor_area_m2")
    assert list(err.value.fields) == ["floor_area_m2"]


def test_create_building_refuses_a_used_name(world, db):
    """create_building (the API's POST) is a Conflict for a name in use; get_or_create returns the building."""
    compound = world.compounds["a"][0]
    existing = buildings.get_or_create_building(compound, "1号楼", scope=SYSTEM, actor=None)
    with pytest.raises(Conflict):
        buildings.create_building(compound, "1号楼", scope=SYSTEM, actor=None)
    unit = buildings.get_or_create_unit(existing, "1单元", scope=SYSTEM, actor=None)
    with pytest.raises(Conflict):
        buildings.create_unit(existing, "1单元", scope=SYSTEM, actor=None)
    assert buildings.create_unit(existing, "2单元", scope=SYSTEM, actor=None).id != unit.id


def test_household_detail_splits_current_and_past(world, db):
    """The one household read: owners and residents, current and past, in start order."""
    household = world.households["a"][0]
    buyer = make_person(name="买方", phone="13700000009")
    people.transfer_ownership(household, [buyer], on=date(2024, 5, 1), scope=SYSTEM, actor=None)
    found = households.detail(SYSTEM, household.id)
    assert [o.person.name for o in found.past_owners] == ["a业主"]
    assert [p.name for p in found.owner_persons] == ["买方"]
    assert found.current_residents == [] and found.past_residents == []


def test_owner_sees_only_own_household_detail(world, db):
    """An owner's scope reads their own household and nobody else's."""
    owner = world.users[Role.OWNER]
    assert households.detail(scope_for(owner), world.households["a"][0].id).household.id == world.households["a"][0].id
    with pytest.raises(DomainError):
        households.detail(scope_for(owner), world.households["a"][1].id)


def test_search_without_owner(world, db):
    """The search can keep only households without a current owner."""
    stmt = search.search_households(scope_for(world.users[Role.STREET_OFFICER]), without_owner=True)
    found = set(db.session.scalars(stmt))
    assert world.households["a"][0] not in found and world.households["a"][1] in found
    assert all(h.compound.community.street_id == world.streets["a"].id for h in found)


def test_owners_by_household_one_entry_per_household(world, db):
    """Current owners per household, oldest first; a household without owners has an empty list."""
    first = world.households["a"][1]
    make_owner(first, make_person(name="二号"), started_on=date(2012, 1, 1))
    make_owner(first, make_person(name="一号"), started_on=date(2011, 1, 1))
    owners = people.owners_by_household(SYSTEM, [first.id, world.households["a"][2].id])
    assert [o.person.name for o in owners[first.id]] == ["一号", "二号"]
    assert owners[world.households["a"][2].id] == []


def test_tree_needs_registry_view(world, db):
    """The tree read is for registry viewers; an owner is refused."""
    owner = world.users[Role.OWNER]
    with pytest.raises(Forbidden):
        tree.tree(scope_for(owner), actor=owner)
    officer = world.users[Role.STREET_OFFICER]
    result = tree.tree(scope_for(officer), actor=officer, without_committee=True)
    assert {s.name for s in result.streets} == {"a街道"}
    assert sum(result.counts.values()) == db.session.scalar(
        select(func.count(Household.id)).where(Household.compound_id.in_([c.id for c in world.compounds["a"]])))


def test_compound_overview_figures(world, db):
    """A compound's page: each building's households, total area and units, and the stations serving it."""
    admin = world.users[Role.COUNTY_ADMIN]
    compound = world.compounds["a"][0]
    page = compounds.overview(scope_for(admin), compound.id, actor=admin)
    stats = page.stats[page.buildings[0].id]
    assert (stats.households, stats.units) == (2, 1)
    assert stats.area_m2 == sum(h.area_m2 for h in world.households["a"][:2])
    assert [s.name for s in page.stations] == ["a服务站"]


REGISTRY_LABELS = {
    Role.COUNTY_ADMIN: "县级管理员", Role.STREET_OFFICER: "街道物业办", Role.COMMUNITY_WORKER: "社区工作人员",
    Role.STATION_MANAGER: "服务站站长", Role.STATION_STAFF: "服务站工作人员", Role.COMMITTEE_MEMBER: "业委会委员",
    Role.OWNER: "业主", Role.RESIDENT: "住户",
}


def test_registry_labels_as_before(app):
    """The registry's and accounts' labels are the ones pm/labels.py had (kept when it was folded into
    pm.services.labels)."""
    assert {r: label(r) for r in Role} == REGISTRY_LABELS
    assert [label(m) for m in ManagementMode] == ["专业物业", "准物业", "居委会托管", "业主自治", "单位自管"]
    assert [label(m) for m in RenovationClass] == ["基础类", "完善类", "提升类"]
    assert [label(m) for m in HouseholdStatus] == ["正常", "已灭失"]
    assert [label(m) for m in OwnershipEnd] == ["转让", "灭失", "登记更正"]
    assert [label(m) for m in Relation] == ["家庭成员", "租户", "其他"]
    assert [label(m) for m in ImportStatus] == ["排队中", "校验中", "待确认（预览）", "已确认，排队写入", "写入中", "已完成",
                                                "有错误，未导入", "失败，未导入", "预览失效，未导入"]
