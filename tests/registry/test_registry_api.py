"""台账 REST API: the happy path of every registry endpoint, and every kind of bad input refused."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.models import AuditLog, Building, Compound, Household, Ownership, Person, Residency, Role, Unit
from tests.asserts import assert_error, ids
from tests.factories import make_household, make_owner, make_person

V1 = "/api/v1"


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audit_actions(db, object_type: str, object_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditLog.action)
            .where(AuditLog.object_type == object_type, AuditLog.object_id == object_id)
            .order_by(AuditLog.id)
        )
    )


# -- streets, communities, compounds: reads --------------------------------------------------------
def test_streets_and_communities_are_listed_and_filtered(world, api):
    """Streets and communities are listed; communities filter by street; one of each can be fetched."""
    client = api(world.users[Role.COUNTY_ADMIN])
    street = world.streets["b"]
    assert ids(client.get(f"{V1}/communities?street_id={street.id}")) == {world.communities["b"].id}
    body = client.get(f"{V1}/streets/{street.id}").get_json()
    assert body == {"id": street.id, "county_id": world.county.id, "name": "b街道", "phone": None}
    body = client.get(f"{V1}/communities/{world.communities['b'].id}").get_json()
    assert body["street_id"] == street.id and body["street_name"] == "b街道"


@pytest.mark.postgres
def test_compounds_filter_by_community_street_mode_and_text(world, api, db):
    """Compounds filter by community, street, management mode and name/address text."""
    a1, a2 = world.compounds["a"]
    a2.management_mode = "professional"
    a2.address = "解放路 12%号"
    db.session.commit()
    client = api(world.users[Role.COUNTY_ADMIN])
    assert ids(client.get(f"{V1}/compounds?community_id={world.communities['a'].id}")) == {a1.id, a2.id}
    assert ids(client.get(f"{V1}/compounds?street_id={world.streets['b'].id}")) == {c.id for c in world.compounds["b"]}
    assert ids(client.get(f"{V1}/compounds?management_mode=professional")) == {a2.id}
    assert ids(client.get(f"{V1}/compounds", query_string={"q": "小区一"})) == {a1.id, world.compounds["b"][0].id}
    assert ids(client.get(f"{V1}/compounds", query_string={"q": "12%"})) == {a2.id}
    assert ids(client.get(f"{V1}/compounds", query_string={"q": "%"})) == {a2.id}  # % is literal, not a wildcard


def test_list_filters_with_bad_values_are_422(world, api):
    """A filter of the wrong type or an unknown enum value is a 422 naming the parameter."""
    client = api(world.users[Role.COUNTY_ADMIN])
    assert_error(client.get(f"{V1}/compounds?management_mode=castle"), 422, "management_mode")
    assert_error(client.get(f"{V1}/compounds?community_id=abc"), 422, "community_id")
    assert_error(client.get(f"{V1}/households?compound_id=99999999999999999999"), 422, "compound_id")
    assert_error(client.get(f"{V1}/households?per_page=201"), 422, "per_page")
    assert_error(client.get(f"{V1}/households?page=0"), 422, "page")
    assert_error(client.get(f"{V1}/households?page=99999999999999999999"), 422, "page")
    assert_error(client.get(f"{V1}/households", query_string={"q": "a\x00b"}), 422, "q")


@pytest.mark.postgres
def test_compound_detail_has_areas_as_strings_and_enums_as_values(world, api, db):
    """A compound's area is a two-decimal string, its enums are their values, its dates ISO."""
    compound = world.compounds["a"][0]
    compound.floor_area_m2 = Decimal("12345.5")
    compound.owners_committee_formed_on = date(2021, 5, 4)
    compound.renovation_class = "improve"
    db.session.commit()
    body = api(world.users[Role.STREET_OFFICER]).get(f"{V1}/compounds/{compound.id}").get_json()
    assert body["floor_area_m2"] == "12345.50"
    assert body["management_mode"] == "quasi" and body["renovation_class"] == "improve"
    assert body["owners_committee_formed_on"] == "2021-05-04" and body["has_owners_committee"] is True
    assert body["renovation_items"] == []


