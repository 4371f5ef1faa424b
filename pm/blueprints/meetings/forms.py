"""Forms of joint meetings and their action items."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pm.blueprints.webutil import options


class MeetingForm(FlaskForm):
    community_id = SelectField(_l("社区"), coerce=int)
    compound_id = SelectField(_l("议及小区（可不选，表示全社区）"), coerce=int)
    held_on = DateField(_l("会议日期"), validators=[DataRequired()])
    topics = TextAreaField(_l("议题"), validators=[DataRequired(), Length(max=4000)])
    party_branch = StringField(_l("社区党组织参会人员"), validators=[Optional(), Length(max=400)])
    residents_committee = StringField(_l("居委会参会人员"), validators=[Optional(), Length(max=400)])
    owners_committee = StringField(_l("业委会参会人员（须选择小区）"), validators=[Optional(), Length(max=400)])
    station = StringField(_l("物业服务站参会人员"), validators=[Optional(), Length(max=400)])
    minutes = TextAreaField(_l("会议纪要"), validators=[Optional(), Length(max=4000)])
    files = MultipleFileField(_l("附件（纪要扫描件、签到表、照片，最多 6 个）"))
    submit = SubmitField(_l("保存会议"))


class ItemForm(FlaskForm):
    decision = TextAreaField(_l("决定事项"), validators=[DataRequired(), Length(max=4000)])
    responsible = SelectField(_l("责任单位"))
    person_name = StringField(_l("责任人"), validators=[DataRequired(), Length(max=64)])
    due_on = DateField(_l("办结期限"), validators=[Optional()])
    submit = SubmitField(_l("登记决定事项"))


class ReportForm(FlaskForm):
    note = TextAreaField(_l("办理情况"), validators=[DataRequired(), Length(max=4000)])
    files = MultipleFileField(_l("佐证材料（照片或 PDF，最多 6 个）"))
    submit = SubmitField(_l("报告办结"))


class ConfirmForm(FlaskForm):
    decision = SelectField(_l("确认结果"), choices=options([("confirm", _l("确认办结")), ("return", _l("退回重办"))]))
    reason = StringField(_l("退回原因（退回时必填）"), validators=[Optional(), Length(max=400)])
    submit = SubmitField(_l("提交"))
