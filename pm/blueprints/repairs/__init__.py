"""报事报修 pages: filing (also from a public QR-code page), the station queue, a request's timeline and actions."""
from flask import Blueprint

from pm.services.labels import label, label_of

bp = Blueprint("repairs", __name__, url_prefix="/repairs")


@bp.context_processor
def _helpers():
    return {"label": label, "event_label": lambda kind: label_of("repair_event", kind)}


from pm.blueprints.repairs import views  # noqa: E402,F401
