"""台账: the organisation registry (HTML pages; the REST API is in api.py)."""
from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")

from pm.blueprints.registry import views  # noqa: E402,F401
