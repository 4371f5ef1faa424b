"""Owner and resident accounts are claimed by the person (pm/services/accounts/claims.py): invitations are
one-time, expiring, attempt-limited and stored hashed; one login per person; officials never set a password;
a person-bound account sees only the homes under the nodes it was granted."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pm.access import SYSTEM, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db as _db
from pm.models import AccountGrant, ApiToken, AuditLog, ClaimCode, Household, Role, User
from pm.services.accounts import claims, passwords, users
from pm.services.accounts.codes import WrongCode
from pm.services.sms import outbox
from pm.timeutil import utcnow
from tests.factories import PASSWORD, make_owner, make_person, make_resident, make_world
from tests.factories.accounts import make_user
from tests.concurrency import one_wins, race

GOOD = "my own secret 2026"


def _new_owner(w, side="a", index=1):
    """A person who owns a home of the station's compound (side a: households 0-1) and has no account yet."""
    person = make_person(name="新业主")
    make_owner(w.households[side][index], person)
    _db.session.commit()
    return person


def _invite(w, person, method="letter", role=Role.STATION_MANAGER):
    actor = w.users[role]
    issued = claims.issue_invitation(scope_for(actor), actor, person.id, method)
    _db.session.commit()
    return issued


def _sms_code() -> str:
    return outbox()[-1]["text"].split("验证码为 ")[1][:6]


def test_letter_invitation_is_claimed_once_with_own_password(app, db):
    """The person claims with the letter's code, sets their own password and logs in; the code is spent."""
    w = make_world()
    person = _new_owner(w)
    issued = _invite(w, person)
    row = issued.invitation
    assert issued.code and len(issued.code) == 14 and row.lookup == issued.code[:4]
    assert issued.code.replace("-", "")[4:] not in row.secret_hash  # stored as a keyed hash only
    assert row.expires_at - row.created_at == timedelta(days=14)
    done = claims.claim(issued.code, username="xinyezhu", password=GOOD)
    db.session.commit()
    user = done.user
    assert done.new_account and user.role == Role.OWNER and user.person_id == person.id and user.claimed_at
    assert user.username == "xinyezhu" and user.phone == person.phone
    notice = outbox()[-1]  # the registered phone hears of a letter's claim (whoever held the letter)
    assert notice["phone"] == person.phone and "xinyezhu" in notice["text"] and "如非本人操作" in notice["text"]
    with pytest.raises(DomainError) as err:
        claims.claim(issued.code, username="again", password=GOOD)
    assert err.value.fields == {"code": ["验证码不正确或已失效"]}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.person_id == person.id)) == 1
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"claim.issue", "user.claim"} <= actions


def test_claimed_account_sees_its_homes_and_may_use_the_phone_as_username(app, db):
    w = make_world()
    person = _new_owner(w)
    issued = _invite(w, person)
    user = claims.claim(issued.code, username="", password=GOOD).user
    db.session.commit()
    assert user.username == person.phone
    assert list(db.session.scalars(scope_for(user).select(Household).with_only_columns(Household.id))) == [
        w.households["a"][1].id]


def test_expired_invitation_is_refused(app, db):
    w = make_world()
    person = _new_owner(w)
    issued = _invite(w, person)
    later = utcnow() + timedelta(days=15)
    with pytest.raises(DomainError, match="已失效"):
        claims.claim(issued.code, username="late", password=GOOD, now=later)


def test_sms_code_expires_after_15_minutes_and_needs_the_phone(app, db):
    w = make_world()
    person = _new_owner(w)
    issued = _invite(w, person, method="sms")
    assert issued.code is None and outbox()[-1]["phone"] == person.phone
    code = _sms_code()
    row = issued.invitation
    assert row.expires_at - row.created_at == timedelta(minutes=15)
    with pytest.raises(DomainError):
        claims.claim(code, phone="13900000000", username="sms1", password=GOOD)  # another phone: no such code
    with pytest.raises(DomainError, match="已失效"):
        claims.claim(code, phone=person.phone, username="sms1", password=GOOD, now=utcnow() + timedelta(minutes=16))
    user = claims.claim(code, phone=person.phone, username="sms1", password=GOOD).user
    assert user.person_id == person.id


