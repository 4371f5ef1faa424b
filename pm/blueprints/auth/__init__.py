"""登录: login, logout, language switch, password change, personal API tokens."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from pm.blueprints.auth import views  # noqa: E402,F401
