"""Forms for the registry pages (台账)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
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

from pm.blueprints.webutil import BoundedIntegerField
from pm.errors import DomainError
from pm.models import ManagementMode, Relation, RenovationClass
from pm.services.labels import choices
from pm.services.registry.areas import parse_area


class AreaField(StringField):
    """An exact area typed as text (no float round-trip); parsed by the service."""


def _area_check(form, field):
    if field.data in (None, ""):
        return
    try:
        parse_area(field.data)
    except DomainError as err:
        raise ValidationError(err.message) from None


class CompoundForm(FlaskForm):
    name = StringField(_l("小区名称"), validators=[DataRequired(), Length(max=80)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    year_built = BoundedIntegerField(_l("建成年份"), validators=[Optional(), NumberRange(1900, 2100)])
    household_count = BoundedIntegerField(_l("户数（调查数）"), validators=[Optional(), NumberRange(min=0)])
    resident_count = BoundedIntegerField(_l("居民人数"), validators=[Optional(), NumberRange(min=0)])
    floor_area_m2 = AreaField(_l("总建筑面积（㎡）"), validators=[Optional(), _area_check])
    renovation_class = SelectField(_l("改造类别"), validators=[Optional()])
    renovation_year = BoundedIntegerField(_l("改造年份"), validators=[Optional(), NumberRange(1990, 2100)])
    management_mode = SelectField(_l("管理模式"), validators=[DataRequired()])
    property_company = StringField(_l("物业企业"), validators=[Optional(), Length(max=120)])
    service_grade = BoundedIntegerField(_l("物业服务等级（1–5）"), default=2, validators=[DataRequired(), NumberRange(1, 5)])
    owners_committee_formed_on = DateField(_l("业主委员会成立日期"), validators=[Optional()])
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.renovation_class.choices = [("", _l("（未填）"))] + choices(RenovationClass)
        self.management_mode.choices = choices(ManagementMode)

    def values(self) -> dict:
        data = {k: v for k, v in self.data.items() if k not in ("submit", "csrf_token")}
        data["renovation_class"] = data["renovation_class"] or None
        data["floor_area_m2"] = data["floor_area_m2"] or None
        return data


class RenovationItemForm(FlaskForm):
    name = StringField(_l("改造内容"), validators=[DataRequired(), Length(max=80)])
    is_completed = BooleanField(_l("已完成"))
    completed_on = DateField(_l("完成日期"), validators=[Optional()])
    warranty_until = DateField(_l("保修截止日期"), validators=[Optional()])
    submit = SubmitField(_l("保存改造内容"))


class HouseholdForm(FlaskForm):
    building = StringField(_l("楼栋"), validators=[DataRequired(), Length(max=40)], description=_l("例如：3号楼"))
    unit = StringField(_l("单元"), validators=[DataRequired(), Length(max=40)], description=_l("例如：2单元"))
    room_no = StringField(_l("房号"), validators=[DataRequired(), Length(max=20)], description=_l("例如：501"))
    floor = BoundedIntegerField(_l("所在楼层"), validators=[DataRequired(), NumberRange(-5, 120)])
    area_m2 = AreaField(_l("建筑面积（㎡）"), validators=[DataRequired(), _area_check], description=_l("最多两位小数，例如 65.32"))
    is_sold_public_housing = BooleanField(_l("房改房（售后公房）"))
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("保存"))


class HouseholdEditForm(FlaskForm):
    room_no = StringField(_l("房号"), validators=[DataRequired(), Length(max=20)])
    floor = BoundedIntegerField(_l("所在楼层"), validators=[DataRequired(), NumberRange(-5, 120)])
    area_m2 = AreaField(_l("建筑面积（㎡）"), validators=[DataRequired(), _area_check])
    is_sold_public_housing = BooleanField(_l("房改房（售后公房）"))
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("保存"))


class PersonForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=20)])
    started_on = DateField(_l("开始日期"), validators=[DataRequired()])
    submit = SubmitField(_l("登记业主"))


class TransferForm(FlaskForm):
    name = StringField(_l("新业主姓名"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("新业主电话"), validators=[Optional(), Length(max=20)])
    co_name = StringField(_l("共有人姓名（可不填）"), validators=[Optional(), Length(max=64)])
    co_phone = StringField(_l("共有人电话"), validators=[Optional(), Length(max=20)])
    on = DateField(_l("过户日期"), validators=[DataRequired()])
    submit = SubmitField(_l("办理过户"))


class ResidentForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=20)])
    relation = SelectField(_l("与业主关系"), validators=[DataRequired()])
    started_on = DateField(_l("入住日期"), validators=[DataRequired()])
    submit = SubmitField(_l("登记住户"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.relation.choices = choices(Relation)


class EndResidencyForm(FlaskForm):
    on = DateField(_l("迁出日期"), validators=[DataRequired()])
    submit = SubmitField(_l("迁出"))


class NodeForm(FlaskForm):
    """A new street office or community: a name and a phone."""

    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=64)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("新增"))


class StationForm(FlaskForm):
    name = StringField(_l("服务站名称"), validators=[DataRequired(), Length(max=80)])
    operator = StringField(_l("运营单位（物业企业或街道物业服务公司）"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=32)])
    compound_ids = SelectMultipleField(_l("服务的小区"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("新增服务站"))