# -- compounds: writes -----------------------------------------------------------------------------
def test_community_worker_creates_a_compound(world, api, db):
    """POST /compounds creates a compound (201), keeps the area exact and writes an audit row."""
    client = api(world.users[Role.COMMUNITY_WORKER])
    resp = client.post(f"{V1}/compounds", json={
        "community_id": world.communities["a"].id, "name": "幸福里", "management_mode": "committee",
        "year_built": 1988, "floor_area_m2": "30210.05", "household_count": 320, "renovation_class": "basic",
    })
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["name"] == "幸福里" and body["floor_area_m2"] == "30210.05" and body["management_mode"] == "committee"
    compound = db.session.get(Compound, body["id"])
    assert compound.floor_area_m2 == Decimal("30210.05")
    assert _audit_actions(db, "Compound", compound.id) == ["compound.create"]


def test_compound_patch_changes_only_the_given_fields(world, api, db):
    """PATCH /compounds/<id> changes the given fields, audits them, and leaves the rest."""
    compound = world.compounds["a"][1]
    client = api(world.users[Role.STREET_OFFICER])
    resp = client.patch(f"{V1}/compounds/{compound.id}", json={
        "management_mode": "professional", "property_company": "安居物业", "floor_area_m2": 8000, "address": None,
    })
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["management_mode"] == "professional" and body["property_company"] == "安居物业"
    assert body["floor_area_m2"] == "8000.00" and body["name"] == "a小区二" and body["year_built"] == 1995
    assert _audit_actions(db, "Compound", compound.id) == ["compound.update"]


def test_renovation_item_is_added_then_updated(world, api):
    """POST /compounds/<id>/renovation-items adds an item, and the same name updates it."""
    compound = world.compounds["a"][0]
    client = api(world.users[Role.COMMUNITY_WORKER])
    url = f"{V1}/compounds/{compound.id}/renovation-items"
    first = client.post(url, json={"name": "雨污分流", "is_completed": False})
    assert first.status_code == 200 and first.get_json()["is_completed"] is False
    second = client.post(url, json={"name": "雨污分流", "is_completed": True, "completed_on": "2023-10-01"})
    assert second.get_json()["id"] == first.get_json()["id"] and second.get_json()["completed_on"] == "2023-10-01"
    items = client.get(f"{V1}/compounds/{compound.id}").get_json()["renovation_items"]
    assert [(i["name"], i["is_completed"]) for i in items] == [("雨污分流", True)]
    assert_error(client.post(url, json={"name": "外墙保温", "is_completed": False, "completed_on": "2023-10-01"}),
                 422, "is_completed")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x"}, "management_mode"),
        ({"management_mode": "quasi"}, "name"),
        ({"name": "  ", "management_mode": "quasi"}, "name"),
        ({"name": "x" * 81, "management_mode": "quasi"}, "name"),
        ({"name": "x", "management_mode": "palace"}, "management_mode"),
        ({"name": "x", "management_mode": "quasi", "year_built": "1990"}, "year_built"),
        ({"name": "x", "management_mode": "quasi", "year_built": 1990.5}, "year_built"),
        ({"name": "x", "management_mode": "quasi", "year_built": 99999999999}, "year_built"),
        ({"name": "x", "management_mode": "quasi", "household_count": -1}, "household_count"),
        ({"name": "x", "management_mode": "quasi", "floor_area_m2": "-5"}, "floor_area_m2"),
        ({"name": "x", "management_mode": "quasi", "floor_area_m2": 10.005}, "floor_area_m2"),
        ({"name": "x", "management_mode": "quasi", "service_grade": 9}, "service_grade"),
        ({"name": "x", "management_mode": "quasi", "owners_committee_formed_on": "2021-13-01"},
         "owners_committee_formed_on"),
        ({"name": "x", "management_mode": "quasi", "colour": "red"}, "colour"),
        ({"name": "x\x00y", "management_mode": "quasi"}, "name"),
    ],
)
def test_bad_compound_input_is_422_naming_the_field(world, api, db, payload, field):
    """Missing, blank, too long, wrong-typed, out-of-range, imprecise or unknown fields are a 422 per field."""
    before = _count(db, Compound)
    resp = api(world.users[Role.COUNTY_ADMIN]).post(
        f"{V1}/compounds", json={"community_id": world.communities["a"].id, **payload}
    )
    assert_error(resp, 422, field)
    assert _count(db, Compound) == before


