"""账号 REST API: who am I, and account administration within the caller's scope."""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView

from pm.access import CAPABILITIES, can, require
from pm.blueprints.accounts import schemas as s
from pm.blueprints.apiutil import (
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    paginate,
)
from pm.models import Person, User
from pm.errors import Forbidden
from pm.services.accounts import bindings, claims, passwords, users
from pm.services.accounts.access import assignable_roles
from pm.services.accounts.users import USER_OPTIONS

URL_PREFIX = ""
blp = api_blueprint("accounts_api", __name__, description="账号：当前用户、权限范围内的账号管理")


def _with_binding(user: User) -> User:
    """Attach {type, id, name} of the node (or person) the account is bound to."""
    user.binding_info = bindings.binding_info(user)
    return user


def _load(user_id: int) -> User:
    return _with_binding(get_in_scope(User, user_id, options=USER_OPTIONS))


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, s.MeOut)
    def get(self):
        """当前用户: the account this token belongs to, its binding and capabilities."""
        user = _load(api_user().id)
        user.capabilities = sorted(c for c in CAPABILITIES if can(user, c))
        user.assignable_roles = assignable_roles(user)
        return user


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(s.UserArgs, location="query")
    @blp.response(200, s.UserPage)
    def get(self, args):
        """账号列表: accounts bound at or below your node (needs accounts.manage)."""
        stmt = users.find_users(api_scope(), actor=api_user(), role=args.get("role"),
                                is_enabled=args.get("is_enabled"), q=args.get("q"))
        page = paginate(stmt, args)
        for user in page["items"]:
            _with_binding(user)
        return page

    @blp.arguments(s.UserCreateIn)
    @blp.response(201, s.UserOut)
    def post(self, data):
        """Create an account with a role below yours, bound inside your scope (needs accounts.manage)."""
        actor = api_user()
        require(actor, "accounts.manage")
        user = users.create_user(
            actor=actor, scope=api_scope(), username=data["username"],
            display_name=data.get("display_name") or data["username"], password=data["password"],
            role=data["role"], binding_id=data["binding_id"], phone=(data.get("phone") or None),
        )
        return _load(user.id)


@blp.route("/users/<int:user_id>")
class UserDetail(MethodView):
    @blp.response(200, s.UserOut)
    def get(self, user_id):
        """One account in your scope (needs accounts.manage)."""
        require(api_user(), "accounts.manage")
        return _load(user_id)

    @blp.arguments(s.UserPatchIn)
    @blp.response(200, s.UserOut)
    def patch(self, data, user_id):
        """Change an account's name, state, role or binding (needs accounts.manage; audited)."""
        actor = api_user()
        require(actor, "accounts.manage")
        user = get_in_scope(User, user_id)
        users.update_user(user, actor=actor, scope=api_scope(), **data)
        return _load(user_id)


@blp.route("/persons/<int:person_id>/invitations")
class Invitations(MethodView):
    @blp.arguments(s.InvitationIn)
    @blp.response(201, s.InvitationOut)
    def post(self, data, person_id):
        """Invite an owner or resident in your scope to claim their account (needs accounts.invite).

        A letter's code is in the answer once (print it for the person); an SMS code goes to the phone on the
        registry. Refused (409) for a person who has already claimed an account that sees these homes."""
        actor = api_user()
        require(actor, "accounts.invite")
        get_in_scope(Person, person_id)
        claim_url = url_for("claims.claim", _external=True)
        issued = claims.issue_invitation(api_scope(), actor, person_id, data["method"], claim_url=claim_url)
        row = issued.invitation
        return {"id": row.id, "person_id": row.person_id, "role": row.role, "method": row.method.value,
                "expires_at": row.expires_at, "code": issued.code, "claim_url": claim_url}


@blp.route("/users/<int:user_id>/reset-code")
class ResetCode(MethodView):
    @blp.response(201, s.ResetCodeOut)
    def post(self, user_id):
        """Send a password-reset code to the registered phone of an owner or resident (needs accounts.invite;
        officials never set these accounts' passwords)."""
        actor = api_user()
        require(actor, "accounts.invite")
        user = get_in_scope(User, user_id)
        return claims.send_reset_code(api_scope(), actor, user, reset_url=url_for("claims.reset", _external=True))


@blp.route("/users/<int:user_id>/password")
class UserPassword(MethodView):
    @blp.arguments(s.PasswordResetIn)
    @blp.response(200, s.UserOut)
    def post(self, data, user_id):
        """重置密码 of an official's account you administer (as the page does): every login and API token of the
        account ends. Owners' and residents' passwords are set only by the person (POST /users/{id}/reset-code)."""
        user = users.manageable(api_scope(), api_user(), user_id, own=False)
        if user.is_person_bound:
            raise Forbidden("业主和住户的密码只能由本人设置；可以向其登记的手机发送重设密码验证码")
        passwords.set_password(user, data["password"], scope=api_scope(), actor=api_user())
        return _with_binding(user)
