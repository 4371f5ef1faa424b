"""工作台 pages: each role's home page (its work as cards of linked figures), the staff member's start/done
buttons, and the list of compounds not inspected this week."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import current_scope, require
from pm.blueprints.webutil import paginate
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Role
from pm.services import dashboard
from pm.services.repairs import queue, workflow
from pm.timeutil import utcnow

bp = Blueprint("dashboard", __name__)

RESIDENT_ROLES = (Role.OWNER, Role.RESIDENT)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("dashboard.dashboard"))


@bp.route("/dashboard", endpoint="dashboard")
@login_required
def dashboard_page():
    """The user's work: cards of figures, each linked to the filtered list behind it."""
    scope = current_scope()
    home, cards = dashboard.home_cards(current_user, scope, now=utcnow())
    homes = dashboard.my_households(scope) if current_user.role in RESIDENT_ROLES else []
    return render_template("dashboard/home.html", cards=cards, home=home, homes=homes,
                           resident=current_user.role in RESIDENT_ROLES, location_label=queue.location_label)


@bp.route("/dashboard/jobs/<int:request_id>/<any(start, done):step>", methods=["POST"])
@login_required
def job_step(request_id: int, step: str):
    """"Start" or "done" on one of my jobs, through the repair workflow; back to the home page either way."""
    scope = current_scope()
    req = queue.load(scope, request_id)
    try:
        if step == "start":
            workflow.start(req, actor=current_user, scope=scope)
        else:
            workflow.complete(req, actor=current_user, scope=scope, note=request.form.get("note"))
    except DomainError as err:  # nothing changed: say why on the home page
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("dashboard.dashboard"))
    flash(_("工单 #%(id)s 已开始处理", id=req.id) if step == "start" else _("工单 #%(id)s 已完工", id=req.id),
          "success")
    return redirect(url_for("dashboard.dashboard"))


@bp.route("/dashboard/inspections-due")
@login_required
def inspections_due():
    """本周应督查: the compounds in the user's area not inspected since Monday."""
    require(current_user, "inspection.view")
    home = dashboard.Home(user=current_user, scope=current_scope(), now=utcnow())
    page = paginate(dashboard.inspections_due_stmt(home))
    return render_template("dashboard/inspections_due.html", page=page, since=home.week_start)
