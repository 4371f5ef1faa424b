"""账号 services: explicit scope (SYSTEM for the CLI and demo), one phone rule, resets and tokens within scope."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from pm.access import SYSTEM, scope_for
from pm.errors import DomainError, Forbidden, NotFound
from pm.models import AuditLog, Role
from pm.services.accounts import login, passwords, tokens, users
from tests.factories import PASSWORD, make_user, make_world

GOOD = "a long enough secret"


@pytest.fixture
def world(app, db):
    return make_world()


def test_system_creates_any_account_without_actor(world, db):
    """SYSTEM (CLI, demo loader) may create any role anywhere; the audit row has no actor."""
    user = users.create_user(scope=SYSTEM, actor=None, username="ops", display_name="运维", password=GOOD,
                             role=Role.COUNTY_ADMIN, binding_id=world.county.id)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert entry.object_id == user.id and entry.actor_id is None


def test_person_scope_without_actor_is_refused(world, db):
    """actor=None under a person's scope no longer means "skip the checks"."""
    officer = world.users[Role.STREET_OFFICER]
    with pytest.raises(Forbidden):
        users.create_user(scope=scope_for(officer), actor=None, username="x1", display_name="x", password=GOOD,
                          role=Role.STATION_STAFF, binding_id=world.stations["a"].id)


def test_phone_is_stored_normalised_and_logs_in_as_typed(world, db):
    """An account's phone follows the one phone rule; logging in with it written another way works."""
    officer = world.users[Role.STREET_OFFICER]
    user = users.create_user(scope=scope_for(officer), actor=officer, username="mgr2", display_name="x",
                             password=GOOD, role=Role.STATION_MANAGER, binding_id=world.stations["a"].id,
                             phone="+86 139-1234-5678")
    assert user.phone == "13912345678"
    assert login.authenticate("139 1234 5678", GOOD).id == user.id
    with pytest.raises(DomainError) as err:
        users.create_user(scope=SYSTEM, actor=None, username="mgr3", display_name="x", password=GOOD,
                          role=Role.STATION_MANAGER, binding_id=world.stations["a"].id, phone="13912345678")
    assert "phone" in err.value.fields


def test_bad_phone_is_refused_on_its_field(world, db):
    """A phone that is not a mobile or a landline with area code is refused on `phone`."""
    with pytest.raises(DomainError) as err:
        users.create_user(scope=SYSTEM, actor=None, username="p", display_name="x", password=GOOD,
                          role=Role.COUNTY_ADMIN, binding_id=world.county.id, phone="call me")
    assert list(err.value.fields) == ["phone"]


def test_person_by_phone_in_scope(world, db):
    """An owner's account is bound to the one person in scope registered with the phone (normalised)."""
    manager = world.users[Role.STATION_MANAGER]
    owner = world.persons["a"]["owner"]
    typed = f"{owner.phone[:3]} {owner.phone[3:7]} {owner.phone[7:]}"
    assert users.person_by_phone(scope_for(manager), typed).id == owner.id
    with pytest.raises(DomainError) as err:
        users.person_by_phone(scope_for(manager), world.persons["b"]["owner"].phone)
    assert list(err.value.fields) == ["person_phone"]
    with pytest.raises(DomainError) as err:
        users.person_by_phone(scope_for(manager), "12")
    assert list(err.value.fields) == ["person_phone"]


def test_admin_reset_only_below_and_in_scope(world, db):
    """An administrator resets passwords of lower roles in scope; not a peer, not a foreign account."""
    manager = world.users[Role.STATION_MANAGER]
    staff = world.users[Role.STATION_STAFF]
    passwords.set_password(staff, GOOD, scope=scope_for(manager), actor=manager)
    assert login.authenticate("staff", GOOD).id == staff.id
    foreign = make_user(Role.STATION_STAFF, world.stations["b"])
    with pytest.raises(Forbidden):
        passwords.set_password(foreign, GOOD, scope=scope_for(manager), actor=manager)
    officer = world.users[Role.STREET_OFFICER]
    with pytest.raises(Forbidden):
        passwords.set_password(officer, GOOD, scope=scope_for(manager), actor=manager)


def test_own_password_change_needs_the_old_one(world, db):
    """Changing one's own password needs the old password."""
    staff = world.users[Role.STATION_STAFF]
    with pytest.raises(DomainError) as err:
        passwords.set_password(staff, GOOD, scope=scope_for(staff), actor=staff, old_password="wrong")
    assert "old_password" in err.value.fields
    passwords.set_password(staff, GOOD, scope=scope_for(staff), actor=staff, old_password=PASSWORD)


def test_manageable_refuses_peers_and_own_for_reset(world, db):
    """An administrator opens their own account and lower ones; a reset page refuses their own."""
    manager = world.users[Role.STATION_MANAGER]
    scope = scope_for(manager)
    assert users.manageable(scope, manager, manager.id).id == manager.id
    with pytest.raises(Forbidden):
        users.manageable(scope, manager, manager.id, own=False)
    with pytest.raises(NotFound):
        users.manageable(scope, manager, world.users[Role.COUNTY_ADMIN].id)


def test_tokens_are_ones_own(world, db):
    """A person issues and revokes only their own tokens; SYSTEM (the CLI) issues anyone's."""
    officer, staff = world.users[Role.STREET_OFFICER], world.users[Role.STATION_STAFF]
    with pytest.raises(Forbidden):
        tokens.create_api_token(staff, "x", scope=scope_for(officer), actor=officer)
    token, raw = tokens.create_api_token(staff, "cli", scope=SYSTEM, actor=None)
    db.session.commit()  # the token check records its use on a connection of its own
    assert tokens.user_for_token(raw).id == staff.id
    with pytest.raises(Forbidden):
        tokens.revoke_api_token(token, scope=scope_for(officer), actor=officer)
    tokens.revoke_api_token(token, scope=scope_for(staff), actor=staff)
    assert tokens.user_for_token(raw) is None
    assert tokens.own_token(officer, token.id) is None and tokens.own_token(staff, token.id).id == token.id


