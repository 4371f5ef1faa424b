"""账号管理: account administration within the admin's scope (HTML; REST in api.py)."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

from pm.blueprints.accounts import views  # noqa: E402,F401
