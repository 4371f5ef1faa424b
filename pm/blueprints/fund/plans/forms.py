"""Forms of the use-plan pages (使用方案): draft, transitions, ballots, paper ballots, documents."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from pm.blueprints.webutil import options
from pm.errors import DomainError
from pm.models.votes import VoteChoice
from pm.services.fund.plans import MAX_BUDGET_FEN
from pm.services.labels import choices, vocabulary_choices
from pm.services.money import parse_yuan

DECISION_CHOICES = [
    ("use_fund", _l("使用维修资金（过半数通过）")),
    ("raise_fund", _l("筹集维修资金（四分之三以上通过）")),
    ("change_use", _l("改变共有部分用途或利用其经营（四分之三以上通过）")),
]
SCOPE_CHOICES = vocabulary_choices("plan_scope", lazy=True)


def yuan_to_fen(text, *, field: str) -> int:
    """Yuan typed in a plan form → exact fen (pm.services.money's one rule, with the plans' ceiling)."""
    return parse_yuan(text, field=field, max_fen=MAX_BUDGET_FEN)


def _yuan_check(form, field):
    if field.data in (None, ""):
        return
    try:
        yuan_to_fen(field.data, field=field.name)
    except DomainError as err:
        raise ValidationError(err.message) from None


class PlanForm(FlaskForm):
    """起草使用方案."""

    title = StringField(_l("方案名称"), validators=[DataRequired(), Length(max=120)])
    shared_part = StringField(_l("共用部位/共用设施"), validators=[DataRequired(), Length(max=200)])
    reason = TextAreaField(_l("维修理由与内容"), validators=[DataRequired(), Length(max=5000)])
    budget = StringField(_l("预算（元）"), validators=[DataRequired(), _yuan_check],
                         description=_l("例如 12345.60，最多两位小数"))
    contractor = StringField(_l("施工单位"), validators=[Optional(), Length(max=120)])
    decision_kind = SelectField(_l("表决事项"), choices=options(DECISION_CHOICES), default="use_fund")
    scope_kind = SelectField(_l("列支范围"), choices=options(SCOPE_CHOICES), default="whole")
    targets = SelectMultipleField(_l("楼栋、单元或住户（列支范围选“所选”时）"), choices=[], validate_choice=True)
    not_under_warranty = BooleanField(_l("不在开发建设单位保修期内"))
    not_utility_duty = BooleanField(_l("不属供水、供电、供气、通信等专业单位负责维修的管线和设施设备"))
    not_caused_damage = BooleanField(_l("不是人为损坏（应由责任人承担）"))
    not_contract_duty = BooleanField(_l("不属物业服务合同约定由物业服务企业承担的维修养护"))
    is_emergency = BooleanField(_l("应急使用（危及房屋安全，不经公示和表决）"))
    emergency_reason = SelectField(_l("应急情形"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("保存草稿"))


class TransitionForm(FlaskForm):
    """One state change; reason for reject/cancel, actual cost (yuan) for settling."""

    to = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("理由"), validators=[Optional(), Length(max=200)])
    actual_cost = StringField(_l("实际费用（元）"), validators=[Optional(), _yuan_check])


class BallotForm(FlaskForm):
    """业主线上投票: one household, one choice."""

    household_id = HiddenField(validators=[DataRequired()])
    choice = HiddenField(validators=[DataRequired()])


class PaperBallotForm(FlaskForm):
    """业委会录入纸质表决票."""

    voter = SelectField(_l("住户与投票业主"), choices=[], validators=[DataRequired()])
    choice = SelectField(_l("表决意见"), choices=options(choices(VoteChoice, lazy=True)))
    submit = SubmitField(_l("录入纸质票"))


class DocumentForm(FlaskForm):
    """上传方案材料 (PDF, JPEG or PNG)."""

    file = FileField(_l("文件（PDF、JPEG 或 PNG，不超过 10 MB）"), validators=[FileRequired(_l("请选择文件"))])
    submit = SubmitField(_l("上传"))
