"""操作日志 page: who did what to which record, filterable, within scope."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from pm.access import current_scope
from pm.blueprints.webutil import paginate
from pm.services.audit.search import find_entries

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _day(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None


@bp.route("/")
@login_required
def index():
    args = request.args
    object_id = args.get("object_id", "")
    stmt = find_entries(
        current_scope(), actor=current_user, action=(args.get("action") or "").strip() or None, action_prefix=True,
        object_type=(args.get("object_type") or "").strip() or None,
        object_id=int(object_id) if object_id.isdigit() else None,
        date_from=_day(args.get("from")), date_to=_day(args.get("to")),
    )
    query_args = {k: v for k, v in args.items() if k != "page" and v}
    return render_template("audit/index.html", page=paginate(stmt), args=args, query_args=query_args)
