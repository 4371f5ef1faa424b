"""公告/公示: targets within scope, publicity dates, residents' lists and bell, reads per household, plans' notices."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM, scope_for
from pm.errors import DomainError, Forbidden
from pm.models import Notice, NoticeRead, Notification, Role
from pm.services.notices import notices, post_notice
from pm.timeutil import local_today
from tests.asserts import assert_error, ids
from tests.fund.test_plans import draft, run
from tests.factories import make_building, make_household, make_owner, make_person, make_unit, make_user


def today(days=0):
    return local_today() + timedelta(days=days)


def by(user):
    return {"author": user, "scope": scope_for(user)}


def test_post_to_compound_notifies_owners_and_residents(world, db):
    """A notice to a compound reaches its owner and resident logins in the bell, not other compounds'."""
    notice = post_notice(**by(world.users[Role.STATION_MANAGER]), compound_id=world.compounds["a"][0].id,
                         title="停水通知", body="周六停水")
    users = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "notice.new")))
    assert users == {world.users[Role.OWNER].id, world.users[Role.RESIDENT].id}
    assert notice.starts_on == today()


@pytest.mark.parametrize("target", ["compound", "building", "unit"])
def test_target_outside_scope_is_forbidden(world, db, target):
    """A compound, building or unit outside the author's area is refused naming the field; nothing written."""
    foreign = world.households["b"][0]
    ids_ = {"compound": {"compound_id": foreign.compound_id}, "building": {"building_id": foreign.building_id},
            "unit": {"unit_id": foreign.unit_id}}[target]
    with pytest.raises(Forbidden) as err:
        post_notice(**by(world.users[Role.STATION_MANAGER]), title="x", **ids_)
    assert f"{target}_id" in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_end_before_start_and_publicity_without_end(world, db):
    """An end before the start, or a 公示 without an end, is a field error."""
    author = by(world.users[Role.COMMUNITY_WORKER])
    with pytest.raises(DomainError) as err:
        post_notice(**author, compound_id=world.compounds["a"][0].id, title="x", starts_on=today(3), ends_on=today(1))
    assert "ends_on" in err.value.fields
    with pytest.raises(DomainError) as err:
        post_notice(**author, compound_id=world.compounds["a"][0].id, title="x", kind="publicity")
    assert "ends_on" in err.value.fields


def test_building_notice_reaches_only_that_building(world, db):
    """A notice to one building is seen by its households, not by a home in another building."""
    compound = world.compounds["a"][0]
    other = make_household(make_unit(make_building(compound, name="2号楼"), name="1单元"), room_no="201")
    person = make_person(name="二号楼业主")
    make_owner(other, person)
    owner2 = make_user(Role.OWNER, person, username="owner2")
    notice = post_notice(**by(world.users[Role.STATION_MANAGER]), building_id=world.households["a"][0].building_id,
                         title="一号楼检修")
    assert scope_for(world.users[Role.OWNER]).contains(Notice, notice.id)
    assert not scope_for(owner2).contains(Notice, notice.id)
    assert notices.read_counts([notice.id])[notice.id] == (0, 2)


def test_read_counts_and_unread_households(world, db):
    """A resident's read receipt counts their household once; the unread list holds the others."""
    compound = world.compounds["a"][0]
    notice = post_notice(**by(world.users[Role.STATION_MANAGER]), compound_id=compound.id, title="通知")
    owner = world.users[Role.OWNER]
    assert notices.mark_read(notice, owner, scope=scope_for(owner)) == 1
    bell = db.session.scalars(select(Notification).where(Notification.kind == "notice.new")).all()
    assert {n.user_id for n in bell if n.read_at} == {owner.id}  # the reader's bell entry only
    assert notices.mark_read(notice, owner, scope=scope_for(owner)) == 0
    assert notices.mark_read(notice, world.users[Role.STATION_STAFF], scope=scope_for(world.users[Role.STATION_STAFF])) == 0
    assert notices.read_counts([notice.id])[notice.id] == (1, 2)
    unread = db.session.scalars(notices.unread_households_stmt(notice)).all()
    assert [h.id for h in unread] == [world.households["a"][1].id]


