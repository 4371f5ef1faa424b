"""巡查督查: inspections at three levels with findings, and the rectification order queue (整改单)."""
from flask import Blueprint

from pm.services.labels import label

bp = Blueprint("inspections", __name__, url_prefix="/inspections")


@bp.context_processor
def _helpers():
    return {"label": label}


from pm.blueprints.inspections import views  # noqa: E402,F401
