"""权限检查: a service's check that the acting person may do this, here — or that it runs as SYSTEM."""
# Services take the caller's `scope` and, where a person acts, that person as `actor`. SYSTEM (scheduled jobs,
# the CLI, the demo loader) may do anything; any other scope needs its own user acting, with the capability (and,
# with permit_in, the row inside the scope). Nothing is skipped because an actor or a scope is missing.
from __future__ import annotations

from typing import Any

from pm.access import Scope, require
from pm.errors import Forbidden
from pm.models import User


def permit(scope: Scope, actor: User | None, capability: str | None = None) -> None:
    """SYSTEM passes; otherwise the actor must be the scope's user and (if given) have the capability."""
    if scope.is_system:
        return
    if actor is None or scope.user is None or actor.id != scope.user.id:
        raise Forbidden("您的角色无权进行此操作")
    if capability is not None:
        require(actor, capability)


def permit_in(scope: Scope, actor: User | None, capability: str, model: Any, ident: int | None, message: str) -> None:
    """permit(), and the row `model` #ident must lie in the scope (Forbidden with `message` otherwise)."""
    permit(scope, actor, capability)
    if not scope.is_system and not scope.contains(model, ident):
        raise Forbidden(message)
