"""账号管理 forms: create an account, edit it, reset its password."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(min=3, max=64),
                                                   Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("只能使用字母、数字、点、横线和下划线"))])
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=20)])
    role = SelectField(_l("角色"), validators=[DataRequired()])
    node = SelectField(_l("所属单位"), validators=[Optional()], description=_l("县、街道、社区、服务站或小区"))
    person_phone = StringField(_l("业主/住户的登记电话"), validators=[Optional(), Length(max=20)],
                               description=_l("业主和住户账号按台账中登记的电话关联到本人"))
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Length(max=128)],
                             description=_l("工作人员至少 12 位，业主/住户至少 8 位"))
    submit = SubmitField(_l("创建账号"))


class UserEditForm(FlaskForm):
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("角色"), validators=[DataRequired()])
    node = SelectField(_l("所属单位"), validators=[Optional()])
    is_enabled = BooleanField(_l("账号启用"))
    submit = SubmitField(_l("保存"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("重置密码"))
