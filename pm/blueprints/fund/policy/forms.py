"""本县资金使用规则 form: a new version from a date."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from pm.blueprints.webutil import BoundedIntegerField


class PolicyForm(FlaskForm):
    effective_from = DateField(_l("生效日期"), validators=[DataRequired()], description=_l("今天或以后；已生效的版本不能改写"))
    approver = SelectField(_l("拨付审核方"), validators=[DataRequired()])
    publicity_days = BoundedIntegerField(_l("公示天数"), validators=[DataRequired(), NumberRange(1, 60)])
    vote_days = BoundedIntegerField(_l("表决天数"), validators=[DataRequired(), NumberRange(1, 90)])
    returns_key = SelectField(_l("收益分配方式"), validators=[DataRequired()])
    emergency_reasons = TextAreaField(_l("应急情形"), validators=[DataRequired(), Length(max=8000)],
                                      description=_l("每行一种：代码 空格 说明；标准情形只写代码即可"))
    submit = SubmitField(_l("保存新版本"))
