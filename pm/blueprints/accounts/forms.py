"""账号管理 forms: create an account, edit it, reset its password."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from pm.blueprints.webutil import options


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(min=3, max=64),
                                                   Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("只能使用字母、数字、点、横线和下划线"))])
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=20)])
    role = SelectField(_l("角色"), validators=[DataRequired()])
    node = SelectField(_l("所属单位"), validators=[Optional()], description=_l("县、街道、社区、服务站或小区"))
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Length(max=128)],
                             description=_l("工作人员至少 12 位，业主/住户至少 8 位"))
    submit = SubmitField(_l("创建账号"))


class UserEditForm(FlaskForm):
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("角色"), validators=[DataRequired()])
    node = SelectField(_l("所属单位"), validators=[Optional()])
    is_enabled = BooleanField(_l("账号启用"))
    submit = SubmitField(_l("保存"))


class FindPersonForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    phone = StringField(_l("业主/住户在台账中登记的电话"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("查找"))


class InviteForm(FlaskForm):
    method = SelectField(_l("邀请方式"), choices=options([("letter", _l("打印邀请函（含认领码和二维码）")),
                                                       ("sms", _l("发送短信验证码到台账登记的手机"))]),
                         validators=[DataRequired()])
    submit = SubmitField(_l("发放邀请"))


class ResetCodeForm(FlaskForm):
    submit = SubmitField(_l("向登记手机发送重设密码验证码"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("重置密码"))


class ServiceAccountForm(FlaskForm):
    """接口账号: an integration bound to one node, with a first token limited to named capabilities."""

    name = StringField(_l("接口账号名称"), validators=[DataRequired(), Length(max=64)], description=_l("例如对接的银行"))
    node = SelectField(_l("所属单位"), validators=[DataRequired()], description=_l("县、街道、社区或小区"))
    capabilities = SelectMultipleField(_l("令牌权限"), validators=[DataRequired()],
                                       description=_l("令牌只能做这些事，且只在所属单位范围内"))
    token_name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("创建接口账号并签发令牌"))


class ServiceTokenForm(FlaskForm):
    token_name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=64)])
    capabilities = SelectMultipleField(_l("令牌权限"), validators=[DataRequired()])
    submit = SubmitField(_l("签发新令牌"))
