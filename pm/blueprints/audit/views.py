"""The audit trail page: who did what to which record, filterable, within scope."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from pm.access import current_scope, require
from pm.blueprints.audit import bp
from pm.blueprints.webutil import paginate
from pm.models import AuditLog
from pm.timeutil import LOCAL_TZ


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


@bp.route("/")
@login_required
def index():
    require(current_user, "audit.view")
    stmt = current_scope().select(AuditLog).options(joinedload(AuditLog.actor)).order_by(AuditLog.id.desc())
    args = request.args
    if args.get("action"):
        stmt = stmt.where(AuditLog.action.startswith(args["action"].strip()))
    if args.get("object_type"):
        stmt = stmt.where(AuditLog.object_type == args["object_type"].strip())
    if args.get("object_id", "").isdigit():
        stmt = stmt.where(AuditLog.object_id == int(args["object_id"]))
    start, end = _day(args.get("from")), _day(args.get("to"))
    if start:
        stmt = stmt.where(AuditLog.created_at >= datetime.combine(start, time.min, LOCAL_TZ))
    if end:
        stmt = stmt.where(AuditLog.created_at < datetime.combine(end + timedelta(days=1), time.min, LOCAL_TZ))
    query_args = {k: v for k, v in args.items() if k != "page" and v}
    return render_template("audit/index.html", page=paginate(stmt), args=args, query_args=query_args)
