"""台账 checks: who may change which part of the registry, and the small helpers every registry service shares."""
from __future__ import annotations

from typing import Any

from pm.access import Scope, require
from pm.errors import Forbidden
from pm.models import Compound, User
from pm.services import audit
from pm.services.text import N_


def permit(scope: Scope, actor: User | None, capability: str) -> None:
    """SYSTEM (jobs, the CLI, the demo loader) may do anything; a person needs the capability, acting as themselves."""
    if scope.is_system:
        return
    if actor is None or scope.user is None or actor.id != scope.user.id:
        raise Forbidden("您的角色无权进行此操作")
    require(actor, capability)


def permit_in(scope: Scope, actor: User | None, capability: str, model: Any, ident: int | None, message: str) -> None:
    """permit(), and the row `model` #ident must lie in the scope (Forbidden with `message` otherwise)."""
    permit(scope, actor, capability)
    if not scope.is_system and not scope.contains(model, ident):
        raise Forbidden(message)


def clean(value: Any) -> Any:
    """A typed value trimmed (strings only)."""
    return value.strip() if isinstance(value, str) else value


def apply_values(obj: Any, values: dict[str, Any]) -> dict:
    """Set the values on obj; the {field: [old, new]} of those that changed (for the audit row)."""
    changes = audit.diff(obj, values)
    for key, value in values.items():
        setattr(obj, key, value)
    return changes


def permit_household_edit(scope: Scope, actor: User | None, compound_id: int) -> None:
    """Buildings, units, households and the people in them are edited by household.edit inside the compound."""
    permit_in(scope, actor, "household.edit", Compound, compound_id, N_("该小区不在您的管理范围内"))
