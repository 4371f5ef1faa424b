"""Forms of the motion pages: file a motion, its cost table and affected households, transitions, the county's
policy. The owner's ballot and the paper ballot are the plan pages' forms (one way to vote)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pm.blueprints.fund.plans.forms import BallotForm, PaperBallotForm  # noqa: F401  (the plan pages' vote forms)
from pm.blueprints.webutil import options
from pm.models.motions import MotionKind
from pm.services.labels import choices


class MotionForm(FlaskForm):
    """提出表决事项."""

    compound_id = HiddenField(validators=[DataRequired()])
    kind = SelectField(_l("事项类型"), choices=options(choices(MotionKind, lazy=True)), default="ordinary")
    title = StringField(_l("标题"), validators=[DataRequired(), Length(max=120)])
    body = TextAreaField(_l("事项内容"), validators=[DataRequired(), Length(max=5000)])
    unit_id = SelectField(_l("单元（加装电梯事项）"), choices=[], validators=[Optional()], validate_choice=False)
    submit = SubmitField(_l("保存草稿"))


class CostForm(FlaskForm):
    """费用共担表: total (yuan) and one coefficient per floor (fields coef_<floor>, read by the view)."""

    total = StringField(_l("总费用（元）"), validators=[DataRequired()], description=_l("例如 300000，最多两位小数"))
    submit = SubmitField(_l("保存费用共担表"))


class AffectedForm(FlaskForm):
    household_ids = SelectMultipleField(_l("受直接影响的住户"), choices=[], coerce=int, validate_choice=True,
                                        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    submit = SubmitField(_l("保存受影响住户"))


class MotionTransitionForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    until = DateField(_l("截止日期"), validators=[Optional()])


class PolicyForm(FlaskForm):
    """本县加装电梯规则."""

    affected_consent = BooleanField(_l("受直接影响的住户（如一、二层）须全部同意，任一户反对或未投票即不通过"))
    cost_by_area = BooleanField(_l("费用按“楼层系数 × 建筑面积”分摊（不选：按楼层系数）"))
    submit = SubmitField(_l("保存"))
