"""认领账号 pages (public, phone-friendly): claim an account with an invitation code, reset a password with a
code sent to the registered phone. The code is the authority here; nobody is logged in."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from pm.blueprints.claims.forms import ClaimForm, ResetForm
from pm.blueprints.webutil import errors_to_form
from pm.errors import DomainError
from pm.extensions import db
from pm.services.accounts import claims
from pm.services.accounts.codes import WrongCode
from pm.transactions import keep_changes_on_error

bp = Blueprint("claims", __name__, url_prefix="/claim")


def _failed(err: DomainError) -> None:
    """A wrong code keeps its counted attempt (and nothing else was written); any other error rolls back."""
    if isinstance(err, WrongCode):
        keep_changes_on_error()
    else:
        db.session.rollback()


@bp.route("", methods=["GET", "POST"])
def claim():
    form = ClaimForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:32]  # the letter's QR code carries it
    if form.validate_on_submit():
        try:
            done = claims.claim(form.code.data, username=form.username.data, password=form.password.data,
                                phone=form.phone.data)
        except DomainError as err:
            _failed(err)
            errors_to_form(form, err)
        else:
            message = (_("账号已认领：请用用户名 %(username)s 和您刚设置的密码登录。", username=done.user.username)
                       if done.new_account else
                       _("已把这处房屋加入您的账号 %(username)s，请用原来的密码登录。", username=done.user.username))
            return render_template("claims/done.html", message=message)
    return render_template("claims/claim.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user = claims.reset_password(form.code.data, phone=form.phone.data, password=form.password.data)
        except DomainError as err:
            _failed(err)
            errors_to_form(form, err)
        else:
            return render_template("claims/done.html", message=_(
                "新密码已设置，其他设备上的登录已失效。请用用户名 %(username)s 登录。", username=user.username))
    return render_template("claims/reset.html", form=form), 400 if request.method == "POST" else 200
