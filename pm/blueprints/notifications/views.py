"""List one's notifications and mark them read."""
from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pm.access import current_scope
from pm.blueprints.notifications import bp
from pm.blueprints.webutil import paginate
from pm.models import Notification
from pm.services import notifications


@bp.route("/")
@login_required
def index():
    stmt = current_scope().select(Notification).order_by(Notification.id.desc())
    if request.args.get("unread") == "1":
        stmt = stmt.where(Notification.read_at.is_(None))
    return render_template("notifications/index.html", page=paginate(stmt), unread_only=request.args.get("unread") == "1")


@bp.route("/read", methods=["POST"])
@login_required
def mark_all_read():
    notifications.mark_read(current_user)
    return redirect(url_for("notifications.index"))


@bp.route("/<int:note_id>/open", methods=["POST"])
@login_required
def open_one(note_id: int):
    """Mark one read and follow its link (only paths inside the app)."""
    note = current_scope().get(Notification, note_id)
    notifications.mark_read(current_user, [note.id])
    link = note.link if note.link and note.link.startswith("/") and not note.link.startswith("//") else None
    return redirect(link or url_for("notifications.index"))