@pytest.mark.postgres
def test_compound_with_a_taken_name_is_409(world, api, db):
    """A compound name already used in the community is a 409 on name."""
    resp = api(world.users[Role.COUNTY_ADMIN]).post(f"{V1}/compounds", json={
        "community_id": world.communities["a"].id, "name": "a小区一", "management_mode": "quasi"})
    assert_error(resp, 409, "name")


def test_compound_edit_needs_the_capability_and_the_scope(world, api):
    """A station manager may not create compounds (403); a foreign community or compound is a 404."""
    payload = {"community_id": world.communities["a"].id, "name": "新小区", "management_mode": "quasi"}
    assert_error(api(world.users[Role.STATION_MANAGER]).post(f"{V1}/compounds", json=payload), 403)
    worker = api(world.users[Role.COMMUNITY_WORKER])
    assert_error(worker.post(f"{V1}/compounds", json={**payload, "community_id": world.communities["b"].id}),
                 404, "community_id")
    assert_error(worker.patch(f"{V1}/compounds/{world.compounds['b'][0].id}", json={"name": "改名"}), 404)
    assert_error(worker.patch(f"{V1}/compounds/{world.compounds['a'][0].id}", json={}), 422, "_schema")


# -- buildings and units ---------------------------------------------------------------------------
def test_buildings_and_units_are_created_and_listed(world, api, db):
    """A building (201) and a unit (201) are added; the compound's building list shows them with units."""
    compound = world.compounds["a"][1]
    client = api(world.users[Role.COMMUNITY_WORKER])
    resp = client.post(f"{V1}/compounds/{compound.id}/buildings",
                       json={"name": "2号楼", "floors": 7, "has_elevator": True})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    building = resp.get_json()
    assert building["floors"] == 7 and building["has_elevator"] is True and building["units"] == []
    resp = client.post(f"{V1}/buildings/{building['id']}/units", json={"name": "1单元"})
    assert resp.status_code == 201
    unit = resp.get_json()
    assert unit["building_id"] == building["id"] and unit["compound_id"] == compound.id
    listing = client.get(f"{V1}/compounds/{compound.id}/buildings").get_json()
    assert [(b["name"], [u["name"] for u in b["units"]]) for b in listing["items"]] == [
        ("1号楼", ["1单元"]), ("2号楼", ["1单元"])]
    assert client.get(f"{V1}/buildings/{building['id']}").get_json()["units"] == [{"id": unit["id"], "name": "1单元"}]
    assert _audit_actions(db, "Building", building["id"]) == ["building.create"]


@pytest.mark.postgres
def test_duplicate_building_or_unit_is_409_and_bad_floors_422(world, api, db):
    """A building or unit name already used is a 409 on name; floors out of range a 422."""
    compound = world.compounds["a"][0]
    building = db.session.scalar(select(Building).where(Building.compound_id == compound.id))
    client = api(world.users[Role.STATION_MANAGER])
    assert_error(client.post(f"{V1}/compounds/{compound.id}/buildings", json={"name": "1号楼"}), 409, "name")
    assert_error(client.post(f"{V1}/buildings/{building.id}/units", json={"name": "1单元"}), 409, "name")
    assert_error(client.post(f"{V1}/compounds/{compound.id}/buildings", json={"name": "9号楼", "floors": 0}),
                 422, "floors")
    assert_error(client.post(f"{V1}/compounds/{compound.id}/buildings", json={"name": "x" * 41}), 422, "name")
    assert _count(db, Building, Building.compound_id == compound.id) == 1


