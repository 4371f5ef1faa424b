"""Forms of the repair pages (报事报修)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pm.blueprints.webutil import BoundedIntegerField, options
from pm.models import RepairCategory, Urgency
from pm.services.labels import choices


class FileForm(FlaskForm):
    """File a request (logged in). `location` is h:<household>, c (the compound), b:<building> or u:<unit>."""

    category = SelectField(_l("报修类别"), validators=[DataRequired(message=_l("请选择报修类别"))])
    location = SelectField(_l("位置"), validators=[DataRequired()])
    location_note = StringField(_l("具体位置（选填）"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("问题描述"), validators=[DataRequired(), Length(min=5, max=2000)])
    urgency = RadioField(_l("紧急程度"), default=Urgency.NORMAL.value, validators=[DataRequired()])
    photos = MultipleFileField(_l("照片（最多 6 张，JPEG/PNG/WebP）"))
    # Shown once the home has an open request of the category: the filer confirms it is another problem.
    confirm_duplicate = BooleanField(_l("仍要提交（这是另一处问题）"))
    submit = SubmitField(_l("提交报修"))

    def __init__(self, *args, locations: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # No silent default: the filer picks a category ("please choose" first, refused if left).
        self.category.choices = options([("", _l("请选择"))] + choices(RepairCategory))
        self.urgency.choices = options(choices(Urgency))
        self.location.choices = options(locations)


class PublicFileForm(FileForm):
    """The public page: a phone number instead of an account; common areas only."""

    filer_name = StringField(_l("称呼（选填）"), validators=[Optional(), Length(max=64)])
    filer_phone = StringField(_l("手机号码"), validators=[DataRequired(), Length(max=20)])


class RuleForm(FlaskForm):
    category = SelectField(_l("类别"))
    urgency = SelectField(_l("紧急程度"), validators=[DataRequired()])
    service_grade = BoundedIntegerField(_l("服务等级（空＝全部）"), validators=[Optional(), NumberRange(1, 5)])
    response_minutes = BoundedIntegerField(_l("响应时限（分钟）"), validators=[DataRequired(), NumberRange(min=1)])
    onsite_minutes = BoundedIntegerField(_l("到场时限（分钟，选填）"), validators=[Optional(), NumberRange(min=1)])
    completion_workdays = BoundedIntegerField(_l("完成时限（工作日，选填）"), validators=[Optional(), NumberRange(min=1)])
    completion_hours = BoundedIntegerField(_l("完成时限（小时，选填）"), validators=[Optional(), NumberRange(min=1)])
    submit = SubmitField(_l("保存时限"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = options([("", _l("全部类别"))] + choices(RepairCategory))
        self.urgency.choices = options(choices(Urgency))


class CalendarDayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired()])
    is_workday = SelectField(_l("类型"), choices=options([("0", _l("放假")), ("1", _l("调休上班"))]))
    note = StringField(_l("说明（选填）"), validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("保存日期"))
