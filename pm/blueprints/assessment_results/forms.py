"""Forms of the ladder settings, year-end items and weights, and what-if."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

MONTH_FIELDS = [f"w{m:02d}" for m in range(1, 13)]


STEP_FIELDS = [f"step{n}" for n in range(1, 7)]
STEP_HINT = _l("末位或低于分数线的单位每个月走到下一步；最后一步之后一直停在最后一步，并建议更换物业服务企业。留空的步骤不用。")


class LadderForm(FlaskForm):
    """Choices of the step fields are set by the view (labels in the reader's language)."""
    bottom_size = StringField(_l("末位（每类单位最后几名）"), validators=[DataRequired(), Length(max=6)])
    threshold = StringField(_l("分数线（低于此分也算末位，可不填）"), validators=[Optional(), Length(max=10)])
    top_size = StringField(_l("通报表扬（每类单位前几名）"), validators=[DataRequired(), Length(max=6)])
    step1 = SelectField(_l("处理步骤：第 1 个月"), validate_choice=False, description=STEP_HINT)
    step2 = SelectField(_l("连续第 2 个月"), validate_choice=False)
    step3 = SelectField(_l("连续第 3 个月"), validate_choice=False)
    step4 = SelectField(_l("连续第 4 个月"), validate_choice=False)
    step5 = SelectField(_l("连续第 5 个月"), validate_choice=False)
    step6 = SelectField(_l("连续第 6 个月"), validate_choice=False)
    submit = SubmitField(_l("保存"))


class YearItemForm(FlaskForm):
    unit = SelectField(_l("考核对象"), validate_choice=False)
    points = StringField(_l("加减分（负数为扣分）"), validators=[DataRequired(), Length(max=10)])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("登记年终加减分"))


class WeightsForm(FlaskForm):
    submit = SubmitField(_l("保存各月权重"))


for _name in MONTH_FIELDS:
    setattr(WeightsForm, _name, StringField(_name[1:], validators=[Optional(), Length(max=8)]))


class WhatIfForm(FlaskForm):
    scheme_id = SelectField(_l("草稿版本"), validate_choice=False)
    submit = SubmitField(_l("测算"))
