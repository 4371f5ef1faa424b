"""操作日志 reads: one service for the page and the API — scope, capability, exact or prefix actions."""
from __future__ import annotations

import pytest

from pm.access import SYSTEM, scope_for
from pm.errors import Forbidden
from pm.models import Role
from pm.services import audit
from pm.services.audit.search import find_entries
from tests.factories import make_world


@pytest.fixture
def world(app, db):
    return make_world()


def _ids(db, stmt) -> list[int]:
    return [row.id for row in db.session.scalars(stmt)]


def test_prefix_and_exact_actions(world, db):
    """The page filters by action prefix, the API by exact action; a % or _ typed is literal."""
    compound = world.compounds["a"][0]
    update = audit.record("compound.update", compound, actor=None)
    item = audit.record("compound.renovation", compound, actor=None)
    audit.record("household.update", world.households["a"][0], actor=None)
    db.session.commit()
    officer = world.users[Role.STREET_OFFICER]
    scope = scope_for(officer)
    assert _ids(db, find_entries(scope, actor=officer, action="compound.", action_prefix=True)) == [item.id, update.id]
    assert _ids(db, find_entries(scope, actor=officer, action="compound.update")) == [update.id]
    assert _ids(db, find_entries(scope, actor=officer, action="compound%", action_prefix=True)) == []


def test_needs_audit_view_and_scope(world, db):
    """Station staff may not read the log; a street officer sees only rows placed in their street."""
    staff = world.users[Role.STATION_STAFF]
    with pytest.raises(Forbidden):
        find_entries(scope_for(staff), actor=staff)
    own = audit.record("compound.update", world.compounds["a"][0], actor=None)
    foreign = audit.record("compound.update", world.compounds["b"][0], actor=None)
    db.session.commit()
    officer = world.users[Role.STREET_OFFICER]
    assert _ids(db, find_entries(scope_for(officer), actor=officer)) == [own.id]
    assert set(_ids(db, find_entries(SYSTEM, actor=None))) >= {own.id, foreign.id}
