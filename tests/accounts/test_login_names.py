"""Login names (issue 8, item 3): a typed name means one account — its username, else a phone exactly one
account has — and accounts are created so that no username is another account's phone and no phone another
account's username."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pm.access import SYSTEM
from pm.errors import DomainError
from pm.models import Role, User
from pm.services.accounts import login, users
from pm.services.accounts.loginnames import check_login_names
from tests.asserts import assert_error
from tests.factories import PASSWORD, api_client, make_county, make_user, make_world

GOOD = "a long enough secret"


@pytest.fixture
def county(app, db):
    return make_county()


def _create(county, username, phone=None):
    return users.create_user(scope=SYSTEM, actor=None, username=username, display_name="x", password=GOOD,
                             role=Role.COUNTY_ADMIN, binding_id=county.id, phone=phone)


def _refused(county, username, phone=None) -> list[str]:
    with pytest.raises(DomainError) as err:
        _create(county, username, phone)
    return list(err.value.fields)


def test_a_phone_cannot_be_another_accounts_username(county):
    """An account whose username is 13912345678 blocks that phone for every other account."""
    _create(county, "13912345678")
    assert _refused(county, "someone", phone="139 1234 5678") == ["phone"]


def test_a_username_cannot_be_another_accounts_phone(county):
    """A username that is a phone number is refused when another account has that phone, however written."""
    _create(county, "alice", phone="13912345678")
    assert _refused(county, "13912345678") == ["phone"]
    assert _refused(county, "+86 139-1234-5678") == ["phone"]


def test_a_phone_like_username_is_the_accounts_own_phone(county):
    """A username that is a phone number is stored as digits and becomes the account's phone; a different
    phone next to it is refused."""
    user = _create(county, "+86 139 1234 5678")
    assert user.username == user.phone == "13912345678"
    assert _refused(county, "13800001111", phone="13900002222") == ["username"]


def test_phones_follow_the_shared_rule(county):
    """The phone is validated by pm.services.text's one rule: not a phone → refused on `phone`."""
    assert _refused(county, "bob", phone="12345") == ["phone"]
    assert _refused(county, "bob", phone="call me") == ["phone"]


def test_usernames_are_text(county):
    """A blank username or one with control characters is refused on `username`."""
    assert _refused(county, "  ") == ["username"]
    assert _refused(county, "a\x00b") == ["username"]


def test_checks_exclude_the_account_itself(app, db, county):
    """An account may keep its own username and phone (the rule is about other accounts)."""
    user = _create(county, "carol", phone="13700001111")
    assert check_login_names("carol", "13700001111", user_id=user.id) == ("carol", "13700001111")


def test_login_by_username_or_unambiguous_phone(app, db, county):
    """A username logs in its account; a phone (written any way) the one account that has it."""
    user = _create(county, "dave", phone="13600001111")
    assert login.find_account("dave").id == user.id
    assert login.find_account("136-0000-1111").id == user.id
    assert login.find_account("13600001112") is None
    assert login.find_account("") is None


def test_a_phone_shared_by_old_accounts_logs_in_nobody(app, db, county):
    """Accounts made before the rule may share a phone: that phone logs in neither of them (same answer as an
    unknown name), while their usernames still work."""
    a = make_user(Role.COUNTY_ADMIN, county, username="old-a", phone="13500001111")
    b = make_user(Role.COUNTY_ADMIN, county, username="old-b", phone="13500001111")
    db.session.commit()
    assert login.find_account("13500001111") is None
    with pytest.raises(DomainError) as err:
        login.authenticate("13500001111", PASSWORD)
    assert err.value.message == "用户名或密码不正确"
    assert login.authenticate("old-a", PASSWORD).id == a.id and login.authenticate("old-b", PASSWORD).id == b.id


def test_a_username_wins_over_an_old_accounts_phone(app, db, county):
    """Old data where one account's username is another's phone: the username decides (defined, not a guess)."""
    named = make_user(Role.COUNTY_ADMIN, county, username="13400001111")
    make_user(Role.COUNTY_ADMIN, county, username="other", phone="13400001111")
    assert login.find_account("13400001111").id == named.id


def test_api_refuses_a_phone_that_is_another_accounts_username(app, db):
    """POST /api/v1/users: a phone equal to another account's username is a 422 on `phone`, nothing created."""
    world = make_world()
    street = world.users[Role.STREET_OFFICER]
    make_user(Role.STATION_STAFF, world.stations["a"], username="13312345678")
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(User))
    resp = api_client(app, street).post("/api/v1/users", json={
        "username": "newstaff", "display_name": "新员工", "password": GOOD, "role": "station_staff",
        "binding_id": world.stations["a"].id, "phone": "133 1234 5678"})
    assert_error(resp, 422, "phone")
    assert db.session.scalar(select(func.count()).select_from(User)) == before
