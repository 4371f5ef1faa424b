"""操作日志: browse the audit trail within the admin's scope (HTML; REST in api.py)."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

from pm.blueprints.audit import views  # noqa: E402,F401
