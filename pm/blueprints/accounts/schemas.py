"""账号 API schemas: the caller's own account, accounts in scope, and creating or changing them."""
from __future__ import annotations

from flask_babel import gettext
from marshmallow import ValidationError, fields, validates_schema
from marshmallow.validate import OneOf

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