def test_wrong_codes_are_counted_and_the_code_dies(app, db):
    """Five wrong tries kill the code, even the right one afterwards (each attempt is kept by the page)."""
    w = make_world()
    person = _new_owner(w)
    issued = _invite(w, person)
    wrong = issued.code[:5] + ("AAAA-AAAA" if not issued.code.endswith("AAAA-AAAA") else "BBBB-BBBB")
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCode, match=f"还可以再试 {left} 次"):
            claims.claim(wrong, username="g", password=GOOD)
        db.session.commit()  # what the page does (keep_changes_on_error)
    with pytest.raises(WrongCode, match="次数过多"):
        claims.claim(wrong, username="g", password=GOOD)
    db.session.commit()
    with pytest.raises(DomainError, match="次数过多"):
        claims.claim(issued.code, username="g", password=GOOD)
    assert db.session.get(ClaimCode, issued.invitation.id).attempts == 5


def test_second_invitation_for_a_claimed_person_is_refused(app, db):
    """One login per person: inviting someone who already claimed (in the same scope) is refused clearly."""
    w = make_world()
    owner = w.persons["a"]["owner"]  # world's owner account is claimed and sees their home
    with pytest.raises(Conflict, match="已经认领"):
        _invite(w, owner)


def test_official_cannot_create_or_rebind_person_accounts(app, db):
    """No direct owner/resident account (any scope, even SYSTEM), no binding an official account to a person."""
    w = make_world()
    manager = w.users[Role.STATION_MANAGER]
    person = _new_owner(w)
    for scope, actor in ((scope_for(manager), manager), (SYSTEM, None)):
        with pytest.raises(DomainError, match="认领") as err:
            users.create_user(scope=scope, actor=actor, username="fake", display_name="x", password=GOOD,
                              role=Role.OWNER, binding_id=person.id)
        assert "role" in err.value.fields
    staff = w.users[Role.STATION_STAFF]
    with pytest.raises(DomainError, match="认领"):
        users.update_user(staff, scope=scope_for(manager), actor=manager, role=Role.OWNER, binding_id=person.id)
    owner_user = w.users[Role.OWNER]
    with pytest.raises(DomainError, match="认领"):
        users.update_user(owner_user, scope=scope_for(manager), actor=manager, binding_id=person.id)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.person_id == person.id)) == 0


def test_official_cannot_set_an_owners_password_but_can_disable_and_send_a_reset_code(app, db):
    w = make_world()
    manager = w.users[Role.STATION_MANAGER]
    owner_user = w.users[Role.OWNER]
    for role in (Role.STATION_MANAGER, Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.COUNTY_ADMIN):
        actor = w.users[role]
        with pytest.raises(Forbidden, match="只能由本人设置"):
            passwords.set_password(owner_user, "officials choice", scope=scope_for(actor), actor=actor)
    with pytest.raises(Forbidden):
        passwords.set_password(owner_user, "officials choice", scope=SYSTEM, actor=None)
    row = claims.send_reset_code(scope_for(manager), manager, owner_user)
    db.session.commit()
    assert row.phone == w.persons["a"]["owner"].phone and outbox()[-1]["phone"] == row.phone
    code = outbox()[-1]["text"].split("验证码为 ")[1][:6]
    user = claims.reset_password(code, phone=row.phone, password="brand new 2026")
    db.session.commit()
    assert user.id == owner_user.id
    with pytest.raises(DomainError):  # single use
        claims.reset_password(code, phone=row.phone, password="another new 2026")
    db.session.rollback()
    users.update_user(owner_user, scope=scope_for(manager), actor=manager, is_enabled=False)
    db.session.commit()
    assert not db.session.get(User, owner_user.id).is_enabled
    actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == owner_user.id)))
    assert "claim.reset_code" in actions and "user.password" in actions and "user.update" in actions


def test_reset_code_only_for_claimed_person_accounts_in_scope(app, db):
    w = make_world()
    manager = w.users[Role.STATION_MANAGER]
    with pytest.raises(DomainError):
        claims.send_reset_code(scope_for(manager), manager, w.users[Role.STATION_STAFF])
    foreign = make_user(Role.OWNER, w.persons["b"]["owner"])
    with pytest.raises((Forbidden, DomainError)):
        claims.send_reset_code(scope_for(manager), manager, foreign)
    staff = w.users[Role.STATION_STAFF]
    with pytest.raises(Forbidden):
        claims.send_reset_code(scope_for(staff), staff, w.users[Role.OWNER])


def test_invitation_only_for_persons_with_a_home_in_scope(app, db):
    w = make_world()
    manager = w.users[Role.STATION_MANAGER]
    foreign = w.persons["b"]["owner"]
    with pytest.raises(DomainError):
        claims.issue_invitation(scope_for(manager), manager, foreign.id, "letter")
    elsewhere = make_person(name="别处业主")
    make_owner(w.households["a"][2], elsewhere)  # compound 2 of side a: not the station's
    db.session.commit()
    with pytest.raises(DomainError, match="不在您的权限范围内"):  # not a person of the scope at all
        claims.issue_invitation(scope_for(manager), manager, elsewhere.id, "letter")
    for role in (Role.STATION_STAFF, Role.COMMITTEE_MEMBER, Role.OWNER, Role.RESIDENT):
        with pytest.raises(Forbidden):
            claims.issue_invitation(scope_for(w.users[role]), w.users[role], w.persons["a"]["tenant"].id, "letter")


