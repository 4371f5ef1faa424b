"""账号 REST API: who am I, and account administration within the caller's scope."""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from pm.access import CAPABILITIES, can, require
from pm.blueprints.accounts import schemas as s
from pm.blueprints.apiutil import (
    api_blueprint,
    api_scope,
    api_user,
    get_in_scope,
    paginate,
)
from pm.models import User
from pm.models.accounts import BINDING
from pm.services import accounts
from pm.services.accounts.access import assignable_roles

URL_PREFIX = ""
blp = api_blueprint("accounts_api", __name__, description="账号：当前用户、权限范围内的账号管理")

# Every binding relationship is loaded with the user (LEFT JOINs), so a page of accounts is one query.
USER_OPTIONS = tuple(
    joinedload(rel) for rel in (User.county, User.street, User.community, User.station, User.compound, User.person)
)


def _with_binding(user: User) -> User:
    """Attach {type, id, name} of the node (or person) the account is bound to."""
    column = BINDING[user.role]
    node = getattr(user, column.removesuffix("_id"))
    user.binding_info = {
        "type": column.removesuffix("_id"),
        "id": getattr(user, column),
        "name": node.name if node is not None else None,
    }
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
        require(api_user(), "accounts.manage")
        stmt = api_scope().select(User).options(*USER_OPTIONS)
        if args.get("role"):
            stmt = stmt.where(User.role == args["role"])
        if args.get("is_enabled") is not None:
            stmt = stmt.where(User.is_enabled.is_(args["is_enabled"]))
        if args.get("q") and args["q"].strip():
            q = args["q"].strip()
            stmt = stmt.where(
                or_(User.username.contains(q, autoescape=True), User.display_name.contains(q, autoescape=True))
            )
        page = paginate(stmt.order_by(User.username, User.id), args)
        for user in page["items"]:
            _with_binding(user)
        return page

    @blp.arguments(s.UserCreateIn)
    @blp.response(201, s.UserOut)
    def post(self, data):
        """Create an account with a role below yours, bound inside your scope (needs accounts.manage)."""
        actor = api_user()
        require(actor, "accounts.manage")
        user = accounts.create_user(
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
        accounts.update_user(user, actor=actor, scope=api_scope(), **data)
        return _load(user_id)
