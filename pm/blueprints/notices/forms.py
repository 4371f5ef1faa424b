"""Forms of notices."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pm.blueprints.webutil import options
from pm.models import NoticeKind
from pm.services.labels import choices


class NoticeForm(FlaskForm):
    kind = SelectField(_l("类别"), choices=options(choices(NoticeKind, lazy=True)))
    compound_id = SelectField(_l("小区"), coerce=int)
    building = StringField(_l("楼栋（可不填，表示全小区）"), validators=[Optional(), Length(max=40)])
    unit = StringField(_l("单元（可不填，表示整栋楼）"), validators=[Optional(), Length(max=40)])
    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("正文"), validators=[Optional(), Length(max=20000)])
    starts_on = DateField(_l("公示开始日期"), validators=[DataRequired()])
    ends_on = DateField(_l("公示结束日期"), validators=[Optional()])
    files = MultipleFileField(_l("附件（PDF 或图片，最多 6 个）"))
    submit = SubmitField(_l("发布"))


class ReadForm(FlaskForm):
    submit = SubmitField(_l("我已阅读"))
