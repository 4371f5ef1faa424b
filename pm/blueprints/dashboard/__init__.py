"""工作台: the landing page of every role."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from pm.blueprints.dashboard import views  # noqa: E402,F401
