"""plans blueprint (HTML): 维修资金使用方案; the REST API is in api.py."""
from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")

from pm.blueprints.fund.plans import views  # noqa: F401  (registers the routes)
