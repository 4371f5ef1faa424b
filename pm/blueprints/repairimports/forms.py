"""历史工单导入 forms: upload a file for a compound (its dry run), and confirm a dry run."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, SubmitField


class RepairImportForm(FlaskForm):
    """Upload a file of historical repair requests for one compound (the scope is checked by the service)."""

    compound_id = SelectField(_l("小区"), coerce=int, validate_choice=False)
    file = FileField(_l("历史工单文件"), validators=[
        FileRequired(_l("请选择要上传的文件")), FileAllowed(["xlsx", "csv"], _l("只能上传 .xlsx 或 .csv 文件")),
    ])
    submit = SubmitField(_l("上传并预演"))


class CommitForm(FlaskForm):
    """Confirm a dry run (a POST with the CSRF token)."""

    submit = SubmitField(_l("确认导入"))
