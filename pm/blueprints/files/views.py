"""Serve a stored file of a registered kind (pm.services.storage.register_kind) to users whose scope has its row."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from pm.access import current_scope
from pm.services import storage

bp = Blueprint("files", __name__, url_prefix="/files")


@bp.route("/<kind>/<int:file_id>")
@login_required
def download(kind: str, file_id: int):
    """The file of row `file_id` of `kind`: 404 when the kind is unknown, the row is outside the user's scope,
    it has no file, or its stored path leaves UPLOAD_DIR; images inline, documents as attachments."""
    return storage.serve(current_scope(), current_user, kind, file_id)
