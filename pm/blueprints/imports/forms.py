"""台账导入 forms: upload a workbook for a compound, choose a compound to export."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField


class ImportForm(FlaskForm):
    """Upload a registry workbook for one compound (the scope is checked by the service)."""

    compound_id = SelectField(_l("小区"), coerce=int, validate_choice=False)
    file = FileField(
        _l("台账文件"),
        validators=[
            FileRequired(_l("请选择要上传的文件")),
            FileAllowed(["xlsx", "csv"], _l("只能上传 .xlsx 或 .csv 文件（.xls 请先在 Excel 中另存为 .xlsx）")),
        ],
    )
    submit = SubmitField(_l("上传并预览"))


class ConfirmForm(FlaskForm):
    """Confirm an import's preview (a POST with the CSRF token)."""

    submit = SubmitField(_l("确认导入"))


class ExportForm(FlaskForm):
    """Choose a compound whose registry to download (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    compound_id = SelectField(_l("小区"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("导出台账"))


class OpeningBalancesForm(FlaskForm):
    """期初余额导入 for one compound: a dry run (预演) or the import itself."""

    compound_id = SelectField(_l("小区"), coerce=int, validate_choice=False)
    file = FileField(_l("期初余额文件"), validators=[
        FileRequired(_l("请选择要上传的文件")), FileAllowed(["xlsx", "csv"], _l("只能上传 .xlsx 或 .csv 文件")),
    ])
    dry_run = BooleanField(_l("只预演（校验并显示将要入账的内容，不入账）"), default=True)
    submit = SubmitField(_l("上传"))
