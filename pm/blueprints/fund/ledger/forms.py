"""Forms of the maintenance-fund cashier pages (维修资金归集)."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from pm.blueprints.webutil import BoundedIntegerField, options
from pm.errors import DomainError
from pm.services.fund.payments import PAYMENT_KINDS
from pm.services.fund.returns import RETURN_KINDS
from pm.services.labels import LABELS
from pm.services.money import parse_yuan


def _yuan_check(form, field):
    """The amount must parse exactly to whole fen (pm.services.money, which the view calls again)."""
    try:
        parse_yuan(field.data, field=field.name)
    except DomainError as err:
        raise ValidationError(err.message) from None


def _uuid_check(form, field):
    try:
        uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("表单已失效，请刷新页面后重新提交")) from None


class PaymentForm(FlaskForm):
    """录入交存 for one account; the hidden key makes a double submit post once."""

    kind = SelectField(_l("交存类型"), choices=options((kind.value, LABELS[kind]) for kind in PAYMENT_KINDS))
    amount = StringField(_l("金额（元）"), validators=[DataRequired(), _yuan_check],
                         description=_l("精确到分，例如 3275.00"))
    value_on = DateField(_l("记账日期（银行入账日）"), validators=[DataRequired()])
    memo = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
    idempotency_key = HiddenField(validators=[_uuid_check])
    submit = SubmitField(_l("确认入账"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():  # a new key per rendered form; a submitted form must bring its own
            self.idempotency_key.data = str(uuid.uuid4())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.idempotency_key.errors:  # a hidden field shows no error of its own
            self.form_errors.extend(self.idempotency_key.errors)
            self.idempotency_key.data = str(uuid.uuid4())
        return ok


class ReversalForm(FlaskForm):
    memo = StringField(_l("冲正原因"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("确认冲正"))


class RateForm(FlaskForm):
    """交存标准 in yuan per m² (stored in fen)."""

    name = StringField(_l("标准名称"), validators=[DataRequired(), Length(max=80)], description=_l("例如：多层无电梯"))
    compound_id = SelectField(_l("适用范围"), coerce=int, validate_choice=False)
    has_elevator = SelectField(_l("电梯"), choices=options([("", _l("不限")), ("1", _l("有电梯")), ("0", _l("无电梯"))]))
    min_floors = BoundedIntegerField(_l("最低层数"), validators=[Optional(), NumberRange(1, 200)])
    max_floors = BoundedIntegerField(_l("最高层数"), validators=[Optional(), NumberRange(1, 200)])
    yuan_per_m2 = StringField(_l("交存标准（元/㎡）"), validators=[DataRequired(), _yuan_check])
    effective_on = DateField(_l("生效日期"), validators=[DataRequired()])
    submit = SubmitField(_l("保存"))

    def values(self) -> dict:
        return {
            "name": self.name.data, "compound_id": self.compound_id.data or None,
            "has_elevator": {"": None, "1": True, "0": False}[self.has_elevator.data or ""],
            "min_floors": self.min_floors.data, "max_floors": self.max_floors.data,
            "fen_per_m2": parse_yuan(self.yuan_per_m2.data, field="yuan_per_m2"), "effective_on": self.effective_on.data,
        }


class TermsForm(FlaskForm):
    """房改房交存条件."""

    cost_price = StringField(_l("房改成本价（元/㎡）"), validators=[DataRequired(), _yuan_check])
    owner_permille = BoundedIntegerField(_l("业主交存比例（‰）"), default=20, validators=[DataRequired(), NumberRange(1, 1000)])
    sale_price = StringField(_l("售房款（元）"), validators=[DataRequired(), _yuan_check])
    work_unit_permille = BoundedIntegerField(_l("售房单位提取比例（‰）"), default=200,
                                      validators=[DataRequired(), NumberRange(1, 1000)],
                                      description=_l("多层住宅不低于 200‰，高层不低于 300‰"))
    work_unit_name = StringField(_l("售房单位"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("保存"))

    def values(self) -> dict:
        return {"cost_price_fen_per_m2": parse_yuan(self.cost_price.data), "sale_price_fen": parse_yuan(self.sale_price.data),
                "owner_permille": self.owner_permille.data, "work_unit_permille": self.work_unit_permille.data,
                "work_unit_name": self.work_unit_name.data}


class OpenSubAccountsForm(FlaskForm):
    on = DateField(_l("按此日期适用的交存标准开户"), validators=[DataRequired()])
    submit = SubmitField(_l("为本小区开户"))


class BankImportForm(FlaskForm):
    compound_id = SelectField(_l("小区"), coerce=int, validate_choice=False)
    file = FileField(_l("银行流水文件"), validators=[
        FileRequired(_l("请选择要上传的文件")), FileAllowed(["xlsx", "csv"], _l("只能上传 .xlsx 或 .csv 文件")),
    ])
    submit = SubmitField(_l("校验并入账"))


class ReturnsForm(FlaskForm):
    compound_id = SelectField(_l("小区"), coerce=int, validate_choice=False)
    kind = SelectField(_l("收益类型"), choices=options((kind.value, LABELS[kind]) for kind in RETURN_KINDS))
    period = StringField(_l("期间"), validators=[DataRequired(), Length(max=16)], description=_l("例如 2025；每个小区每个期间只能分配一次"))
    amount = StringField(_l("分配总额（元）"), validators=[DataRequired(), _yuan_check])
    memo = StringField(_l("说明"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("分配到各户"))


class DemolishForm(FlaskForm):
    on = DateField(_l("灭失日期"), validators=[DataRequired()])
    memo = StringField(_l("说明"), validators=[Optional(), Length(max=150)], description=_l("例如：征收、拆除"))
    confirm = BooleanField(_l("确认：退还全部余额、销户，并终止现业主登记"), validators=[DataRequired()])
    submit = SubmitField(_l("登记灭失"))
