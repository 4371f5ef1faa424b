"""Registry pages: browse, search, create and edit with validation, owners with history."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.models import AuditLog, Compound, Household, Ownership, OwnershipEnd, Residency
from tests.factories import make_world


def _login(auth, username):
    assert auth.login(username).status_code == 302


def test_tree_lists_only_scope(client, auth, db):
    """A street officer's tree shows the street's compounds and not another street's."""
    make_world()
    _login(auth, "street")
    html = client.get("/registry/").get_data(as_text=True)
    assert "a小区一" in html and "a小区二" in html
    assert "b小区一" not in html


def test_compound_page_and_foreign_compound_404(client, auth, db):
    """A compound in scope renders; one outside scope is a 404 (its existence is not revealed)."""
    w = make_world()
    _login(auth, "manager")
    assert client.get(f"/registry/compounds/{w.compounds['a'][0].id}").status_code == 200
    assert client.get(f"/registry/compounds/{w.compounds['a'][1].id}").status_code == 404
    assert client.get(f"/registry/compounds/{w.compounds['b'][0].id}").status_code == 404


def test_create_compound(client, auth, db):
    """A community worker creates a compound in their community; it is audited."""
    w = make_world()
    _login(auth, "community")
    resp = client.post(
        f"/registry/compounds/new?community_id={w.communities['a'].id}",
        data={"name": "新建小区", "year_built": "1998", "floor_area_m2": "12345.67", "management_mode": "self",
              "service_grade": "2", "renovation_class": "basic"},
    )
    assert resp.status_code == 302
    c = db.session.scalar(select(Compound).where(Compound.name == "新建小区"))
    assert c.floor_area_m2 == Decimal("12345.67")
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "compound.create")) == 1


@pytest.mark.postgres
def test_create_compound_bad_input_changes_nothing(client, auth, db):
    """A negative area and a duplicate name re-show the form with messages; nothing is created."""
    w = make_world()
    _login(auth, "community")
    before = db.session.scalar(select(func.count()).select_from(Compound))
    url = f"/registry/compounds/new?community_id={w.communities['a'].id}"
    resp = client.post(url, data={"name": "X", "floor_area_m2": "-5", "management_mode": "self", "service_grade": "2"})
    assert resp.status_code == 400 and "面积必须大于 0" in resp.get_data(as_text=True)
    resp = client.post(url, data={"name": "a小区一", "management_mode": "self", "service_grade": "2"})
    assert resp.status_code == 400 and "同名小区" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Compound)) == before


def test_create_compound_in_foreign_community_is_404(client, auth, db):
    """A community worker cannot create a compound in another community."""
    w = make_world()
    _login(auth, "community")
    resp = client.post(f"/registry/compounds/new?community_id={w.communities['b'].id}",
                       data={"name": "越权", "management_mode": "self", "service_grade": "2"})
    assert resp.status_code == 404


def test_station_manager_registers_household(client, auth, db):
    """A station manager registers a household; building and unit are created as needed."""
    w = make_world()
    _login(auth, "manager")
    c = w.compounds["a"][0]
    resp = client.post(f"/registry/compounds/{c.id}/households/new",
                       data={"building": "9号楼", "unit": "1单元", "room_no": "301", "floor": "3", "area_m2": "88.05"})
    assert resp.status_code == 302
    h = db.session.scalar(select(Household).where(Household.room_no == "301"))
    assert h.area_m2 == Decimal("88.05") and h.compound_id == c.id


@pytest.mark.postgres
def test_household_duplicate_room_and_bad_area(client, auth, db):
    """A duplicate room, a zero area and three decimals are refused with the reason."""
    w = make_world()
    _login(auth, "manager")
    c = w.compounds["a"][0]
    url = f"/registry/compounds/{c.id}/households/new"
    cases = [
        ({"room_no": "101", "area_m2": "60"}, "已有此房号"),
        ({"room_no": "999", "area_m2": "0"}, "面积必须大于 0"),
        ({"room_no": "999", "area_m2": "60.123"}, "两位小数"),
        ({"room_no": "999", "area_m2": "abc"}, "面积必须是数字"),
    ]
    before = db.session.scalar(select(func.count()).select_from(Household))
    for data, reason in cases:
        resp = client.post(url, data={"building": "1号楼", "unit": "1单元", "floor": "1", **data})
        assert resp.status_code == 400, data
        assert reason in resp.get_data(as_text=True), data
    assert db.session.scalar(select(func.count()).select_from(Household)) == before


def test_staff_and_owner_cannot_edit(client, auth, db):
    """Station staff and owners may not edit the registry (403), nothing changes."""
    w = make_world()
    h = w.households["a"][0]
    for username in ("staff", "owner"):
        _login(auth, username)
        resp = client.post(f"/registry/households/{h.id}/edit",
                           data={"room_no": "101", "floor": "1", "area_m2": "10"})
        assert resp.status_code == 403
        auth.logout()
    db.session.refresh(h)
    assert h.area_m2 == Decimal("65.50")


def test_area_change_is_audited(client, auth, db):
    """Changing a household's area records old and new values in the audit trail."""
    w = make_world()
    _login(auth, "community")
    h = w.households["a"][0]
    resp = client.post(f"/registry/households/{h.id}/edit", data={"room_no": "101", "floor": "1", "area_m2": "70.25"})
    assert resp.status_code == 302
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "household.update"))
    assert row.changes == {"area_m2": ["65.50", "70.25"]}
    assert row.compound_id == h.compound_id


