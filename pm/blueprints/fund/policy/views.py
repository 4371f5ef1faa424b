"""本县资金使用规则 page: the rules in force, their versions, and (county admins) a new version from a date."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pm.access import current_scope, require
from pm.blueprints.fund.policy.forms import PolicyForm
from pm.blueprints.webutil import errors_to_form
from pm.errors import DomainError
from pm.extensions import db
from pm.services.fund import policy_versions
from pm.services.fund.access import APPROVER_ROLES
from pm.services.fund.policy import RETURNS_KEYS
from pm.services.labels import label_of
from pm.timeutil import local_today

bp = Blueprint("fundpolicy", __name__, url_prefix="/funds/policy")


def _reason_lines(text: str) -> list[dict]:
    """"code text" per line (a standard case's code alone takes its standard text)."""
    out = []
    for line in (text or "").splitlines():
        code, _sep, rest = line.strip().partition(" ")
        if code:
            out.append({"code": code, "label": rest.strip() or None})
    return out


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    require(current_user, "fund.rates")
    scope = current_scope()
    county_id = current_user.county_id
    if county_id is None:
        abort(404)
    county, row, policy = policy_versions.county_policy(scope, county_id)
    form = PolicyForm()
    form.approver.choices = [(code, label_of("fund_approver", code)) for code in APPROVER_ROLES]
    form.returns_key.choices = [(code, label_of("returns_key", code)) for code in RETURNS_KEYS]
    if request.method == "GET":
        form.effective_from.data = local_today()
        form.approver.data, form.returns_key.data = policy.approver, policy.returns_key
        form.publicity_days.data, form.vote_days.data = policy.publicity_days, policy.vote_days
        form.emergency_reasons.data = "\n".join(f"{c} {t}" for c, t in policy.emergency_reasons.items())
    elif form.validate_on_submit():
        try:
            policy_versions.set_policy(
                scope, current_user, county.id, effective_from=form.effective_from.data,
                approver=form.approver.data, publicity_days=form.publicity_days.data, vote_days=form.vote_days.data,
                returns_key=form.returns_key.data, emergency_reasons=_reason_lines(form.emergency_reasons.data))
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            flash(_("新版本已保存"), "success")
            return redirect(url_for("fundpolicy.index"))
    history = list(db.session.scalars(policy_versions.versions(scope, county.id).limit(50)))
    return render_template("fund/policy.html", form=form, county=county, row=row, policy=policy,
                           history=history, label_of=label_of), 400 if request.method == "POST" else 200
