"""Forms of the election pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pm.blueprints.webutil import BoundedIntegerField, options
from pm.models import ElectionKind
from pm.services.labels import choices


class StartForm(FlaskForm):
    kind = SelectField(_l("选举类别"), choices=options(choices(ElectionKind, lazy=True)))
    seats = BoundedIntegerField(_l("委员人数（单数）"), validators=[DataRequired()])
    term_years = BoundedIntegerField(_l("每届任期（年，不超过 5 年）"), default=5, validators=[Optional()])
    group = TextAreaField(_l("筹备组成员（每行一人：姓名,身份,电话；身份为 owner 业主代表 / street 街道 / community 社区 / "
                             "property 物业）"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("成立筹备组，开始提名"))


class NominateForm(FlaskForm):
    owner = SelectField(_l("候选人（本小区业主）"), validators=[DataRequired()])
    is_party_member = BooleanField(_l("中共党员"))
    nominated_by = StringField(_l("推荐方式（如：业主联名推荐、自荐）"), validators=[Optional(), Length(max=64)])
    statement = TextAreaField(_l("简介"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("登记候选人"))


class PubliciseForm(FlaskForm):
    starts_on = DateField(_l("公示开始日期"), validators=[DataRequired()])
    submit = SubmitField(_l("公示候选人"))


class VotingForm(FlaskForm):
    opens_on = DateField(_l("投票开始日期"), validators=[DataRequired()])
    closes_on = DateField(_l("投票截止日期"), validators=[DataRequired()])
    submit = SubmitField(_l("开始投票"))


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BallotForm(FlaskForm):
    household_id = SelectField(_l("房屋"), coerce=int, validators=[DataRequired()])
    candidate_ids = MultiCheckbox(_l("选择候选人"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("投票"))


class PaperForm(FlaskForm):
    owner = SelectField(_l("投票的房屋和业主"), validators=[DataRequired()])
    candidate_ids = MultiCheckbox(_l("纸质选票上选择的候选人"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("录入纸质选票"))


class FileForm(FlaskForm):
    filed_on = DateField(_l("备案日期"), validators=[DataRequired()])
    submit = SubmitField(_l("登记备案"))


class ActionForm(FlaskForm):
    submit = SubmitField(_l("确定"))


class OfficersForm(FlaskForm):
    chair = SelectField(_l("主任委员"), coerce=int, validators=[DataRequired()])
    vice_chairs = MultiCheckbox(_l("副主任委员（不超过 2 人）"), coerce=int, validate_choice=False)
    effective_on = DateField(_l("生效日期"), validators=[Optional()])
    submit = SubmitField(_l("登记主任委员和副主任委员"))
