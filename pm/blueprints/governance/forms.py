"""Forms of the governance pages: bodies, members' terms, committee logins."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from pm.blueprints.webutil import BoundedIntegerField, options
from pm.models import BodyType, PartyLevel, Position
from pm.services.labels import choices


class BodyForm(FlaskForm):
    kind = SelectField(_l("组织"), choices=options(choices(BodyType, lazy=True)))
    name = StringField(_l("名称（可不填）"), validators=[Optional(), Length(max=120)])
    party_level = SelectField(_l("党组织类别"), choices=options(choices(PartyLevel, lazy=True)))
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("建立"))


class MemberForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    position = SelectField(_l("职务"), choices=options(choices(Position, lazy=True)))
    is_party_member = BooleanField(_l("中共党员"))
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    seat = BoundedIntegerField(_l("席位号（可不填）"), validators=[Optional()])
    started_on = DateField(_l("任期开始"), validators=[DataRequired()])
    ends_on = DateField(_l("任期结束"), validators=[Optional()])
    submit = SubmitField(_l("保存"))


class TermForm(FlaskForm):
    ends_on = DateField(_l("任期结束日期"), validators=[DataRequired()])
    submit = SubmitField(_l("保存"))


class LoginForm(FlaskForm):
    user_id = BoundedIntegerField(_l("委员账号编号"), validators=[DataRequired()])
    submit = SubmitField(_l("绑定"))
