"""The one scoping mechanism: each role sees exactly its part of the tree."""
import pytest
from sqlalchemy import select

from pm.access import scope_for
from pm.models import AuditLog, Building, Community, Compound, Household, Person, Role, StreetOffice, User
from pm.services import audit
from tests.factories import make_world

ROLES = list(Role)


def _ids(db, scope, model):
    return set(db.session.scalars(scope.filter(select(model.id), model)))


def expected(w, role):
    """What each role must see in make_world(): compounds, households, streets."""
    a, b = w.compounds["a"], w.compounds["b"]
    ha, hb = w.households["a"], w.households["b"]
    every_a_household = {h.id for h in ha}
    table = {
        Role.COUNTY_ADMIN: ({c.id for c in a + b}, every_a_household | {h.id for h in hb}),
        Role.STREET_OFFICER: ({c.id for c in a}, every_a_household),
        Role.COMMUNITY_WORKER: ({c.id for c in a}, every_a_household),
        Role.STATION_MANAGER: ({a[0].id}, {ha[0].id, ha[1].id}),
        Role.STATION_STAFF: ({a[0].id}, {ha[0].id, ha[1].id}),
        Role.COMMITTEE_MEMBER: ({a[0].id}, {ha[0].id, ha[1].id}),
        Role.OWNER: ({a[0].id}, {ha[0].id}),
        Role.RESIDENT: ({a[0].id}, {ha[1].id}),
    }
    return table[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_compounds_and_households(db, role):
    """Compounds, households, buildings and streets in scope are exactly the role's own."""
    w = make_world()
    scope = scope_for(w.users[role])
    compounds, households = expected(w, role)
    assert _ids(db, scope, Compound) == compounds
    assert _ids(db, scope, Household) == households
    visible_buildings = set(db.session.scalars(select(Household.building_id).where(Household.id.in_(households))))
    assert _ids(db, scope, Building) == visible_buildings
    streets = _ids(db, scope, StreetOffice)
    if role == Role.COUNTY_ADMIN:
        assert streets == {w.streets["a"].id, w.streets["b"].id}
    else:
        assert streets == {w.streets["a"].id}
    assert w.communities["b"].id not in _ids(db, scope, Community) or role == Role.COUNTY_ADMIN


@pytest.mark.parametrize("role", ROLES)
def test_persons_in_scope_are_those_of_visible_households(db, role):
    """A person is visible only through a visible household (owner or resident)."""
    w = make_world()
    scope = scope_for(w.users[role])
    persons = _ids(db, scope, Person)
    assert w.persons["b"]["owner"].id not in persons or role == Role.COUNTY_ADMIN
    if role == Role.OWNER:
        assert persons == {w.persons["a"]["owner"].id}
    if role == Role.RESIDENT:
        assert persons == {w.persons["a"]["tenant"].id}


@pytest.mark.parametrize("role", ROLES)
def test_accounts_visible_for_administration(db, role):
    """Admins see accounts bound at or below their node; everyone sees themselves."""
    w = make_world()
    me = w.users[role]
    visible = _ids(db, scope_for(me), User)
    assert me.id in visible
    below = {
        Role.COUNTY_ADMIN: set(Role),
        Role.STREET_OFFICER: set(Role) - {Role.COUNTY_ADMIN},
        Role.COMMUNITY_WORKER: set(Role) - {Role.COUNTY_ADMIN, Role.STREET_OFFICER},
        Role.STATION_MANAGER: {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER, Role.OWNER, Role.RESIDENT},
        Role.STATION_STAFF: {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER, Role.OWNER, Role.RESIDENT},
        Role.COMMITTEE_MEMBER: {Role.COMMITTEE_MEMBER, Role.OWNER, Role.RESIDENT},
        Role.OWNER: {Role.OWNER},
        Role.RESIDENT: {Role.RESIDENT},
    }[role]
    assert visible == {w.users[r].id for r in below}


@pytest.mark.parametrize("role", ROLES)
def test_audit_rows_scoped(db, role):
    """Audit rows placed in side b are invisible to every role of side a except the county."""
    w = make_world()
    row_a = audit.record("t", w.households["a"][0], actor=None)
    row_b = audit.record("t", w.households["b"][0], actor=None)
    db.session.commit()
    visible = _ids(db, scope_for(w.users[role]), AuditLog)
    if role in (Role.OWNER, Role.RESIDENT):
        assert visible == set()
    else:
        assert row_a.id in visible
        assert (row_b.id in visible) == (role == Role.COUNTY_ADMIN)


def test_anonymous_scope_sees_nothing(db):
    """Without a user, nothing is visible."""
    make_world()
    scope = scope_for(None)
    for model in (Compound, Household, Person, User, AuditLog):
        assert _ids(db, scope, model) == set()
