"""认领账号 forms: claim an account with an invitation code; set a new password with a reset code."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class ClaimForm(FlaskForm):
    code = StringField(_l("认领码或短信验证码"), validators=[DataRequired(), Length(max=32)],
                       description=_l("邀请函上的认领码（如 ABCD-EFGH-JKMN），或短信收到的 6 位数字"))
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=20)],
                        description=_l("用短信验证码认领时填写收到短信的手机号"))
    username = StringField(_l("用户名（可不填）"), validators=[Optional(), Length(max=64)],
                           description=_l("不填则用台账登记的手机号登录"))
    password = PasswordField(_l("设置密码"), validators=[DataRequired(), Length(max=128)],
                             description=_l("至少 8 位，只有您自己知道"))
    confirm = PasswordField(_l("再次输入密码"),
                            validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致"))])
    submit = SubmitField(_l("认领账号"))


class ResetForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(), Length(max=20)])
    code = StringField(_l("短信验证码"), validators=[DataRequired(), Length(max=32)])
    password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("再次输入密码"),
                            validators=[DataRequired(), EqualTo("password", message=_l("两次输入的密码不一致"))])
    submit = SubmitField(_l("设置新密码"))
