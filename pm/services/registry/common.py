"""台账 helpers: who may edit households, and the small helpers every registry service shares."""
from __future__ import annotations

from typing import Any

from pm.access import Scope, authorise_in
from pm.models import Compound, User
from pm.services import audit
from pm.services.text import N_


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
    authorise_in(scope, actor, "household.edit", Compound, compound_id, N_("该小区不在您的管理范围内"))
