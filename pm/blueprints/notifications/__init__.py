"""通知: the bell page — a user's own notifications, newest first."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from pm.blueprints.notifications import views  # noqa: E402,F401
