"""plans blueprint (HTML); the REST API is in api.py."""
from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")
