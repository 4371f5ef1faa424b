"""巡查督查: inspections at three levels with findings, and the rectification order queue (整改单)."""
from flask import Blueprint

bp = Blueprint("inspections", __name__, url_prefix="/inspections")

from pm.blueprints.inspections import views  # noqa: F401
