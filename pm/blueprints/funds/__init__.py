"""funds blueprint (HTML); the REST API is in api.py."""
from flask import Blueprint

bp = Blueprint("funds", __name__, url_prefix="/funds")
