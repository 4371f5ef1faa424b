"""服务站日常: teams, work logs, the month calendar of missing logs, patrol routes and check-ins."""
from flask import Blueprint

from pm.services.labels import label

bp = Blueprint("stations", __name__, url_prefix="/stationwork")


@bp.context_processor
def _helpers():
    return {"label": label}


from pm.blueprints.stations import views  # noqa: E402,F401
