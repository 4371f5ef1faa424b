"""Forms for 满意度测评: open a survey; answer one (the question fields are added per survey)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from pm.blueprints.webutil import options

SCALE = ((5, _l("5 非常满意")), (4, _l("4 满意")), (3, _l("3 一般")), (2, _l("2 不满意")), (1, _l("1 非常不满意")))


class OpenSurveyForm(FlaskForm):
    compound_id = SelectField(_l("小区"), coerce=int, validators=[DataRequired()])
    month = StringField(_l("月份（如 2026-11）"), validators=[DataRequired(), Length(max=7),
                                                         Regexp(r"^[0-9]{4}-[0-9]{2}$", message=_l("月份格式应为 YYYY-MM"))])
    submit = SubmitField(_l("开展测评并通知住户"))


class CloseSurveyForm(FlaskForm):
    submit = SubmitField(_l("结束测评"))


class AnswerBase(FlaskForm):
    # The service says why a household cannot answer (another compound, answered already), not "invalid choice".
    household_id = SelectField(_l("房屋"), coerce=int, validators=[DataRequired()], validate_choice=False)


def answer_form(questions: list[str], *, paper: bool) -> FlaskForm:
    """A form with one 1–5 choice per question (q0, q1, …) and the household it is for."""
    fields = {f"q{i}": SelectField(text, coerce=int, choices=options(SCALE), validators=[DataRequired()])
              for i, text in enumerate(questions)}
    fields["submit"] = SubmitField(_l("录入纸质问卷") if paper else _l("提交"))
    return type("AnswerForm", (AnswerBase,), fields)()
