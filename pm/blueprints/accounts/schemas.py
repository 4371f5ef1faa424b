"""账号 API schemas: the caller's own account, accounts in scope, and creating or changing them."""
from __future__ import annotations

from flask_babel import gettext
from marshmallow import ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range

from pm.blueprints.apiutil import BaseSchema, PageArgs, id_field, page_schema, text
from pm.errors import DomainError
from pm.models import Role
from pm.services.text import check_phone


def _phone(value: str) -> None:
    try:
        check_phone(value)
    except DomainError as err:
        raise ValidationError(err.message) from None


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(gettext("此项不能为空"))


class BindingOut(BaseSchema):
    """The node of the tree (or the person) an account is bound to."""

    type = fields.String(metadata={"enum": ["county", "street", "community", "station", "compound", "person"]})
    id = fields.Integer()
    name = fields.String(allow_none=True)


class UserOut(BaseSchema):
    """An account as administrators see it."""

    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    phone = fields.String(allow_none=True)
    role = fields.Enum(Role, by_value=True)
    binding = fields.Nested(BindingOut, attribute="binding_info")
    is_enabled = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class MeOut(UserOut):
    """The caller's own account, with what the role may do."""

    is_official = fields.Boolean()
    capabilities = fields.List(fields.String())
    assignable_roles = fields.List(fields.Enum(Role, by_value=True))


UserPage = page_schema(UserOut, "UserPage")


class UserArgs(PageArgs):
    """Filter accounts by role, state, or username/display name text."""

    role = fields.Enum(Role, by_value=True)
    is_enabled = fields.Boolean()
    q = text(64, metadata={"description": "用户名或姓名包含的文字"})


class UserCreateIn(BaseSchema):
    """A new account: a role below yours, bound to a node in your scope. Owners and residents are refused:
    they claim their own accounts (POST /persons/{id}/invitations)."""

    username = text(64, required=True, validate=_not_blank)
    display_name = text(64, validate=_not_blank)
    password = text(128, required=True, load_only=True)
    role = fields.Enum(Role, by_value=True, required=True)
    binding_id = id_field(required=True, metadata={"description": "所属单位（或业主/住户本人）的 id，按角色而定"})
    phone = text(20, allow_none=True, validate=_phone,
                 metadata={"description": "手机号，或带区号的固定电话（也可作登录名）", "example": "13800001111"})


class UserPatchIn(BaseSchema):
    """Change an account's name, state, role or binding."""

    display_name = text(64, validate=_not_blank)
    is_enabled = fields.Boolean()
    role = fields.Enum(Role, by_value=True)
    binding_id = id_field()

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError(gettext("没有要修改的内容"), "_schema")


class InvitationIn(BaseSchema):
    """Invite a person of the registry (an owner or resident in your scope) to claim their account."""

    method = fields.String(required=True, validate=OneOf(["letter", "sms"]),
                           metadata={"description": "letter: the code is returned once, to print; "
                                                    "sms: a code is sent to the phone on the registry"})


class InvitationOut(BaseSchema):
    """An invitation just issued. `code` is shown once (letters only) and never stored in clear."""

    id = fields.Integer()
    person_id = fields.Integer()
    role = fields.Enum(Role, by_value=True)
    method = fields.String()
    expires_at = fields.DateTime()
    code = fields.String(allow_none=True)
    claim_url = fields.String()


class ResetCodeOut(BaseSchema):
    """A password-reset code sent to the registered phone (the person sets the new password)."""

    id = fields.Integer()
    user_id = fields.Integer()
    expires_at = fields.DateTime()


class TokenOut(BaseSchema):
    """An API token (never its value, except once in TokenCreated)."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "the first characters of the token, to recognise it"})
    capabilities = fields.List(fields.String(), allow_none=True,
                               metadata={"description": "a service account's token acts only with these"})
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class TokenCreated(TokenOut):
    token = fields.String(metadata={"description": "the bearer token: shown this once, stored only as a hash"})


TokenPage = page_schema(TokenOut, "TokenPage")


class TokenIn(BaseSchema):
    name = text(64, required=True, validate=_not_blank)
    days = fields.Integer(load_default=365, validate=Range(min=1, max=3650),
                          metadata={"description": "valid for this many days (default 365)"})


class ServiceTokenIn(TokenIn):
    capabilities = fields.List(text(64), required=True, validate=Length(min=1, max=40),
                               metadata={"description": "capability names (GET /service-accounts/capabilities)"})


class ServiceAccountIn(BaseSchema):
    name = text(64, required=True, validate=_not_blank, metadata={"description": "the integration, e.g. a bank"})
    node = fields.String(required=True, validate=OneOf(["county_id", "street_id", "community_id", "compound_id"]))
    node_id = id_field(required=True)
    capabilities = fields.List(text(64), required=True, validate=Length(min=1, max=40))
    token_name = text(64, required=True, validate=_not_blank)
    days = fields.Integer(load_default=365, validate=Range(min=1, max=3650))


class ServiceAccountOut(BaseSchema):
    id = fields.Integer()
    name = fields.String(attribute="display_name")
    role = fields.Enum(Role, by_value=True)
    binding = fields.Nested(BindingOut, attribute="binding_info")
    is_enabled = fields.Boolean()
    created_at = fields.DateTime()
    tokens = fields.List(fields.Nested(TokenOut), attribute="token_list")


class ServiceAccountCreated(BaseSchema):
    account = fields.Nested(ServiceAccountOut)
    token = fields.Nested(TokenCreated)


ServiceAccountPage = page_schema(ServiceAccountOut, "ServiceAccountPage")


class CapabilitiesOut(BaseSchema):
    """Capabilities a service account's token may be limited to, by the kind of node it is bound to."""

    county_id = fields.List(fields.String())
    street_id = fields.List(fields.String())
    community_id = fields.List(fields.String())
    compound_id = fields.List(fields.String())


class PasswordResetIn(BaseSchema):
    password = text(128, required=True, metadata={"description": "officials: at least 12 characters"})
