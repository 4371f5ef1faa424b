"""网格与志愿者: grids in a community, residents join from the phone, hours logged by the community, yearly tally."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import Role, Volunteer, VolunteerHours
from pm.services.volunteers import volunteers
from pm.timeutil import local_today
from tests.asserts import assert_error, ids


def by(user):
    return {"scope": scope_for(user)}


def grid(world, name="一网格", compounds=None):
    worker = world.users[Role.COMMUNITY_WORKER]
    return volunteers.create_grid(worker, **by(worker), community_id=world.communities["a"].id, name=name,
                                  worker_name="李", party_group="党小组",
                                  compound_ids=[c.id for c in (compounds or world.compounds["a"][:1])])


def join(world, role=Role.OWNER, activity="patrol"):
    user = world.users[role]
    return volunteers.join(user, **by(user), activity=activity)


def test_grid_covers_compounds_of_its_community_only(world, db):
    """A grid lists compounds of its community; another community's compound is refused."""
    g = grid(world)
    assert [c.id for c in g.compounds] == [world.compounds["a"][0].id]
    worker = world.users[Role.COMMUNITY_WORKER]
    with pytest.raises(DomainError) as err:
        volunteers.create_grid(worker, **by(worker), community_id=world.communities["a"].id, name="二", worker_name="x",
                               compound_ids=[world.compounds["b"][0].id])
    assert "compound_ids" in err.value.fields
    with pytest.raises(Forbidden):
        volunteers.create_grid(worker, **by(worker), community_id=world.communities["b"].id, name="三", worker_name="x")


def test_resident_joins_once_in_the_grid_of_their_home(world, db):
    """Joining puts the volunteer in the grid covering their home; joining the same activity again is a Conflict."""
    g = grid(world)
    v = join(world)
    assert v.grid_id == g.id and v.compound_id == world.compounds["a"][0].id
    with pytest.raises(Conflict):
        join(world)
    with pytest.raises(Forbidden):
        volunteers.join(world.users[Role.STATION_STAFF], **by(world.users[Role.STATION_STAFF]), activity="patrol")


@pytest.mark.parametrize("served_on, hours, field", [
    (1, "2", "served_on"), (0, "-1", "hours"), (0, "0", "hours"), (0, "25", "hours"), (0, "1.25", "hours"),
    (0, "abc", "hours"), (None, "2", "served_on")])
def test_bad_hours_are_refused(world, db, served_on, hours, field):
    """Hours in the future, negative, zero, over 24, with two decimals or not a number: a field error, nothing saved."""
    v = join(world)
    worker = world.users[Role.COMMUNITY_WORKER]
    day = None if served_on is None else local_today() + timedelta(days=served_on)
    with pytest.raises(DomainError) as err:
        volunteers.log_hours(v, worker, **by(worker), served_on=day, hours=hours)
    assert field in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(VolunteerHours)) == 0


def test_yearly_tally_per_grid_and_person(world, db):
    """Hours of the year add up per grid and per person; last year's do not count."""
    g = grid(world)
    worker = world.users[Role.COMMUNITY_WORKER]
    owner, tenant = join(world), join(world, Role.RESIDENT, "elderly_help")
    year = local_today().year
    for v, day, hours in ((owner, date(year, 1, 5), "2"), (owner, date(year, 1, 6), "1.5"),
                          (tenant, date(year, 1, 5), "3"), (tenant, date(year - 1, 12, 30), "8")):
        volunteers.log_hours(v, worker, **by(worker), served_on=day, hours=hours)
    per_grid, per_person = volunteers.tally(scope_for(worker), year)
    assert [(r.key, r.volunteers, r.hours) for r in per_grid] == [(g.id, 2, Decimal("6.5"))]
    assert [(r.name, r.hours) for r in per_person] == [("a业主", Decimal("3.5")), ("a租户", Decimal("3.0"))]


def test_residents_see_only_their_own_registrations(api, world, db):
    """An owner lists only their own registration; the community sees both; the other side's worker none."""
    owner_v, tenant_v = join(world), join(world, Role.RESIDENT, "elderly_help")
    db.session.commit()
    assert ids(api(world.users[Role.OWNER]).get("/api/v1/volunteers")) == {owner_v.id}
    assert ids(api(world.users[Role.COMMUNITY_WORKER]).get("/api/v1/volunteers")) == {owner_v.id, tenant_v.id}
    assert api(world.users[Role.COMMITTEE_MEMBER]).get("/api/v1/volunteers").status_code == 403


