"""审计: the one mechanism services call to record who did what to which record."""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import g, has_request_context, request

from pm.extensions import db
from pm.models import (
    AuditLog,
    Building,
    Community,
    Compound,
    County,
    Household,
    StreetOffice,
    Unit,
    User,
)
from pm.timeutil import utcnow

logger = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def diff(obj: Any, new_values: dict[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for the fields whose value changes."""
    changes = {}
    for key, new in new_values.items():
        old = getattr(obj, key)
        if old != new:
            changes[key] = [_jsonable(old), _jsonable(new)]
    return changes


def placement(obj: Any) -> dict[str, int | None]:
    """The tree nodes an object sits under, so the audit row can be scoped."""
    county_id = street_id = community_id = compound_id = None
    if isinstance(obj, (Household, Building, Unit)):
        compound_id = obj.compound_id
        obj = db.session.get(Compound, compound_id)
    if isinstance(obj, Compound):
        compound_id = obj.id
        community_id = obj.community_id
        obj = db.session.get(Community, community_id)
    if isinstance(obj, Community):
        community_id = obj.id
        street_id = obj.street_id
        obj = db.session.get(StreetOffice, street_id)
    if isinstance(obj, StreetOffice):
        street_id = obj.id
        county_id = obj.county_id
    if isinstance(obj, County):
        county_id = obj.id
    return {"county_id": county_id, "street_id": street_id, "community_id": community_id, "compound_id": compound_id}


def _token() -> dict[str, Any]:
    """The API token of the request (set by the API's authentication), to attribute the call to it."""
    token = g.get("_pm_api_token") if has_request_context() else None
    return {"token_id": token[0], "token_name": token[1]} if token else {}


def record(
    action: str,
    obj: Any,
    *,
    actor: User | None,
    changes: dict | None = None,
    place: Any = None,
) -> AuditLog:
    """Append an audit row for `action` on `obj` (placed in the tree by `place` or obj itself)."""
    where = placement(place if place is not None else obj)
    entry = AuditLog(
        created_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role.value if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        changes=_jsonable(changes) if changes else None,
        request_id=g.get("request_id") if has_request_context() else None,
        ip=request.remote_addr if has_request_context() else None,
        **_token(),
        **where,
    )
    db.session.add(entry)
    logger.info("audit %s %r by %r: %r", action, obj, actor, changes)
    return entry
