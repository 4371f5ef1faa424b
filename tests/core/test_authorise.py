"""权限检查: SYSTEM passes; a person must act under their own scope, with the capability, on a row in scope."""
from __future__ import annotations

import pytest

from pm.access import SYSTEM, scope_for
from pm.access import authorise
from pm.access import authorise_in
from pm.errors import Forbidden
from pm.models import Compound, Role
from tests.factories import make_world


@pytest.fixture
def world(app, db):
    return make_world()


def test_system_passes_without_actor(world):
    """Jobs, the CLI and the demo loader act as SYSTEM: no actor, no capability, any row."""
    authorise(SYSTEM, None, "tree.edit")
    authorise_in(SYSTEM, None, "tree.edit", Compound, world.compounds["b"][0].id, "x")


@pytest.mark.parametrize("who", ["nobody", "someone else"])
def test_a_persons_scope_needs_that_person(world, who):
    """Under a person's scope, no actor or another actor is refused (no silent bypass)."""
    manager = world.users[Role.STATION_MANAGER]
    actor = None if who == "nobody" else world.users[Role.COUNTY_ADMIN]
    with pytest.raises(Forbidden):
        authorise(scope_for(manager), actor, "household.edit")


def test_capability_and_row(world):
    """The capability is the role's; the row must be in the scope (Forbidden with the caller's message)."""
    manager = world.users[Role.STATION_MANAGER]
    scope = scope_for(manager)
    authorise(scope, manager)
    authorise_in(scope, manager, "household.edit", Compound, world.compounds["a"][0].id, "x")
    with pytest.raises(Forbidden):
        authorise(scope, manager, "tree.edit")
    with pytest.raises(Forbidden) as err:
        authorise_in(scope, manager, "household.edit", Compound, world.compounds["a"][1].id, "不在范围内")
    assert err.value.message == "不在范围内"
