"""imports blueprint."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports" or None)
