"""登录 forms: login, password change, API token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(_l("用户名或手机号"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("在这台设备上保持登录"))
    submit = SubmitField(_l("登录"))


class PasswordForm(FlaskForm):
    old_password = PasswordField(_l("原密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("再次输入新密码"), validators=[DataRequired(), EqualTo("new_password", message=_l("两次输入的密码不一致"))]
    )
    submit = SubmitField(_l("修改密码"))


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("生成令牌"))
