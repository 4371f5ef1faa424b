"""Forms for inspections, findings and rectification orders."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from pm.blueprints.webutil import options



class InspectionForm(FlaskForm):
    level = SelectField(_l("检查类型"))
    target = SelectField(_l("检查对象"), validators=[DataRequired()])
    inspected_on = DateField(_l("检查日期"), validators=[DataRequired()])
    inspector_ids = SelectMultipleField(_l("同行检查人员"), coerce=int, validators=[Optional()])
    summary = TextAreaField(_l("检查概况"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("保存，然后登记问题"))


class FindingForm(FlaskForm):
    item_code = SelectField(_l("考核项目"))  # the scheme's findings items, set by the view
    deduction = StringField(_l("扣分"), validators=[DataRequired(), Length(max=10)])
    note = TextAreaField(_l("问题描述"), validators=[DataRequired(), Length(max=4000)])
    measure = TextAreaField(_l("整改要求"), validators=[DataRequired(), Length(max=4000)])
    due_on = DateField(_l("整改期限"), validators=[DataRequired()])
    photos = MultipleFileField(_l("照片（最多 6 张）"))
    submit = SubmitField(_l("登记问题并下发整改单"))


class ReportForm(FlaskForm):
    note = TextAreaField(_l("整改情况"), validators=[DataRequired(), Length(max=4000)])
    photos = MultipleFileField(_l("整改后照片（最多 6 张）"))
    submit = SubmitField(_l("报告整改完成"))


class RecheckForm(FlaskForm):
    decision = SelectField(_l("复查结果"), choices=options([("close", _l("合格，闭合")), ("return", _l("不合格，退回重改"))]))
    reason = TextAreaField(_l("复查意见（退回时必填）"), validators=[Optional(), Length(max=4000)])
    due_on = DateField(_l("新的整改期限（退回时可填）"), validators=[Optional()])
    submit = SubmitField(_l("提交复查结果"))


class DeadlineForm(FlaskForm):
    due_on = DateField(_l("新的整改期限"), validators=[DataRequired()])
    reason = TextAreaField(_l("调整原因"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("调整整改期限"))