def test_future_notice_hidden_from_residents(world, db):
    """A notice starting tomorrow is listed for officials, not yet for residents (and not in their bell)."""
    notice = post_notice(**by(world.users[Role.STATION_MANAGER]), compound_id=world.compounds["a"][0].id,
                         title="明天", starts_on=today(1))
    resident = scope_for(world.users[Role.RESIDENT])
    assert notice.id not in {n.id for n in db.session.scalars(notices.notices_stmt(resident, today=today()))}
    staff = scope_for(world.users[Role.STATION_STAFF])
    assert notice.id in {n.id for n in db.session.scalars(notices.notices_stmt(staff, today=today()))}
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_plan_entering_publicity_posts_a_linked_notice(world, db):
    """A fund plan entering publicity posts a 公示 linking to the plan's page, for its publicity days."""
    plan = draft(world)
    run(world, plan, "publicised")
    notice = db.session.scalar(select(Notice).where(Notice.source == "plan", Notice.source_id == plan.id))
    assert notice.link == f"/plans/{plan.id}" and notice.kind == "publicity"
    assert (notice.ends_on - notice.starts_on).days == plan.publicity_days


def test_api_scoping_and_errors(api, world, db):
    """Residents list their notices, may not post; a foreign compound is 403; an end before the start is 422."""
    notice = post_notice(author=None, scope=SYSTEM, compound_id=world.compounds["a"][0].id, title="通知")
    post_notice(author=None, scope=SYSTEM, compound_id=world.compounds["b"][0].id, title="外面")
    db.session.commit()
    resident = api(world.users[Role.RESIDENT])
    assert ids(resident.get("/api/v1/notices")) == {notice.id}
    assert resident.post("/api/v1/notices", json={"compound_id": world.compounds["a"][0].id,
                                                  "title": "x"}).status_code == 403
    assert resident.post(f"/api/v1/notices/{notice.id}/read").get_json() == {"households": 1}
    manager = api(world.users[Role.STATION_MANAGER])
    detail = manager.get(f"/api/v1/notices/{notice.id}").get_json()
    assert (detail["read_households"], detail["households"]) == (1, 2)
    assert_error(manager.post("/api/v1/notices", json={"compound_id": world.compounds["b"][0].id, "title": "x"}),
                 403, "compound_id")
    assert_error(manager.post("/api/v1/notices", json={"compound_id": world.compounds["a"][0].id, "title": "x",
                                                       "starts_on": today(2).isoformat(),
                                                       "ends_on": today(1).isoformat()}), 422, "ends_on")
    unread = manager.get(f"/api/v1/notices/{notice.id}/unread-households").get_json()
    assert [h["id"] for h in unread["items"]] == [world.households["a"][0].id]


def test_web_post_read_receipt_and_unread_list(client, auth, world, db, count_queries):
    """The manager posts on the page; the owner confirms reading on the phone; the unread page lists the rest."""
    auth.login("manager")
    resp = client.post("/notices/new", data={"kind": "notice", "compound_id": world.compounds["a"][0].id,
                                             "building": "9号楼", "title": "x", "starts_on": today().isoformat()})
    assert resp.status_code == 400 and "该小区没有这个楼栋" in resp.get_data(as_text=True)
    resp = client.post("/notices/new", data={"kind": "notice", "compound_id": world.compounds["a"][0].id,
                                             "building": "1号楼", "title": "楼道清理", "starts_on": today().isoformat()})
    assert resp.status_code == 302
    notice = db.session.scalar(select(Notice))
    auth.logout()
    auth.login("owner")
    assert "楼道清理" in client.get("/notices/").get_data(as_text=True)
    assert client.post(f"/notices/{notice.id}/read").status_code == 302
    assert "您已确认阅读" in client.get(f"/notices/{notice.id}").get_data(as_text=True)
    auth.logout()
    auth.login("manager")
    page = client.get(f"/notices/{notice.id}/unread").get_data(as_text=True)
    assert f'data-household="{world.households["a"][1].id}"' in page
    assert f'data-household="{world.households["a"][0].id}"' not in page
    for _ in range(2):
        with count_queries() as q:
            client.get("/notices/")
        post_notice(author=None, scope=SYSTEM, compound_id=world.compounds["a"][0].id, title="更多")
        db.session.commit()
    with count_queries() as q2:
        client.get("/notices/")
    assert q.count == q2.count
    assert db.session.scalar(select(func.count()).select_from(NoticeRead)) == 1
