"""维修资金 blueprint (HTML pages under /funds); the REST API is in api.py."""
from flask import Blueprint

bp = Blueprint("funds", __name__, url_prefix="/funds")

from pm.blueprints.fund.ledger import views  # noqa: F401
