"""工作台: the landing page of every role."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from pm.blueprints.main import views  # noqa: E402,F401