def test_api_join_hours_and_tally(api, world, db):
    """A resident joins by API; the community logs hours (future → 422); the tally shows them."""
    grid(world)
    db.session.commit()
    resp = api(world.users[Role.RESIDENT]).post("/api/v1/volunteers", json={"activity": "garbage_sorting"})
    assert resp.status_code == 201, resp.get_json()
    vid = resp.get_json()["id"]
    worker = api(world.users[Role.COMMUNITY_WORKER])
    future = (local_today() + timedelta(days=1)).isoformat()
    assert_error(worker.post(f"/api/v1/volunteers/{vid}/hours", json={"served_on": future, "hours": "2"}), 422,
                 "served_on")
    assert_error(worker.post(f"/api/v1/volunteers/{vid}/hours", json={"served_on": local_today().isoformat(),
                                                                       "hours": -2}), 422, "hours")
    ok = worker.post(f"/api/v1/volunteers/{vid}/hours", json={"served_on": local_today().isoformat(), "hours": "2.5"})
    assert ok.status_code == 201 and ok.get_json()["hours"] == "2.5"
    tally = worker.get(f"/api/v1/volunteers/tally?year={local_today().year}").get_json()
    assert tally["per_person"][0]["hours"] == "2.5"
    assert api(world.users[Role.RESIDENT]).post(f"/api/v1/volunteers/{vid}/hours", json={
        "served_on": local_today().isoformat(), "hours": "1"}).status_code == 403


def test_web_join_from_the_phone_and_log_hours(client, auth, world, db):
    """The owner joins on the page; the community worker logs hours on the volunteer's page; the tally shows them."""
    grid(world)
    db.session.commit()
    auth.login("owner")
    assert client.post("/volunteers/", data={"activity": "parking_guidance"}).status_code == 302
    v = db.session.scalar(select(Volunteer))
    auth.logout()
    auth.login("community")
    bad = client.post(f"/volunteers/{v.id}", data={"served_on": local_today().isoformat(), "hours": "-1"})
    assert bad.status_code == 400 and "服务时长必须大于零" in bad.get_data(as_text=True)
    assert client.post(f"/volunteers/{v.id}", data={"served_on": local_today().isoformat(),
                                                    "hours": "1.5"}).status_code == 302
    page = client.get("/volunteers/tally").get_data(as_text=True)
    assert "1.5" in page and "一网格" in page


def test_register_and_tally_pages_run_a_fixed_number_of_queries(client, auth, world, db, count_queries):
    """The register list and the tally do not grow with the number of volunteers and hours."""
    grid(world)
    worker = world.users[Role.COMMUNITY_WORKER]
    v = join(world)
    db.session.commit()
    auth.login("community")
    counts = []
    for n in range(2):
        client.get("/volunteers/")
        with count_queries() as q:
            assert client.get("/volunteers/").status_code == 200
            assert client.get("/volunteers/tally").status_code == 200
        counts.append(q.count)
        if n == 0:
            join(world, Role.RESIDENT, "elderly_help")
            for day in range(3):
                volunteers.log_hours(v, worker, **by(worker), served_on=local_today() - timedelta(days=day), hours="1")
            db.session.commit()
    assert counts[0] == counts[1]


def test_grid_page_picks_buildings_of_its_community(world, db, client, auth):
    """The grid form offers the area's buildings grouped by compound (searchable); a grid saved with buildings
    lists them; a building of another community is refused under its field and nothing is saved."""
    from pm.models import Building, Grid
    a1, a2 = world.compounds["a"]
    b_building = db.session.scalar(select(Building).where(Building.compound_id == world.compounds["b"][0].id))
    mine = db.session.scalars(select(Building).where(Building.compound_id.in_([a1.id, a2.id]))
                              .order_by(Building.id)).all()
    auth.login("community")
    page = client.get("/volunteers/grids/").get_data(as_text=True)
    assert f'<optgroup label="{a1.name}">' in page and 'name="building_ids"' in page
    assert f'value="{mine[0].id}"' in page and f'value="{b_building.id}"' not in page  # only the area's
    form = {"community_id": world.communities["a"].id, "name": "二网格", "worker_name": "王",
            "compound_ids": [a1.id], "building_ids": [mine[0].id, b_building.id]}
    bad = client.post("/volunteers/grids/", data=form)
    assert bad.status_code == 400
    assert db.session.scalar(select(func.count(Grid.id))) == 0
    form["building_ids"] = [b.id for b in mine]
    assert client.post("/volunteers/grids/", data=form).status_code == 302
    saved = db.session.scalar(select(Grid))
    assert sorted(b.id for b in saved.buildings) == sorted(b.id for b in mine)
    assert f"{a2.name} {mine[-1].name}" in client.get("/volunteers/grids/").get_data(as_text=True)


def test_grid_service_refuses_a_building_of_another_community(world, db):
    from pm.models import Building
    worker = world.users[Role.COMMUNITY_WORKER]
    other = db.session.scalar(select(Building).where(Building.compound_id == world.compounds["b"][0].id))
    with pytest.raises(DomainError) as err:
        volunteers.create_grid(worker, **by(worker), community_id=world.communities["a"].id, name="三",
                               worker_name="x", building_ids=[other.id])
    assert "building_ids" in err.value.fields


def test_volunteer_page_ids_are_unique(client, auth, world, db):
    """The hours list and the hours field do not share an id (the field's label must focus the field)."""
    grid(world)
    v = join(world)
    db.session.commit()
    auth.login("community")
    page = client.get(f"/volunteers/{v.id}").get_data(as_text=True)
    assert page.count('id="hours"') == 1 and re.search(r'<input[^>]*id="hours"', page)
