"""registry blueprint."""
from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry" or None)