# -- households ------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_household_search_by_owner_name_phone_building_and_room(world, api, db):
    """GET /households finds households by owner name, owner phone, compound, building and room."""
    owner = world.persons["a"]["owner"]
    a0 = world.households["a"][0]
    client = api(world.users[Role.STREET_OFFICER])
    assert ids(client.get(f"{V1}/households", query_string={"q": "a业主"})) == {a0.id}
    assert ids(client.get(f"{V1}/households", query_string={"q": owner.phone[-6:]})) == {a0.id}
    compound = world.compounds["a"][1]
    assert ids(client.get(f"{V1}/households?compound_id={compound.id}")) == {h.id for h in world.households["a"][2:]}
    assert ids(client.get(f"{V1}/households", query_string={"compound_id": compound.id, "room": "102"})) == {
        world.households["a"][3].id}
    assert ids(client.get(f"{V1}/households", query_string={"building": "9号楼"})) == set()
    item = client.get(f"{V1}/households", query_string={"q": "a业主"}).get_json()["items"][0]
    assert item["owners"] == [{"id": owner.id, "name": "a业主", "phone": owner.phone, "is_organisation": False}]
    assert item["label"] == "1号楼1单元101" and item["area_m2"] == "65.50" and item["status"] == "active"


def test_household_list_is_paginated(world, api):
    """Lists come in the envelope {items, page, per_page, total}."""
    client = api(world.users[Role.STREET_OFFICER])
    body = client.get(f"{V1}/households?per_page=3&page=2").get_json()
    assert (body["page"], body["per_page"], body["total"], len(body["items"])) == (2, 3, 4, 1)


