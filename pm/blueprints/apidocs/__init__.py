"""apidocs blueprint."""
from flask import Blueprint

bp = Blueprint("apidocs", __name__, url_prefix="/api/v1" or None)
