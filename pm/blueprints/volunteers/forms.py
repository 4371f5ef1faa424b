"""Forms of grids, joining the volunteer register and logging hours."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from pm.blueprints.webutil import options
from pm.models import VolunteerActivity
from pm.services.labels import choices


class GridForm(FlaskForm):
    community_id = SelectField(_l("社区"), coerce=int)
    name = StringField(_l("网格名称"), validators=[DataRequired(), Length(max=64)])
    worker_name = StringField(_l("网格员"), validators=[DataRequired(), Length(max=64)])
    worker_phone = StringField(_l("网格员电话"), validators=[Optional(), Length(max=20)])
    party_group = StringField(_l("网格党小组"), validators=[Optional(), Length(max=64)])
    compound_ids = SelectMultipleField(_l("覆盖的小区"), coerce=int, validators=[Optional()],
                                       render_kw={"data-searchable": ""})
    building_ids = SelectMultipleField(_l("覆盖的楼栋（按小区分组，可输入名称查找；须属于所选社区）"), coerce=int,
                                       validators=[Optional()], render_kw={"data-searchable": "", "size": 8})
    submit = SubmitField(_l("保存网格"))


class JoinForm(FlaskForm):
    activity = SelectField(_l("服务项目"), choices=options(choices(VolunteerActivity, lazy=True)))
    submit = SubmitField(_l("报名志愿服务"))


class HoursForm(FlaskForm):
    served_on = DateField(_l("服务日期"), validators=[DataRequired()])
    hours = StringField(_l("服务时长（小时）"), validators=[DataRequired(), Length(max=10)])
    note = StringField(_l("服务内容"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("登记时长"))
