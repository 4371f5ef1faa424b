"""API 令牌 and 接口账号 REST API: one's own tokens; a county admin's service accounts and their limited tokens."""
from __future__ import annotations

from flask.views import MethodView

from pm.access import noun
from pm.blueprints.accounts import schemas as s
from pm.blueprints.apiutil import PageArgs, api_blueprint, api_scope, api_user, paginate
from pm.errors import Forbidden, NotFound
from pm.models import ApiToken, User
from pm.services.accounts import bindings, service
from pm.services.accounts import tokens as api_tokens

URL_PREFIX = ""
blp = api_blueprint("tokens_api", __name__, description="API 令牌与接口账号：本人的令牌；县级管理员为银行等对接系统签发限定权限的令牌")


def _created(token, raw: str):
    token.token = raw
    return token


def _with_tokens(accounts: list[User]) -> list[User]:
    found = service.tokens_by_account([a.id for a in accounts])
    for account in accounts:
        account.binding_info = bindings.binding_info(account)
        account.token_list = found[account.id]
    return accounts


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.TokenPage)
    def get(self, args):
        """我的令牌: the caller's own tokens, newest first (values are never shown again)."""
        if api_user().is_person_bound:
            raise Forbidden("业主和住户的账号不能创建 API 令牌")
        return paginate(api_tokens.tokens_query(api_user()), args)

    @blp.arguments(s.TokenIn)
    @blp.response(201, s.TokenCreated)
    def post(self, data):
        """创建令牌: a new token for oneself (officials and committee members; never owners, residents or service
        accounts). The value is in the answer this once."""
        user = api_user()
        token, raw = api_tokens.create_api_token(user, data["name"], scope=api_scope(), actor=user, days=data["days"])
        return _created(token, raw)


@blp.route("/tokens/<int:token_id>/revoke")
class TokenRevoke(MethodView):
    @blp.response(200, s.TokenOut)
    def post(self, token_id):
        """吊销令牌: one of the caller's own tokens (revoking twice changes nothing)."""
        token = api_tokens.own_token(api_user(), token_id)
        if token is None:
            raise NotFound("%(what)s（编号 %(id)s）不存在或不在您的权限范围内", what=noun(ApiToken), id=token_id)
        api_tokens.revoke_api_token(token, scope=api_scope(), actor=api_user())
        return token


@blp.route("/service-accounts/capabilities")
class ServiceCapabilities(MethodView):
    @blp.response(200, s.CapabilitiesOut)
    def get(self):
        """可授予的权限: the capabilities a service account's token may hold, by the node it is bound to."""
        service.service_accounts(api_scope(), api_user())  # the same check as the list (accounts.service)
        return {node: service.grantable(node) for node in service.NODE_ROLES}


@blp.route("/service-accounts")
class ServiceAccounts(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, s.ServiceAccountPage)
    def get(self, args):
        """接口账号列表: service accounts in the county admin's scope, with their tokens."""
        page = paginate(service.service_accounts(api_scope(), api_user()), args)
        _with_tokens(page["items"])
        return page

    @blp.arguments(s.ServiceAccountIn)
    @blp.response(201, s.ServiceAccountCreated)
    def post(self, data):
        """新建接口账号: bound to one node (county, street, community or compound), with a first token limited to
        the named capabilities; the token's value is in the answer this once."""
        account, token, raw = service.create_service_account(
            scope=api_scope(), actor=api_user(), name=data["name"], node=data["node"], node_id=data["node_id"],
            capabilities=data["capabilities"], token_name=data["token_name"], days=data["days"])
        return {"account": _with_tokens([account])[0], "token": _created(token, raw)}


@blp.route("/service-accounts/<int:account_id>/tokens")
class ServiceTokens(MethodView):
    @blp.arguments(s.ServiceTokenIn)
    @blp.response(201, s.TokenCreated)
    def post(self, data, account_id):
        """签发令牌: another token for a service account (e.g. to rotate one), limited to named capabilities."""
        account = service.service_account(api_scope(), api_user(), account_id)
        token, raw = service.issue_service_token(account, scope=api_scope(), actor=api_user(), name=data["name"],
                                                 capabilities=data["capabilities"], days=data["days"])
        return _created(token, raw)


@blp.route("/service-accounts/<int:account_id>/tokens/<int:token_id>/revoke")
class ServiceTokenRevoke(MethodView):
    @blp.response(200, s.TokenOut)
    def post(self, account_id, token_id):
        """吊销接口账号的令牌."""
        account = service.service_account(api_scope(), api_user(), account_id)
        return service.revoke_service_token(account, token_id, scope=api_scope(), actor=api_user())


@blp.route("/service-accounts/<int:account_id>/disable")
class ServiceAccountDisable(MethodView):
    @blp.response(200, s.ServiceAccountOut)
    def post(self, account_id):
        """停用接口账号: every token of it stops working."""
        account = service.service_account(api_scope(), api_user(), account_id)
        service.disable_service_account(account, scope=api_scope(), actor=api_user())
        return _with_tokens([account])[0]
