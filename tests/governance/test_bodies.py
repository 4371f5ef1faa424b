"""Bodies and members: one body per kind and place, terms on a seat never overlap, committee logins end with the
term, the firm behind a station is one record, and the compound and community pages show the bodies."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.models import BodyType, Membership, PropertyFirm, Role, Station
from pm.services.governance import bodies, firms
from pm.services.registry import tree
from pm.timeutil import local_today
from tests.factories import make_world
from tests.factories.governance import four_bodies, make_body, make_member

pytestmark = pytest.mark.postgres


def test_one_body_per_kind_and_place(db):
    """Setting up a body twice at one place answers the same body."""
    w = make_world()
    a = make_body(BodyType.PARTY, community=w.communities["a"])
    assert make_body(BodyType.PARTY, community=w.communities["a"]).id == a.id
    assert a.name == "a社区党支部"
    assert make_body(BodyType.OWNERS, compound=w.compounds["a"][0]).id != a.id


def test_overlapping_terms_on_one_seat_are_refused(db):
    """A term on a seat that overlaps another is refused; a term right after the previous one is fine."""
    w = make_world()
    body = make_body(BodyType.RESIDENTS, community=w.communities["a"])
    first = make_member(body, "甲", seat=1, started_on=date(2021, 1, 1), ends_on=date(2023, 12, 31))
    with pytest.raises(Conflict):
        make_member(body, "乙", seat=1, started_on=date(2023, 6, 1), ends_on=date(2026, 12, 31))
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1
    second = make_member(body, "乙", seat=1, started_on=date(2024, 1, 1))
    assert second.seat == first.seat == 1
    with pytest.raises(Conflict):  # moving the first term's end into the second is refused too
        bodies.end_term(first, ends_on=date(2024, 3, 1), actor=None, scope=SYSTEM)


def test_seat_defaults_to_the_lowest_free_one(db):
    """Without a seat the lowest seat free for the whole term is taken."""
    w = make_world()
    body = make_body(BodyType.RESIDENTS, community=w.communities["a"])
    assert make_member(body, "甲").seat == 1
    assert make_member(body, "乙").seat == 2


def test_owners_committee_term_at_most_five_years(db):
    """An owners' committee term needs an end, at most five years after its start."""
    w = make_world()
    body = make_body(BodyType.OWNERS, compound=w.compounds["a"][0])
    with pytest.raises(DomainError) as err:
        make_member(body, "甲", started_on=date(2024, 1, 1))
    assert "ends_on" in err.value.fields
    with pytest.raises(DomainError):
        make_member(body, "甲", started_on=date(2024, 1, 1), ends_on=date(2029, 1, 1))
    assert make_member(body, "甲", started_on=date(2024, 1, 1), ends_on=date(2028, 12, 31)).id


def test_only_managers_in_scope_add_members(db):
    """A station manager cannot add members; a community worker of another community cannot either."""
    w = make_world()
    body = make_body(BodyType.RESIDENTS, community=w.communities["b"])
    for role in (Role.STATION_MANAGER, Role.COMMUNITY_WORKER):
        user = w.users[role]
        with pytest.raises(Forbidden):
            bodies.add_member(body, name="甲", position="member", started_on=date(2024, 1, 1), actor=user,
                              scope=scope_for(user))


def test_committee_login_stops_when_term_ends(app, client, auth, db):
    """A committee login tied to a term logs in during the term; after it, login and the open session are refused."""
    w = make_world()
    user = w.users[Role.COMMITTEE_MEMBER]
    body = make_body(BodyType.OWNERS, compound=w.compounds["a"][0])
    today = local_today()
    member = make_member(body, "委员", started_on=today - timedelta(days=30), ends_on=today + timedelta(days=30))
    bodies.link_login(member, user, actor=None, scope=SYSTEM)
    db.session.commit()
    auth.login("committee")
    page = f"/governance/compounds/{w.compounds['a'][0].id}"
    assert client.get(page).status_code == 200
    bodies.end_term(member, ends_on=today - timedelta(days=1), actor=None, scope=SYSTEM)
    db.session.commit()
    assert client.get(page).status_code == 302  # the open session is refused, with the reason
    assert "任期已于" in client.get("/auth/login").get_data(as_text=True)
    auth.logout()
    page = auth.login("committee").get_data(as_text=True)
    assert "任期已于" in page


