"""服务站日常: teams, work logs, the month calendar of missing logs, patrol routes and check-ins."""
from flask import Blueprint

bp = Blueprint("stations", __name__, url_prefix="/stationwork")

from pm.blueprints.stations import views  # noqa: F401
