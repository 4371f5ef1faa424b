"""Forms for the station's daily work pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from pm.blueprints.webutil import options
from pm.models import CheckinStatus, Shift
from pm.services.labels import choices


class LogForm(FlaskForm):
    team_id = SelectField(_l("队伍"), coerce=int, validators=[DataRequired()])
    log_on = DateField(_l("日期"), validators=[DataRequired()])
    shift = SelectField(_l("班次"), choices=options(choices(Shift, lazy=True)))
    content = TextAreaField(_l("工作内容"), validators=[DataRequired(), Length(max=4000)])
    photos = MultipleFileField(_l("照片（最多 6 张）"))
    submit = SubmitField(_l("保存"))


class MemberForm(FlaskForm):
    user_id = SelectField(_l("人员"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("加入队伍"))


class RouteForm(FlaskForm):
    name = StringField(_l("路线名称"), validators=[DataRequired(), Length(max=80)])
    points = TextAreaField(_l("巡查点位（每行一个，按巡查顺序）"), validators=[DataRequired()])
    submit = SubmitField(_l("保存"))


class CheckinForm(FlaskForm):
    status = SelectField(_l("情况"), choices=options(choices(CheckinStatus, lazy=True)))
    note = TextAreaField(_l("说明（有问题时必填）"), validators=[Optional(), Length(max=4000)])
    photo = FileField(_l("照片"))
    open_order = BooleanField(_l("发现问题，直接生成整改单"))
    measure = TextAreaField(_l("整改要求"), validators=[Optional(), Length(max=4000)])
    due_on = DateField(_l("整改期限"), validators=[Optional()])
    open_repair = BooleanField(_l("发现问题，直接报修"))
    repair_compound = SelectField(_l("报修小区"), coerce=int, validators=[Optional()])
    repair_category = SelectField(_l("报修类别"), validators=[Optional()])
    submit = SubmitField(_l("打卡"))
