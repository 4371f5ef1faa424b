"""Account administration pages: list, create, edit, reset password — all within the admin's scope."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import current_scope, require
from pm.blueprints.accounts import bp
from pm.blueprints.accounts.forms import ResetPasswordForm, UserEditForm, UserForm
from pm.blueprints.webutil import paginate, submit_form
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.labels import label
from pm.models import (
    Community,
    Compound,
    County,
    Person,
    Role,
    Station,
    StreetOffice,
    User,
)
from pm.models.accounts import BINDING
from pm.services import accounts
from pm.services.accounts.access import assignable_roles

NODE_KINDS = [
    ("county_id", County, _l("县")),
    ("street_id", StreetOffice, _l("街道")),
    ("community_id", Community, _l("社区")),
    ("station_id", Station, _l("服务站")),
    ("compound_id", Compound, _l("小区")),
]


def _node_choices(scope) -> list[tuple[str, str]]:
    """Every node the admin may bind an account to, as ("street_id:3", "街道 · 东街街道")."""
    within = {
        "county_id": scope.within_counties,
        "street_id": scope.within_streets,
        "community_id": scope.within_communities,
        "station_id": scope.within_stations,
        "compound_id": scope.compound_ids,
    }
    out = [("", "—")]
    for column, model, kind in NODE_KINDS:
        rows = db.session.execute(select(model.id, model.name).where(model.id.in_(within[column])).order_by(model.name))
        out.extend((f"{column}:{i}", f"{kind} · {n}") for i, n in rows)
    return out


def _binding_from_form(scope, role: Role, node: str | None, person_phone: str | None) -> int:
    """Turn the form's node (or person phone) into the binding id the role needs."""
    column = BINDING[role]
    if column == "person_id":
        from pm.services.text import normalise_phone

        phone = normalise_phone(person_phone)
        if not phone:
            raise DomainError(_("请填写业主/住户在台账中登记的电话"), field="person_phone")
        ids = db.session.scalars(scope.select(Person).where(Person.phone == phone)).all()
        if not ids:
            raise DomainError(_("您的辖区内没有登记这个电话的业主或住户"), field="person_phone")
        if len(ids) > 1:
            raise DomainError(_("这个电话登记了多人，请先在台账中更正"), field="person_phone")
        return ids[0].id
    if not node or ":" not in node:
        raise DomainError(_("请为该角色选择所属单位"), field="node")
    kind, _sep, raw = node.partition(":")
    if kind != column:
        raise DomainError(_("所选单位与角色不匹配"), field="node")
    try:
        return int(raw)
    except ValueError:
        raise DomainError(_("所属单位无效"), field="node") from None


@bp.route("/")
@login_required
def index():
    require(current_user, "accounts.manage")
    scope = current_scope()
    stmt = scope.select(User).options(
        joinedload(User.county), joinedload(User.street), joinedload(User.community), joinedload(User.station),
        joinedload(User.compound), joinedload(User.person),
    ).order_by(User.role, User.username)
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
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
        return accounts.create_user(
            actor=current_user, scope=scope, username=form.username.data, display_name=form.display_name.data,
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
    require(current_user, "accounts.manage")
    scope = current_scope()
    user = scope.get(User, user_id)
    if user.id != current_user.id and user.role not in assignable_roles(current_user):
        raise Forbidden(_("该账号不在您的管理范围内"))
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
        return accounts.update_user(
            user, actor=current_user, scope=scope, display_name=form.display_name.data,
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
    require(current_user, "accounts.manage")
    scope = current_scope()
    user = scope.get(User, user_id)
    if user.role not in assignable_roles(current_user):
        raise Forbidden(_("该账号不在您的管理范围内"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data, actor=current_user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(_("密码已重置，该账号的登录已全部失效"), "success")
            return redirect(url_for("accounts.edit", user_id=user.id))
    return redirect(url_for("accounts.edit", user_id=user.id)), 303
