"""账号管理 pages: list, create, edit, reset password — all within the admin's scope."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required

from pm.access import current_scope, require
from pm.blueprints.accounts.forms import ResetPasswordForm, UserEditForm, UserForm
from pm.blueprints.webutil import paginate, submit_form
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Role
from pm.models.accounts import BINDING
from pm.services.accounts import bindings, passwords, users
from pm.services.accounts.access import assignable_roles
from pm.services.labels import label

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

NODE_KINDS = {"county_id": _l("县"), "street_id": _l("街道"), "community_id": _l("社区"), "station_id": _l("服务站"),
              "compound_id": _l("小区")}


def _node_choices(scope) -> list[tuple[str, str]]:
    """Every node the admin may bind an account to, as ("street_id:3", "街道 · 东街街道")."""
    return [("", "—")] + [(f"{column}:{node_id}", f"{NODE_KINDS[column]} · {name}")
                          for column, node_id, name in bindings.bindable_nodes(scope)]


def _binding_from_form(scope, role: Role, node: str | None, person_phone: str | None) -> int:
    """Turn the form's node (or person phone) into the binding id the role needs."""
    if BINDING[role] == "person_id":
        return users.person_by_phone(scope, person_phone).id
    if not node or ":" not in node:
        raise DomainError("请为该角色选择所属单位", field="node")
    kind, _sep, raw = node.partition(":")
    if kind != BINDING[role]:
        raise DomainError("所选单位与角色不匹配", field="node")
    try:
        return int(raw)
    except ValueError:
        raise DomainError("所属单位无效", field="node") from None


@bp.route("/")
@login_required
def index():
    role = request.args.get("role")
    stmt = users.find_users(current_scope(), actor=current_user, by_role=True,
                            role=Role(role) if role in {r.value for r in Role} else None)
    return render_template("accounts/index.html", page=paginate(stmt), roles=list(Role), role=role)


@bp.route("/new", methods=["GET", "POST"])
@fresh_login_required
def new():
    require(current_user, "accounts.manage")
    scope = current_scope()
    form = UserForm()
    form.role.choices = [(r.value, label(r)) for r in assignable_roles(current_user)]
    form.node.choices = _node_choices(scope)

    def create():
        role = Role(form.role.data)
        return users.create_user(
            scope=scope, actor=current_user, username=form.username.data, display_name=form.display_name.data,
            password=form.password.data, role=role, phone=form.phone.data or None,
            binding_id=_binding_from_form(scope, role, form.node.data, form.person_phone.data),
        )

    return submit_form(
        form, create, done=_("账号已创建"), redirect_to=url_for("accounts.index"),
        template="accounts/form.html", aliases={"binding_id": "node"}, user=None,
    )


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@fresh_login_required
def edit(user_id: int):
    scope = current_scope()
    user = users.manageable(scope, current_user, user_id)
    form = UserEditForm(obj=user)
    roles = assignable_roles(current_user)
    form.role.choices = [(r.value, label(r)) for r in roles] or [(user.role.value, label(user.role))]
    form.node.choices = _node_choices(scope)
    if request.method == "GET":
        form.role.data = user.role.value
        column = BINDING[user.role]
        form.node.data = f"{column}:{user.binding_id}" if column != "person_id" else ""

    def update():
        role = Role(form.role.data)
        binding = None
        if BINDING[role] != "person_id":
            binding = _binding_from_form(scope, role, form.node.data, None)
        return users.update_user(
            user, scope=scope, actor=current_user, display_name=form.display_name.data,
            is_enabled=form.is_enabled.data, role=role if role != user.role or binding is not None else None,
            binding_id=binding,
        )

    return submit_form(
        form, update, done=_("已保存"), redirect_to=url_for("accounts.index"), template="accounts/form.html",
        aliases={"binding_id": "node"}, user=user, reset_form=ResetPasswordForm(formdata=None),
    )


@bp.route("/<int:user_id>/password", methods=["POST"])
@fresh_login_required
def reset_password(user_id: int):
    scope = current_scope()
    user = users.manageable(scope, current_user, user_id, own=False)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            passwords.set_password(user, form.password.data, scope=scope, actor=current_user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(_("密码已重置，该账号的登录已全部失效"), "success")
            return redirect(url_for("accounts.edit", user_id=user.id))
    return redirect(url_for("accounts.edit", user_id=user.id)), 303