def test_committee_login_refused_for_api_after_term(api, db):
    """The API token of a committee login whose term ended is refused."""
    w = make_world()
    user = w.users[Role.COMMITTEE_MEMBER]
    body = make_body(BodyType.OWNERS, compound=w.compounds["a"][0])
    today = local_today()
    member = make_member(body, "委员", started_on=today - timedelta(days=300), ends_on=today - timedelta(days=1))
    bodies.link_login(member, user, actor=None, scope=SYSTEM)
    db.session.commit()
    assert api(user).get(f"/api/v1/governance/compounds/{w.compounds['a'][0].id}/bodies").status_code == 401


def test_station_firm_is_one_record(db):
    """Two stations named with the same firm point to one firm record; the operator text is its name."""
    w = make_world()
    s1 = tree.create_station(w.communities["a"], name="一站", compound_ids=[], operator=" 安居物业 ", actor=None,
                             scope=SYSTEM)
    s2 = tree.create_station(w.communities["a"], name="二站", compound_ids=[], operator="安居物业", actor=None,
                             scope=SYSTEM)
    assert s1.firm_id == s2.firm_id and s1.operator == "安居物业"
    assert db.session.scalar(select(func.count()).select_from(PropertyFirm)) == 1


def test_adopt_operator_names(db):
    """Stations with only a free-text firm name get their firm record, one per name."""
    w = make_world()
    for s in db.session.scalars(select(Station)):
        s.operator, s.firm_id = "老物业", None
    db.session.flush()
    firms.adopt_operator_names(w.county.id)
    db.session.expire_all()
    names = {s.firm.name for s in db.session.scalars(select(Station))}
    assert names == {"老物业"}


def test_compound_page_shows_the_four_bodies(client, auth, db, count_queries):
    """The compound's governance page and registry page list the bodies and current members (few queries)."""
    w = make_world()
    compound = w.compounds["a"][0]
    four_bodies(w.communities["a"], compound, w.stations["a"], started_on=local_today() - timedelta(days=10))
    db.session.commit()
    auth.login("owner")
    page = client.get(f"/governance/compounds/{compound.id}").get_data(as_text=True)
    assert "党书记" in page and "居委主任" in page and "业委主任" in page and "a服务站" in page
    auth.logout()
    auth.login("community")
    url = f"/governance/compounds/{compound.id}"
    client.get(url)
    with count_queries() as small:
        client.get(url)
    for i in range(5):
        make_member(make_body(BodyType.RESIDENTS, community=w.communities["a"]), f"委员{i}",
                    started_on=local_today() - timedelta(days=3))
    db.session.commit()
    with count_queries() as big:
        assert "委员4" in client.get(url).get_data(as_text=True)
    assert big.count == small.count  # no query per member
    page = client.get(f"/registry/compounds/{compound.id}").get_data(as_text=True)
    assert "业委主任" in page
    assert client.get(f"/governance/communities/{w.communities['a'].id}").status_code == 200
    assert client.get(f"/governance/communities/{w.communities['b'].id}").status_code == 404


def test_member_form_refuses_overlap(client, auth, db):
    """The member form re-shows an overlapping term with its error and stores nothing."""
    w = make_world()
    body = make_body(BodyType.RESIDENTS, community=w.communities["a"])
    make_member(body, "甲", seat=1, started_on=date(2024, 1, 1))
    db.session.commit()
    auth.login("community")
    r = client.post(f"/governance/bodies/{body.id}/members/new", data={
        "name": "乙", "position": "member", "seat": "1", "started_on": "2025-01-01"})
    assert r.status_code == 400 and "任期不能重叠" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1


def test_api_members(api, db):
    """The API adds a member, refuses an overlapping term (409) and ends a term."""
    w = make_world()
    body = make_body(BodyType.PARTY, community=w.communities["a"])
    db.session.commit()
    client = api(w.users[Role.STREET_OFFICER])
    r = client.post(f"/api/v1/governance/bodies/{body.id}/members", json={
        "name": "甲", "position": "secretary", "seat": 1, "started_on": "2024-01-01", "is_party_member": True})
    assert r.status_code == 201, r.get_json()
    r2 = client.post(f"/api/v1/governance/bodies/{body.id}/members", json={
        "name": "乙", "position": "member", "seat": 1, "started_on": "2025-01-01"})
    assert r2.status_code == 409 and "started_on" in r2.get_json()["errors"]["json"]
    r3 = client.patch(f"/api/v1/governance/members/{r.get_json()['id']}", json={"ends_on": "2024-12-31"})
    assert r3.status_code == 200 and r3.get_json()["ends_on"] == "2024-12-31"
    assert api(w.users[Role.STATION_MANAGER]).post(f"/api/v1/governance/bodies/{body.id}/members", json={
        "name": "丙", "position": "member", "started_on": "2025-01-01"}).status_code in (403, 404)