def test_transfer_keeps_history(client, auth, db):
    """A sale ends the seller's ownership and starts the buyer's; both stay on record."""
    w = make_world()
    _login(auth, "community")
    h = w.households["a"][0]
    resp = client.post(f"/registry/households/{h.id}/transfer", data={"name": "买方", "phone": "13700000001", "on": "2024-05-01"})
    assert resp.status_code == 302
    rows = db.session.scalars(select(Ownership).where(Ownership.household_id == h.id).order_by(Ownership.id)).all()
    assert [(r.ended_on, r.end_reason) for r in rows] == [(date(2024, 5, 1), OwnershipEnd.SALE), (None, None)]
    html = client.get(f"/registry/households/{h.id}").get_data(as_text=True)
    assert "a业主" in html and "买方" in html


def test_transfer_before_current_start_refused(client, auth, db):
    """A sale dated before the current owner's start is refused; ownership unchanged."""
    w = make_world()
    _login(auth, "community")
    h = w.households["a"][0]
    client.post(f"/registry/households/{h.id}/transfer", data={"name": "买方", "on": "2000-01-01"})
    assert db.session.scalar(select(func.count()).select_from(Ownership).where(Ownership.household_id == h.id)) == 1


def test_residents_move_in_and_out(client, auth, db):
    """A tenant is registered and later moved out; the record stays."""
    w = make_world()
    _login(auth, "manager")
    h = w.households["a"][0]
    client.post(f"/registry/households/{h.id}/residents", data={"name": "新租户", "relation": "tenant", "started_on": "2025-01-01"})
    r = db.session.scalar(select(Residency).where(Residency.household_id == h.id))
    resp = client.post(f"/registry/households/{h.id}/residents/{r.id}/end", data={"on": "2025-06-30"})
    assert resp.status_code == 302
    db.session.refresh(r)
    assert r.ended_on == date(2025, 6, 30)


@pytest.mark.postgres
def test_search_by_owner_name_phone_and_room(client, auth, db):
    """Search finds a household by owner name, phone or room, only within scope."""
    w = make_world()
    _login(auth, "street")
    phone = w.persons["a"]["owner"].phone
    for query in ("q=a业主", f"q={phone}", "room=102"):
        html = client.get(f"/registry/search?{query}").get_data(as_text=True)
        assert "a小区" in html, query
    html = client.get("/registry/search?q=b业主").get_data(as_text=True)
    assert "没有找到" in html


def test_owner_sees_only_own_household(client, auth, db):
    """An owner opens their own household; a neighbour's is a 404."""
    w = make_world()
    _login(auth, "owner")
    assert client.get(f"/registry/households/{w.households['a'][0].id}").status_code == 200
    assert client.get(f"/registry/households/{w.households['a'][1].id}").status_code == 404
    assert client.get("/registry/").status_code == 403


def test_household_list_queries_do_not_grow(client, auth, db, count_queries):
    """The building page issues the same number of queries for 3 or 30 households."""
    from tests.factories import make_household, make_owner

    w = make_world()
    unit = w.households["a"][0].unit
    _login(auth, "community")
    url = f"/registry/buildings/{unit.building_id}"
    client.get(url)
    with count_queries() as small:
        client.get(url)
    for i in range(30):
        make_owner(make_household(unit, room_no=f"9{i:02d}"))
    db.session.commit()
    with count_queries() as large:
        client.get(url)
    assert large.count == small.count


def test_county_admin_adds_street_community_station(client, auth, db):
    """The county admin adds a street, a community under it, and a station serving a compound."""
    from pm.models import Community, Station, StreetOffice

    w = make_world()
    auth.login("county")
    assert client.post("/registry/streets/new", data={"name": "新街道"}).status_code == 302
    street = db.session.scalar(select(StreetOffice).where(StreetOffice.name == "新街道"))
    assert client.post(f"/registry/streets/{street.id}/communities/new", data={"name": "新社区"}).status_code == 302
    community = db.session.scalar(select(Community).where(Community.name == "新社区"))
    c = w.compounds["a"][1]
    resp = client.post(f"/registry/communities/{community.id}/stations/new",
                       data={"name": "新服务站", "compound_ids": [str(c.id)]})
    assert resp.status_code == 302
    station = db.session.scalar(select(Station).where(Station.name == "新服务站"))
    assert [x.id for x in station.compounds] == [c.id]
    resp = client.post("/registry/streets/new", data={"name": "新街道"})
    assert resp.status_code == 400 and "同名街道" in resp.get_data(as_text=True)


def test_only_county_admin_edits_tree(client, auth, db):
    """A street officer cannot add streets (403)."""
    make_world()
    auth.login("street")
    assert client.post("/registry/streets/new", data={"name": "越权街道"}).status_code == 403


def test_refusals_are_shown_in_english(client, auth, db):
    """A service's refusal is shown in the reader's language (its message is a msgid with parameters)."""
    w = make_world()
    _login(auth, "community")
    client.post("/auth/lang/en", data={"next": "/registry/"})
    h = w.households["a"][0]
    resp = client.post(f"/registry/households/{h.id}/transfer", data={"name": "买方", "phone": "12", "on": "2024-05-01"},
                       follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "手机号/电话号码格式不正确" not in html and "phone" in html.lower()
    resp = client.post(f"/registry/households/{h.id}/transfer", data={"name": "买方", "on": "2000-01-01"},
                       follow_redirects=True)
    assert "The transfer date is before the current owner&#39;s start date" in resp.get_data(as_text=True)
