"""Shared helpers for HTML views: service errors onto forms, pagination, the form POST flow."""
from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from pm.errors import DomainError
from pm.extensions import db
from pm.services.numbers import INT32_MAX, INT32_MIN, bounded_int

PAGE_SIZE = 50


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as wtforms SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


def errors_to_form(form: FlaskForm, err: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's DomainError under the matching form field (or at the top of the form)."""
    aliases = aliases or {}
    placed = False
    for name, messages in err.fields.items():
        field = getattr(form, aliases.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.extend(messages)
            placed = True
    if not placed:
        form.form_errors.append(err.message)


class BoundedIntegerField(IntegerField):
    """An integer form field that also refuses what no integer column can hold (every form's integers use it):
    "99999999999999999999" is a form error, not an overflow in the database."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(gettext("必须是整数")) from None
        if self.data is not None and not bounded_int(self.data):
            self.data = None
            raise ValueError(gettext("数字过大（%(min)s 到 %(max)s）", min=INT32_MIN, max=INT32_MAX))

    def pre_validate(self, form):
        """A value that could not be read keeps its own reason (DataRequired would replace it with "required")."""
        if self.process_errors:
            raise StopValidation()


@dataclass
class Page:
    """A page of a list computed in Python (same attributes as Flask-SQLAlchemy's Pagination)."""

    items: list
    page: int
    pages: int
    total: int


class RowsPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination of a select whose items are Row tuples (several columns), not one model."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).unique().all())


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def paginate(stmt, *, per_page: int = PAGE_SIZE, rows: bool = False) -> Pagination:
    """Flask-SQLAlchemy's paginate by ?page=; a page past the end shows the last page.

    rows=False yields the first column's objects (a select of one model); rows=True yields Row tuples.
    """

    def at(number: int) -> Pagination:
        if rows:
            return RowsPagination(select=stmt, session=db.session(), page=number, per_page=per_page,
                                  max_per_page=per_page, error_out=False, count=True)
        return db.paginate(stmt, page=number, per_page=per_page, max_per_page=per_page, error_out=False)

    number = _page_number()
    page = at(number)
    if page.pages and number > page.pages:
        page = at(page.pages)
    return page


def paginate_list(items: list, *, per_page: int = PAGE_SIZE) -> Page:
    """The same Page for a list already computed in Python (e.g. per-compound totals)."""
    pages = max(1, -(-len(items) // per_page))
    page = min(_page_number(), pages)
    return Page(items=items[(page - 1) * per_page:page * per_page], page=page, pages=pages, total=len(items))


def submit_form(form: FlaskForm, action, *, done: str, redirect_to, template: str, aliases: dict | None = None,
                **context):
    """The one POST flow of our form pages.

    Valid form → call `action()` (a service call) → commit, flash `done`, redirect (a URL, or a function of
    the action's result). A DomainError rolls back and is shown under its field. GET or an invalid form
    renders `template` (400 after a POST, so the re-shown form is not mistaken for success).
    """
    if form.validate_on_submit():
        try:
            result = action()
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err, aliases)
        else:
            flash(done, "success")
            return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status
