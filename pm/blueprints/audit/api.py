"""审计 REST API: browse the audit log within the caller's scope."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask.views import MethodView
from sqlalchemy.orm import joinedload

from pm.access import require
from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, paginate
from pm.blueprints.audit import schemas as s
from pm.models import AuditLog
from pm.timeutil import LOCAL_TZ

URL_PREFIX = ""
blp = api_blueprint("audit_api", __name__, description="操作日志：谁在何时对哪条记录做了什么")


def _local_midnight_utc(day) -> datetime:
    """The start of a local (Asia/Shanghai) day as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


@blp.route("/audit")
class AuditLogs(MethodView):
    @blp.arguments(s.AuditArgs, location="query")
    @blp.response(200, s.AuditPage)
    def get(self, args):
        """操作日志, newest first, filtered by object, action, actor and dates (needs audit.view)."""
        require(api_user(), "audit.view")
        stmt = api_scope().select(AuditLog).options(joinedload(AuditLog.actor))
        for key in ("object_type", "object_id", "action", "actor_id"):
            if args.get(key) is not None:
                stmt = stmt.where(getattr(AuditLog, key) == args[key])
        if args.get("date_from"):
            stmt = stmt.where(AuditLog.created_at >= _local_midnight_utc(args["date_from"]))
        if args.get("date_to"):
            stmt = stmt.where(AuditLog.created_at < _local_midnight_utc(args["date_to"] + timedelta(days=1)))
        return paginate(stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc()), args)
