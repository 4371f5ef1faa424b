"""statements blueprint (HTML); the REST API is in api.py."""
from flask import Blueprint

bp = Blueprint("statements", __name__, url_prefix="/statements")

from pm.blueprints.fund.statements import views  # noqa: F401
