"""操作日志查询: the audit trail an administrator may read, filtered by action, object, actor and local dates."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.models import AuditLog, User
from pm.timeutil import LOCAL_TZ


def local_midnight(day: date) -> datetime:
    """The start of a local (Asia/Shanghai) day as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def find_entries(scope: Scope, *, actor: User | None, action: str | None = None, action_prefix: bool = False,
                 object_type: str | None = None, object_id: int | None = None, actor_id: int | None = None,
                 date_from: date | None = None, date_to: date | None = None, token_id: int | None = None) -> Select:
    """Audit rows in scope (for audit.view), newest first, with their actor loaded.

    `action` matches exactly, or as a prefix ("household." for every household action); the dates are whole
    days in Beijing time, both inclusive."""
    authorise(scope, actor, "audit.view")
    stmt = scope.select(AuditLog).options(joinedload(AuditLog.actor))
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action, autoescape=True) if action_prefix
                          else AuditLog.action == action)
    if object_type:
        stmt = stmt.where(AuditLog.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditLog.object_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditLog.actor_id == actor_id)
    if token_id is not None:
        stmt = stmt.where(AuditLog.token_id == token_id)
    if date_from:
        stmt = stmt.where(AuditLog.created_at >= local_midnight(date_from))
    if date_to:
        stmt = stmt.where(AuditLog.created_at < local_midnight(date_to + timedelta(days=1)))
    return stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
