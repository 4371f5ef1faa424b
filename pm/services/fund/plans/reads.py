"""方案查询: the reads the plan pages and the API share — plans in a user's scope and a plan's audited steps."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.extensions import db
from pm.models import AuditLog
from pm.models.fund import PlanStatus, UsePlan


def plans_stmt(scope: Scope, *, status: PlanStatus | str | None = None, compound_id: int | None = None,
               options: tuple = (joinedload(UsePlan.compound),)) -> Select:
    """SELECT of the plans the user may see (owners: their compound's), newest first, optionally of one status or
    compound. An unknown status selects nothing rather than everything."""
    stmt = scope.select(UsePlan).options(*options).order_by(UsePlan.created_at.desc(), UsePlan.id.desc())
    if status:
        if status not in {s.value for s in PlanStatus}:
            return stmt.where(UsePlan.id.is_(None))
        stmt = stmt.where(UsePlan.status == status)
    if compound_id:
        stmt = stmt.where(UsePlan.compound_id == compound_id)
    return stmt


def timeline(plan: UsePlan) -> list[AuditLog]:
    """The plan's audited steps in order (the caller loaded the plan through the user's scope)."""
    return list(db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "UsePlan", AuditLog.object_id == plan.id)
        .order_by(AuditLog.created_at, AuditLog.id)
    ))
