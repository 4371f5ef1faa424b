"""Forms for schemes, periods, appeals, decisions, adjustments and bonus/veto events."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pm.blueprints.webutil import BoundedIntegerField, options
from pm.models import UnitKind
from pm.services.labels import label


def unit_kinds():
    return options((k.value, label(k)) for k in UnitKind)


class NewDraftForm(FlaskForm):
    kind = SelectField(_l("考核对象"))
    submit = SubmitField(_l("新建草稿版本"))


class SchemeForm(FlaskForm):
    """Name, full marks and allowed log delay; each category's and item's points are posted as cat-<id>-max,
    item-<id>-max and item-<id>-cap (read by the view)."""

    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=120)])
    full_marks = StringField(_l("满分"), validators=[DataRequired(), Length(max=10)])
    log_delay_days = BoundedIntegerField(_l("工作日志允许补录天数"), validators=[NumberRange(min=0, max=31)])
    submit = SubmitField(_l("保存草稿"))


class ActivateForm(FlaskForm):
    active_from = DateField(_l("启用日期（某月 1 日）"), validators=[DataRequired()])
    submit = SubmitField(_l("启用此版本"))


class PeriodForm(FlaskForm):
    month = StringField(_l("月份（YYYY-MM）"), validators=[DataRequired(), Length(max=7)])
    submit = SubmitField(_l("打开考核期"))


class ActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("申诉理由"), validators=[DataRequired(), Length(max=2000)])
    photos = MultipleFileField(_l("证据照片（最多 6 张）"))
    submit = SubmitField(_l("提出申诉"))


class DecisionForm(FlaskForm):
    upheld = SelectField(_l("处理结果"), choices=options([("1", _l("申诉成立，调整分值")), ("0", _l("申诉不成立"))]))
    new_points = StringField(_l("调整后的分值（扣分为负数）"), validators=[Optional(), Length(max=10)])
    decision = TextAreaField(_l("处理意见"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("提交处理意见"))


class AdjustmentForm(FlaskForm):
    points = StringField(_l("更正分值（加分为正，扣分为负）"), validators=[DataRequired(), Length(max=10)])
    reason = TextAreaField(_l("更正理由"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("登记更正"))


class EventForm(FlaskForm):
    unit = SelectField(_l("考核对象"), validators=[DataRequired()])
    item_code = SelectField(_l("项目"), choices=options([("bonus", _l("加分")), ("veto", _l("一票否决"))]))
    happened_on = DateField(_l("日期"), validators=[DataRequired()])
    points = StringField(_l("加分分值"), validators=[Optional(), Length(max=10)])
    note = TextAreaField(_l("事由"), validators=[DataRequired(), Length(max=2000)])
    photos = MultipleFileField(_l("证据照片（最多 6 张）"))
    submit = SubmitField(_l("登记"))
