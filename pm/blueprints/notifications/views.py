"""通知 pages: one's notifications, marking them read."""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pm.access import current_scope
from pm.blueprints.webutil import paginate
from pm.services import notifications
from pm.services.labels import label_of

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    """The bell: notifications grouped by kind (counts per kind, newest first within); ?kind= lists one kind."""
    unread_only = request.args.get("unread") == "1"
    kind = request.args.get("kind") or None
    if kind:
        page = paginate(notifications.inbox(current_scope(), unread_only=unread_only, kind=kind))
        return render_template("notifications/index.html", page=page, unread_only=unread_only, kind=kind,
                               kind_label=label_of("notification_kind", kind))
    groups = notifications.grouped_inbox(current_scope(), unread_only=unread_only)
    return render_template("notifications/index.html", groups=groups, unread_only=unread_only, kind=None)


@bp.route("/read", methods=["POST"])
@login_required
def mark_all_read():
    notifications.mark_read(current_user)
    return redirect(url_for("notifications.index"))


@bp.route("/<int:note_id>/open", methods=["POST"])
@login_required
def open_one(note_id: int):
    """Mark one read and follow its link (only paths inside the app)."""
    return redirect(notifications.open_note(current_scope(), note_id) or url_for("notifications.index"))
