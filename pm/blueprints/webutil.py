"""Shared helpers for HTML views: service errors onto forms, pagination."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from pm.errors import DomainError
from pm.extensions import db

PAGE_SIZE = 50


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


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def paginate(stmt, *, per_page: int = PAGE_SIZE, rows: bool = False) -> Page:
    """LIMIT/OFFSET a select by ?page=, with a total from COUNT over the same filter.

    rows=False yields the first column's objects (a select of one model); rows=True yields Row tuples.
    """
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(_page_number(), pages)
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique()
    items = list(result.all() if rows else result.scalars())
    return Page(items=items, page=page, pages=pages, total=total)


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
    from flask import flash, redirect, render_template

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