@pytest.mark.postgres
def test_household_is_created_with_an_exact_area(world, api, db):
    """POST /households creates a household (201); "65.5" is stored exactly and shown as "65.50"."""
    unit = db.session.scalar(select(Unit).where(Unit.compound_id == world.compounds["a"][0].id))
    client = api(world.users[Role.STATION_MANAGER])
    resp = client.post(f"{V1}/households", json={"unit_id": unit.id, "room_no": "201", "floor": 2, "area_m2": "65.5"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["area_m2"] == "65.50" and body["room_no"] == "201" and body["owners"] == [] and body["residents"] == []
    assert db.session.get(Household, body["id"]).area_m2 == Decimal("65.50")
    resp = client.post(f"{V1}/households", json={"unit_id": unit.id, "room_no": "202", "floor": 2, "area_m2": 70.25})
    assert resp.get_json()["area_m2"] == "70.25"
    assert _audit_actions(db, "Household", body["id"]) == ["household.create"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "payload, status, field",
    [
        ({"area_m2": "-3"}, 422, "area_m2"),
        ({"area_m2": 0}, 422, "area_m2"),
        ({"area_m2": 65.555}, 422, "area_m2"),
        ({"area_m2": "65.555"}, 422, "area_m2"),
        ({"area_m2": "abc"}, 422, "area_m2"),
        ({"area_m2": "NaN"}, 422, "area_m2"),
        ({"area_m2": 1e20}, 422, "area_m2"),
        ({"area_m2": True}, 422, "area_m2"),
        ({"area_m2": [65]}, 422, "area_m2"),
        ({"area_m2": None}, 422, "area_m2"),
        ({"floor": "two"}, 422, "floor"),
        ({"floor": 2.5}, 422, "floor"),
        ({"floor": 121}, 422, "floor"),
        ({"room_no": ""}, 422, "room_no"),
        ({"room_no": "1" * 21}, 422, "room_no"),
        ({"room_no": 101}, 422, "room_no"),
        ({"note": "x" * 201}, 422, "note"),
        ({"balcony": True}, 422, "balcony"),
        ({"room_no": "101"}, 409, "room_no"),
        ({"unit_id": 2_000_000_000}, 404, "unit_id"),
        ({"unit_id": 99999999999999999999}, 422, "unit_id"),
        ({"unit_id": "1"}, 422, "unit_id"),
    ],
)
def test_bad_household_input_is_refused_and_changes_nothing(world, api, db, payload, status, field):
    """Negative/zero/imprecise areas, wrong types, duplicates and unknown ids are refused per field."""
    unit = db.session.scalar(select(Unit).where(Unit.compound_id == world.compounds["a"][0].id))
    body = {"unit_id": unit.id, "room_no": "301", "floor": 3, "area_m2": "80.00", **payload}
    before = _count(db, Household), _count(db, AuditLog)
    assert_error(api(world.users[Role.COUNTY_ADMIN]).post(f"{V1}/households", json=body), status, field)
    assert (_count(db, Household), _count(db, AuditLog)) == (before[0], before[1] + 1)  # +1: the test's token


@pytest.mark.postgres
def test_json_numbers_are_read_exactly_not_through_float(world, api, db):
    """A JSON area 65.00000000000000001 (65.0 as a float) is refused: the body is parsed as Decimal."""
    unit = db.session.scalar(select(Unit).where(Unit.compound_id == world.compounds["a"][0].id))
    client = api(world.users[Role.COUNTY_ADMIN])
    raw = '{"unit_id": %d, "room_no": "301", "floor": 3, "area_m2": %s}'
    headers = {"Content-Type": "application/json"}
    assert_error(client.post(f"{V1}/households", data=raw % (unit.id, "65.00000000000000001"), headers=headers),
                 422, "area_m2")
    resp = client.post(f"{V1}/households", data=raw % (unit.id, "65.10"), headers=headers)
    assert resp.status_code == 201 and resp.get_json()["area_m2"] == "65.10"


def test_malformed_json_and_non_object_bodies_are_4xx(world, api, db):
    """Malformed, too deeply nested or absurd JSON is a 400, a JSON array or null body a 422; never a 500."""
    client = api(world.users[Role.COUNTY_ADMIN])
    headers = {"Content-Type": "application/json"}
    assert_error(client.post(f"{V1}/households", data="{not json", headers=headers), 400)
    assert_error(client.post(f"{V1}/households", data=b"\xff\xfe", headers=headers), 400)
    assert_error(client.post(f"{V1}/households", data="[1, 2]", headers=headers), 422)
    assert_error(client.post(f"{V1}/households", data="null", headers=headers), 422)
    assert_error(client.post(f"{V1}/households", data="[" * 100_000 + "]" * 100_000, headers=headers), 400)
    assert_error(client.post(f"{V1}/households", data='{"floor": ' + "9" * 5000 + "}", headers=headers), 400)
    assert_error(client.post(f"{V1}/households", data="room_no=1"), 422, "unit_id")  # not JSON: fields missing


def test_household_edit_needs_the_capability_and_the_scope(world, api):
    """Station staff may not edit households (403); another scope's household or unit is a 404."""
    household = world.households["a"][0]
    assert_error(api(world.users[Role.STATION_STAFF]).patch(f"{V1}/households/{household.id}", json={"floor": 2}), 403)
    assert_error(api(world.users[Role.OWNER]).patch(f"{V1}/households/{household.id}", json={"floor": 2}), 403)
    manager = api(world.users[Role.STATION_MANAGER])
    foreign = world.households["a"][2]  # the station does not serve compound a/2
    assert_error(manager.patch(f"{V1}/households/{foreign.id}", json={"floor": 2}), 404)
    assert_error(manager.get(f"{V1}/households/2147483648"), 404)
    assert_error(manager.get(f"{V1}/households/99999999999999999999999"), 404)


def test_household_patch_changes_area_exactly_and_audits_it(world, api, db):
    """PATCH /households/<id> changes the area exactly and records old and new values."""
    household = world.households["a"][0]
    resp = api(world.users[Role.STATION_MANAGER]).patch(f"{V1}/households/{household.id}", json={"area_m2": "72.1"})
    assert resp.status_code == 200 and resp.get_json()["area_m2"] == "72.10"
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "household.update"))
    assert row.object_id == household.id and row.changes == {"area_m2": ["65.50", "72.10"]}