def test_person_bound_account_sees_only_the_inviting_scope_until_claimed_there(app, db):
    """Owning a home elsewhere does not make it visible through an account claimed at the station; a second
    invitation from the other official adds it to the same login."""
    w = make_world()
    person = _new_owner(w)  # household a[1]: the station's compound
    make_owner(w.households["b"][0], person)  # and a home on the other street
    db.session.commit()
    user = claims.claim(_invite(w, person).code, username="twohomes", password=GOOD).user
    db.session.commit()
    foreign_hh = w.households["b"][0]
    scope = scope_for(user)
    assert not scope.contains(Household, foreign_hh.id)
    assert scope.contains(Household, w.households["a"][1].id)
    other_official = make_user(Role.STREET_OFFICER, w.streets["b"])
    db.session.commit()
    issued = claims.issue_invitation(scope_for(other_official), other_official, person.id, "letter")
    db.session.commit()
    done = claims.claim(issued.code, username=None, password="")
    db.session.commit()
    assert not done.new_account and done.user.id == user.id
    assert scope_for(db.session.get(User, user.id)).contains(Household, foreign_hh.id)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.person_id == person.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AccountGrant).where(AccountGrant.user_id == user.id)) == 2


def test_resident_invitation_makes_a_resident_account(app, db):
    w = make_world()
    tenant = make_person(name="新租户")
    make_resident(w.households["a"][0], tenant)
    db.session.commit()
    issued = _invite(w, tenant)
    assert issued.invitation.role == Role.RESIDENT
    user = claims.claim(issued.code, username="zuhu2", password=GOOD).user
    assert user.role == Role.RESIDENT


def test_claim_takes_over_an_unclaimed_legacy_account(app, db):
    """An account an official made before claims existed (disabled by the migration) is taken over by the
    person: same login row, the person's username and password, enabled."""
    w = make_world()
    person = _new_owner(w)
    legacy = make_user(Role.OWNER, person, username="legacy", claimed_at=None, is_enabled=False)
    db.session.commit()
    user = claims.claim(_invite(w, person).code, username="mine", password=GOOD).user
    db.session.commit()
    assert user.id == legacy.id and user.username == "mine" and user.is_enabled and user.claimed_at


def test_owners_and_residents_cannot_create_api_tokens(app, db):
    from pm.services.accounts.tokens import create_api_token

    w = make_world()
    for role in (Role.OWNER, Role.RESIDENT):
        user = w.users[role]
        with pytest.raises(Forbidden):
            create_api_token(user, "mine", scope=scope_for(user), actor=user)
        with pytest.raises(Forbidden):
            create_api_token(user, "cli", scope=SYSTEM, actor=None)


@pytest.mark.pg_only
def test_parallel_claims_of_one_code_make_exactly_one_account(app, db, backend):
    """Two (or more) people racing with the same code: exactly one account, the others refused."""
    if backend != "postgresql":
        pytest.skip("row locks and unique-key races need PostgreSQL")
    w = make_world()
    person = _new_owner(w)
    code = _invite(w, person).code
    threads_n = 6

    def work(i: int) -> None:
        claims.claim(code, username=f"racer{i}", password=GOOD)

    assert race(app, threads_n, work, refused=(DomainError, IntegrityError)) == one_wins(threads_n)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.person_id == person.id)) == 1


@pytest.mark.postgres
def test_one_login_per_person_is_a_unique_key(app, db):
    """Even a direct insert cannot give a person a second login."""
    from sqlalchemy.exc import IntegrityError

    w = make_world()
    with pytest.raises(IntegrityError):
        make_user(Role.RESIDENT, w.persons["a"]["owner"])
    db.session.rollback()


def test_owner_password_login_still_works(app, db, client):
    w = make_world()
    assert client.post("/auth/login", data={"username": "owner", "password": PASSWORD}).status_code == 302
    assert w


def test_cli_refuses_api_tokens_for_owners(runner, db):
    """`flask pm create-token` (the API has no token endpoint) refuses an owner's or resident's account."""
    make_world()
    for username in ("owner", "resident"):
        result = runner.invoke(args=["pm", "create-token", "--username", username, "--name", "x"])
        assert result.exit_code != 0 and "不能创建 API 令牌" in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
