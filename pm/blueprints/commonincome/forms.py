"""Forms of common-part income entries and crediting income to the maintenance fund."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from pm.blueprints.webutil import options
from pm.models import IncomeCategory
from pm.services.labels import choices


class EntryForm(FlaskForm):
    compound_id = SelectField(_l("小区"), coerce=int)
    period = StringField(_l("期间（如 2026、2026-H1、2026-05）"), validators=[DataRequired(), Length(max=16)])
    category = SelectField(_l("收支类别"), choices=options(
        (v, t) for v, t in choices(IncomeCategory, lazy=True) if v != IncomeCategory.FUND_CREDIT.value))
    amount = StringField(_l("金额（元）"), validators=[DataRequired(), Length(max=20)])
    occurred_on = DateField(_l("日期"), validators=[Optional()])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("登记"))


class CreditForm(FlaskForm):
    compound_id = SelectField(_l("小区"), coerce=int)
    period = StringField(_l("期间"), validators=[DataRequired(), Length(max=16)])
    amount = StringField(_l("转入金额（元）"), validators=[DataRequired(), Length(max=20)])
    submit = SubmitField(_l("转入维修资金（按收益分配规则分到各户）"))