@pytest.mark.postgres
def test_household_patch_to_a_taken_room_is_409(world, api, db):
    """Renaming a household to a room number its unit already has is a 409 and changes nothing."""
    a0, a1 = world.households["a"][:2]
    resp = api(world.users[Role.COUNTY_ADMIN]).patch(f"{V1}/households/{a1.id}", json={"room_no": a0.room_no})
    assert_error(resp, 409, "room_no")
    db.session.expire_all()
    assert db.session.get(Household, a1.id).room_no == "102"


# -- owners and residents --------------------------------------------------------------------------
def test_transfer_ends_the_sellers_ownership_and_keeps_history(world, api, db):
    """POST /households/<id>/transfers: the buyers own from the date; the seller moves to history as a sale."""
    household = world.households["a"][0]
    client = api(world.users[Role.STATION_MANAGER])
    resp = client.post(f"{V1}/households/{household.id}/transfers", json={
        "on": "2024-03-15", "owners": [{"name": "张三", "phone": "138 0000 1111"}, {"name": "李四"}]})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert [(o["person"]["name"], o["person"]["phone"], o["started_on"]) for o in body["current"]] == [
        ("张三", "13800001111", "2024-03-15"), ("李四", None, "2024-03-15")]
    assert [(o["person"]["name"], o["ended_on"], o["end_reason"], o["is_current"]) for o in body["history"]] == [
        ("a业主", "2024-03-15", "sale", False)]
    assert client.get(f"{V1}/households/{household.id}/owners").get_json() == body
    assert "ownership.transfer" in _audit_actions(db, "Household", household.id)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"on": "2009-12-31", "owners": [{"name": "张三"}]}, "on"),  # before the seller's ownership began
        ({"on": "2024-03-15", "owners": []}, "owners"),
        ({"on": "2024-03-15"}, "owners"),
        ({"owners": [{"name": "张三"}]}, "on"),
        ({"on": "15/03/2024", "owners": [{"name": "张三"}]}, "on"),
        ({"on": "2024-03-15", "owners": [{"name": "张三", "phone": "12"}]}, "owners.0.phone"),
        ({"on": "2024-03-15", "owners": [{"name": " "}]}, "owners.0.name"),
        ({"on": "2024-03-15", "owners": [{"name": "张三", "age": 3}]}, "owners.0.age"),
        ({"on": "2024-03-15", "owners": "张三"}, "owners"),
    ],
)
def test_bad_transfer_is_refused_and_changes_nothing(world, api, db, payload, field):
    """A transfer with a bad date, no buyers or a bad buyer is refused per field and changes nothing."""
    household = world.households["a"][0]
    before = (_count(db, Person), _count(db, Ownership))
    resp = api(world.users[Role.STATION_MANAGER]).post(f"{V1}/households/{household.id}/transfers", json=payload)
    assert_error(resp, 422, field)
    assert (_count(db, Person), _count(db, Ownership)) == before
    assert _count(db, Ownership, Ownership.household_id == household.id, Ownership.ended_on.is_(None)) == 1


