"""审计 REST API: browse the audit log within the caller's scope."""
from __future__ import annotations

from flask.views import MethodView

from pm.blueprints.apiutil import api_blueprint, api_scope, api_user, paginate
from pm.blueprints.audit import schemas as s
from pm.services.audit.search import find_entries

URL_PREFIX = ""
blp = api_blueprint("audit_api", __name__, description="操作日志：谁在何时对哪条记录做了什么")


@blp.route("/audit")
class AuditLogs(MethodView):
    @blp.arguments(s.AuditArgs, location="query")
    @blp.response(200, s.AuditPage)
    def get(self, args):
        """操作日志, newest first, filtered by object, action, actor and dates (needs audit.view)."""
        stmt = find_entries(
            api_scope(), actor=api_user(), action=args.get("action"), object_type=args.get("object_type"),
            object_id=args.get("object_id"), actor_id=args.get("actor_id"), date_from=args.get("date_from"),
            date_to=args.get("date_to"), token_id=args.get("token_id"),
        )
        return paginate(stmt, args)
