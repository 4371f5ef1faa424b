"""资金公示 as a notice: publishing a compound's yearly statement posts one 公示 to its households that links to the
statement's page; the owners are told in the bell; once per compound and year, even when clicked twice at once."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db as _db
from pm.models import Notice, NoticeKind, Notification, Role, User
from pm.services.fund import statement_notice
from pm.timeutil import local_today
from tests.asserts import assert_error
from tests.factories import make_world
from tests.factories.fund import deposit, open_account

LAST = local_today().year - 1


@pytest.fixture
def world(db):
    w = make_world()
    deposit(open_account(w.households["a"][0], 10_000), 10_000, date(LAST, 5, 1))
    db.session.commit()
    return w


def _publish(user, compound, year=LAST):
    return statement_notice.publish_statement(user, scope=scope_for(user), compound_id=compound.id, year=year)


def test_publishing_posts_a_notice_linking_to_the_statement(world, db):
    street, compound = world.users[Role.STREET_OFFICER], world.compounds["a"][0]
    notice = _publish(street, compound)
    assert (notice.compound_id, notice.building_id, notice.unit_id) == (compound.id, None, None)
    assert notice.kind == NoticeKind.PUBLICITY and notice.link == f"/statements/compounds/{compound.id}/{LAST}"
    assert (notice.source, notice.source_id) == ("statement", LAST) and str(LAST) in notice.title
    assert notice.ends_on > notice.starts_on == local_today()
    owner = world.users[Role.OWNER]
    bell = db.session.scalars(select(Notification).where(Notification.user_id == owner.id,
                                                         Notification.kind == "notice.new")).all()
    assert [n.link for n in bell] == [f"/notices/{notice.id}"]
    assert statement_notice.published_notice(compound.id, LAST).id == notice.id


def test_bad_publications_change_nothing(world, db):
    street, compound = world.users[Role.STREET_OFFICER], world.compounds["a"][0]
    with pytest.raises(DomainError) as err:  # a year that has not ended
        _publish(street, compound, year=local_today().year)
    assert "year" in err.value.fields
    with pytest.raises(DomainError):
        _publish(street, compound, year=1980)
    with pytest.raises(NotFound):  # a compound of another street
        _publish(street, world.compounds["b"][0])
    for role in (Role.COMMUNITY_WORKER, Role.STATION_MANAGER, Role.COMMITTEE_MEMBER, Role.OWNER):
        with pytest.raises(Forbidden):
            _publish(world.users[role], compound)
    assert db.session.scalar(select(func.count(Notice.id))) == 0
    _publish(street, compound)
    with pytest.raises(Conflict):
        _publish(world.users[Role.COUNTY_ADMIN], compound)
    assert db.session.scalar(select(func.count(Notice.id))) == 1


def test_api_and_page(world, db, api, client, auth):
    compound = world.compounds["a"][0]
    url = f"/api/v1/statements/compounds/{compound.id}/{LAST}/publication"
    assert_error(api(world.users[Role.COMMUNITY_WORKER]).post(url), 403)
    assert_error(api(world.users[Role.STREET_OFFICER]).post(
        f"/api/v1/statements/compounds/{compound.id}/{local_today().year}/publication"), 422)
    resp = api(world.users[Role.STREET_OFFICER]).post(url)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["link"] == f"/statements/compounds/{compound.id}/{LAST}"
    assert_error(api(world.users[Role.COUNTY_ADMIN]).post(url), 409)
    assert db.session.scalar(select(func.count(Notice.id))) == 1
    # the page: the other compound's publish button, then its published line
    other = world.compounds["a"][1]
    auth.login("street")
    page = client.get(f"/statements/compounds/{other.id}/{LAST}").get_data(as_text=True)
    assert 'id="statement-publish"' in page
    assert client.post(f"/statements/compounds/{other.id}/{LAST}/publish").status_code == 302
    page = client.get(f"/statements/compounds/{other.id}/{LAST}").get_data(as_text=True)
    assert 'id="statement-published"' in page and 'id="statement-publish"' not in page
    again = client.post(f"/statements/compounds/{other.id}/{LAST}/publish")
    assert again.status_code == 400 and "已发布" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notice.id))) == 2
    auth.logout()
    auth.login("owner")
    page = client.get(f"/statements/compounds/{compound.id}/{LAST}").get_data(as_text=True)
    assert 'id="statement-published"' in page and 'id="statement-publish"' not in page


@pytest.mark.pg_only
def test_parallel_publications_post_one_notice(app, db, world, backend):
    if backend != "postgresql":
        pytest.skip("the race needs PostgreSQL")
    threads_n = 6
    user_id, compound_id = world.users[Role.STREET_OFFICER].id, world.compounds["a"][0].id
    db.session.commit()
    barrier = threading.Barrier(threads_n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with app.app_context():
            user = _db.session.get(User, user_id)
            barrier.wait()
            try:
                statement_notice.publish_statement(user, scope=scope_for(user), compound_id=compound_id, year=LAST)
                _db.session.commit()
                result = "ok"
            except Conflict:
                _db.session.rollback()
                result = "refused"
            finally:
                _db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["ok"] + ["refused"] * (threads_n - 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Notice.id))) == 1