@pytest.mark.postgres
def test_co_owner_is_added_once(world, api):
    """POST /households/<id>/owners adds a co-owner; adding the same person again is a 409."""
    household = world.households["a"][0]
    client = api(world.users[Role.COMMUNITY_WORKER])
    url = f"{V1}/households/{household.id}/owners"
    resp = client.post(url, json={"name": "王五", "phone": "13912345678", "started_on": "2020-01-01"})
    assert resp.status_code == 201
    assert [o["person"]["name"] for o in resp.get_json()["current"]] == ["a业主", "王五"]
    again = client.post(url, json={"name": "王五", "phone": "13912345678", "started_on": "2021-01-01"})
    assert_error(again, 409, "person")


def test_residents_move_in_and_out(world, api, db):
    """Residents are added (201), listed, and end on a date; ending twice or too early is a 422."""
    household = world.households["a"][0]
    client = api(world.users[Role.STATION_MANAGER])
    url = f"{V1}/households/{household.id}/residents"
    resp = client.post(url, json={"name": "赵六", "relation": "family", "started_on": "2020-05-01"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    residency = resp.get_json()
    assert residency["relation"] == "family" and residency["is_current"] is True
    detail = client.get(f"{V1}/households/{household.id}").get_json()
    assert [r["person"]["name"] for r in detail["residents"]] == ["赵六"]
    end = f"{url}/{residency['id']}/end"
    assert_error(client.post(end, json={"on": "2019-01-01"}), 422, "on")
    resp = client.post(end, json={"on": "2024-06-30"})
    assert resp.status_code == 200
    assert resp.get_json()["ended_on"] == "2024-06-30" and resp.get_json()["is_current"] is False
    assert_error(client.post(end, json={"on": "2024-07-01"}), 422, "residency")
    listing = client.get(url).get_json()
    assert listing["current"] == [] and [(r["person"]["name"], r["ended_on"]) for r in listing["history"]] == [
        ("赵六", "2024-06-30")]
    cousin = client.post(url, json={"name": "钱七", "relation": "cousin", "started_on": "2020-05-01"})
    assert_error(cousin, 422, "relation")
    assert _count(db, Residency, Residency.household_id == household.id) == 1


def test_resident_of_another_household_cannot_be_ended_through_this_one(world, api):
    """Ending a residency through a household it does not belong to is a 404."""
    tenant_home = world.households["a"][1]
    residents = api(world.users[Role.COUNTY_ADMIN]).get(f"{V1}/households/{tenant_home.id}/residents").get_json()
    residency_id = residents["current"][0]["id"]
    other = world.households["a"][0]
    resp = api(world.users[Role.COUNTY_ADMIN]).post(
        f"{V1}/households/{other.id}/residents/{residency_id}/end", json={"on": "2024-01-01"})
    assert_error(resp, 404)


def test_owner_sees_own_household_with_owners_and_residents(world, api, db):
    """An owner reads their own household, its owners and residents, but cannot see a neighbour's."""
    mine = world.households["a"][0]
    make_owner(mine, make_person(name="配偶"))
    neighbour = make_household(db.session.get(Unit, mine.unit_id), room_no="103")
    db.session.commit()
    client = api(world.users[Role.OWNER])
    body = client.get(f"{V1}/households/{mine.id}").get_json()
    assert [p["name"] for p in body["owners"]] == ["a业主", "配偶"]
    assert_error(client.get(f"{V1}/households/{neighbour.id}"), 404)


# -- stations --------------------------------------------------------------------------------------
def test_stations_list_filters_by_community(world, api):
    """GET /stations filters by community and shows each station's compounds."""
    client = api(world.users[Role.COUNTY_ADMIN])
    body = client.get(f"{V1}/stations?community_id={world.communities['b'].id}").get_json()
    assert [(s["name"], [c["name"] for c in s["compounds"]]) for s in body["items"]] == [("b服务站", ["b小区一"])]
    assert_error(client.get(f"{V1}/stations/2147483647"), 404)
