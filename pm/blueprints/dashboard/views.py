"""工作台 page: what this role does next."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from pm.access import current_scope
from pm.models import ManagementMode, Role
from pm.services import dashboard

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("dashboard.dashboard"))


@bp.route("/dashboard", endpoint="dashboard")
@login_required
def dashboard_page():
    scope = current_scope()
    if current_user.role in (Role.OWNER, Role.RESIDENT):
        return render_template(
            "dashboard/dashboard_resident.html", homes=dashboard.my_households(scope),
            todo=dashboard.resident_summary(scope, current_user),
        )
    return render_template(
        "dashboard/dashboard.html",
        summary=dashboard.summary(scope),
        imports=dashboard.recent_imports(scope),
        modes=list(ManagementMode),
    )
