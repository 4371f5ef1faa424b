"""账号管理 pages: list, create, edit, reset password — all within the admin's scope."""
from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required
from markupsafe import Markup

from pm.access import current_scope, require
from pm.blueprints.accounts.forms import (
    FindPersonForm,
    InviteForm,
    ResetCodeForm,
    ResetPasswordForm,
    ServiceAccountForm,
    ServiceTokenForm,
    UserEditForm,
    UserForm,
)
from pm.blueprints.webutil import errors_to_form, paginate, submit_form
from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import Person, Role
from pm.models.accounts import BINDING, PERSON_ROLES
from pm.services.accounts import bindings, claims, passwords, service, users
from pm.services.accounts.access import creatable_roles
from pm.services.labels import label

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

NODE_KINDS = {"county_id": _l("县"), "street_id": _l("街道"), "community_id": _l("社区"), "station_id": _l("服务站"),
              "compound_id": _l("小区")}


def _node_choices(scope) -> list[tuple[str, str]]:
    """Every node the admin may bind an account to, as ("street_id:3", "街道 · 东街街道")."""
    return [("", "—")] + [(f"{column}:{node_id}", f"{NODE_KINDS[column]} · {name}")
                          for column, node_id, name in bindings.bindable_nodes(scope)]


def _binding_from_form(role: Role, node: str | None) -> int:
    """Turn the form's node into the binding id the role needs (owners and residents claim theirs)."""
    if role in PERSON_ROLES:
        raise DomainError(users.CLAIM_ONLY, field="role")
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
    form.role.choices = [(r.value, label(r)) for r in creatable_roles(current_user)]
    form.node.choices = _node_choices(scope)

    def create():
        role = Role(form.role.data)
        return users.create_user(
            scope=scope, actor=current_user, username=form.username.data, display_name=form.display_name.data,
            password=form.password.data, role=role, phone=form.phone.data or None,
            binding_id=_binding_from_form(role, form.node.data),
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
    roles = creatable_roles(current_user) if user.role not in PERSON_ROLES else []
    form.role.choices = [(r.value, label(r)) for r in roles] or [(user.role.value, label(user.role))]
    form.node.choices = _node_choices(scope)
    if request.method == "GET":
        form.role.data = user.role.value
        column = BINDING[user.role]
        form.node.data = f"{column}:{user.binding_id}" if column != "person_id" else ""

    def update():
        role = Role(form.role.data)
        binding = None
        if user.role not in PERSON_ROLES or role != user.role:
            binding = _binding_from_form(role, form.node.data)
        return users.update_user(
            user, scope=scope, actor=current_user, display_name=form.display_name.data,
            is_enabled=form.is_enabled.data, role=role if role != user.role or binding is not None else None,
            binding_id=binding,
        )

    return submit_form(
        form, update, done=_("已保存"), redirect_to=url_for("accounts.index"), template="accounts/form.html",
        aliases={"binding_id": "node"}, user=user,
        reset_form=ResetPasswordForm(formdata=None) if user.role not in PERSON_ROLES else None,
        code_form=ResetCodeForm(formdata=None) if user.role in PERSON_ROLES else None,
        grants=claims.grants_of(user) if user.role in PERSON_ROLES else [],
    )


@bp.route("/<int:user_id>/password", methods=["POST"])
@fresh_login_required
def reset_password(user_id: int):
    scope = current_scope()
    user = users.manageable(scope, current_user, user_id, own=False)
    if user.role in PERSON_ROLES:
        raise Forbidden("业主和住户的密码只能由本人设置；可以向其登记的手机发送重设密码验证码")
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


# -- owners and residents: invitations to claim their account, reset codes ----------------------------------
@bp.route("/invite")
@login_required
def invite_find():
    """Find the person to invite by the phone on the registry (or come from a person's page)."""
    require(current_user, "accounts.invite")
    form = FindPersonForm(request.args)
    if request.args.get("phone") and form.validate():
        try:
            person = users.person_by_phone(current_scope(), form.phone.data, field="phone")
        except DomainError as err:
            errors_to_form(form, err)
        else:
            return redirect(url_for("accounts.invite", person_id=person.id))
    return render_template("accounts/invite_find.html", form=form), 400 if form.errors else 200


@bp.route("/invite/<int:person_id>", methods=["GET", "POST"])
@fresh_login_required
def invite(person_id: int):
    """Issue an invitation: a letter printed on the spot (its code is shown once), or an SMS code."""
    require(current_user, "accounts.invite")
    scope = current_scope()
    person = scope.get(Person, person_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            issued = claims.issue_invitation(scope, current_user, person.id, form.method.data,
                                             claim_url=url_for("claims.claim", _external=True))
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err, {"person_id": "method"})
        else:
            if issued.code is None:
                flash(_("认领验证码已发送到 %(phone)s，15 分钟内有效", phone=_masked(person.phone)), "success")
                return redirect(url_for("accounts.invite", person_id=person.id))
            url = url_for("claims.claim", code=issued.code, _external=True)
            qr = Markup(segno.make(url, error="m").svg_inline(scale=8, border=2))
            return render_template("accounts/letter.html", person=person, issued=issued, url=url, qr=qr,
                                   claim_url=url_for("claims.claim", _external=True))
    role, homes = claims.homes_in(scope, person.id)
    return render_template("accounts/invite.html", form=form, person=person, role=role, homes=homes,
                           account=claims.account_of(person.id),
                           history=claims.invitations_of(scope, person.id)), 400 if form.errors else 200


def _masked(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else (phone or "")


@bp.route("/<int:user_id>/reset-code", methods=["POST"])
@fresh_login_required
def reset_code(user_id: int):
    """Send a password-reset code to the registered phone of an owner or resident (never set their password)."""
    scope = current_scope()
    user = users.manageable(scope, current_user, user_id, own=False)
    form = ResetCodeForm()
    if form.validate_on_submit():
        try:
            row = claims.send_reset_code(scope, current_user, user, reset_url=url_for("claims.reset", _external=True))
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
            return redirect(url_for("accounts.edit", user_id=user.id)), 303
        flash(_("重设密码验证码已发送到 %(phone)s，由本人设置新密码", phone=_masked(row.phone)), "success")
    return redirect(url_for("accounts.edit", user_id=user.id))


# -- 接口账号: service accounts for integrations (county admins) -------------------------------------------------
def _service_page(form: ServiceAccountForm, token_forms: dict | None = None, raw: str | None = None,
                  status: int = 200):
    scope = current_scope()
    accounts = list(db.session.scalars(service.service_accounts(scope, current_user)))
    tokens = service.tokens_by_account([a.id for a in accounts])
    places = {a.id: bindings.binding_info(a) for a in accounts}
    if token_forms is None:
        token_forms = {}
    for account in accounts:
        if account.id not in token_forms:
            token_forms[account.id] = ServiceTokenForm(formdata=None, prefix=f"t{account.id}")
        token_forms[account.id].capabilities.choices = [(c, c) for c in service.grantable(service.node_of(account))]
    return render_template("accounts/services.html", form=form, accounts=accounts, tokens=tokens, places=places,
                           token_forms=token_forms, raw=raw), status


def _service_form(formdata=True) -> ServiceAccountForm:
    form = ServiceAccountForm() if formdata else ServiceAccountForm(formdata=None)
    form.node.choices = [choice for choice in _node_choices(current_scope())
                         if not choice[0] or choice[0].split(":")[0] in service.NODE_ROLES]
    form.capabilities.choices = [(c, c) for c in service.grantable("county_id")]
    return form


@bp.route("/services", methods=["GET", "POST"])
@fresh_login_required
def services():
    require(current_user, "accounts.service")
    form = _service_form()
    if request.method == "POST" and form.validate_on_submit():
        node, _sep, node_id = (form.node.data or "").partition(":")
        try:
            _account, _token, raw = service.create_service_account(
                scope=current_scope(), actor=current_user, name=form.name.data, node=node,
                node_id=int(node_id) if node_id.isdigit() else None, capabilities=form.capabilities.data,
                token_name=form.token_name.data)
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err, {"node_id": "node"})
        else:  # shown once, on this answer only (never in a redirect's session cookie)
            return _service_page(_service_form(formdata=False), raw=raw)
    return _service_page(form, status=400 if request.method == "POST" else 200)


@bp.route("/services/<int:account_id>/tokens", methods=["POST"])
@fresh_login_required
def service_token(account_id: int):
    account = service.service_account(current_scope(), current_user, account_id)
    form = ServiceTokenForm(prefix=f"t{account.id}")
    form.capabilities.choices = [(c, c) for c in service.grantable(service.node_of(account))]
    if form.validate_on_submit():
        try:
            _token, raw = service.issue_service_token(account, scope=current_scope(), actor=current_user,
                                                      name=form.token_name.data, capabilities=form.capabilities.data)
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err, {"name": "token_name"})
        else:
            return _service_page(_service_form(formdata=False), raw=raw)
    return _service_page(_service_form(formdata=False), {account.id: form}, status=400)


@bp.route("/services/<int:account_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@fresh_login_required
def service_token_revoke(account_id: int, token_id: int):
    account = service.service_account(current_scope(), current_user, account_id)
    service.revoke_service_token(account, token_id, scope=current_scope(), actor=current_user)
    flash(_("令牌已吊销"), "success")
    return redirect(url_for("accounts.services"))


@bp.route("/services/<int:account_id>/disable", methods=["POST"])
@fresh_login_required
def service_disable(account_id: int):
    account = service.service_account(current_scope(), current_user, account_id)
    service.disable_service_account(account, scope=current_scope(), actor=current_user)
    flash(_("接口账号已停用，其令牌全部失效"), "success")
    return redirect(url_for("accounts.services"))
