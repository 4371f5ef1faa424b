"""以区养区 pages: the income and uses of common parts per compound and period (owners see their compound's),
recording an entry, and crediting income to the maintenance fund."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from pm.access import can, current_scope, require
from pm.blueprints.commonincome.forms import CreditForm, EntryForm
from pm.blueprints.webutil import options, paginate, submit_form
from pm.extensions import db
from pm.models import Compound
from pm.services.commonincome import income
from pm.services.labels import label
from pm.services.money import format_fen, parse_yuan

bp = Blueprint("commonincome", __name__, url_prefix="/common-income")


@bp.context_processor
def _helpers():
    return {"label": label, "yuan": format_fen}


@bp.route("/")
@login_required
def index():
    """公开: per compound and period, income and uses by category and what is left; the entries below."""
    require(current_user, "income.view")
    scope = current_scope()
    compound_id = request.args.get("compound_id", type=int)
    compound_id = compound_id if compound_id and 0 < compound_id < 2**31 else None
    rows = income.summary(scope, compound_id=compound_id)
    names = {cid: name for cid, name in db.session.execute(scope.filter(
        select(Compound.id, Compound.name).where(Compound.id.in_({r.compound_id for r in rows})), Compound))}
    page = paginate(income.entries_stmt(scope, compound_id=compound_id))
    return render_template("commonincome/index.html", rows=rows, names=names, page=page, compound_id=compound_id,
                           may_record=can(current_user, "income.record"), may_credit=can(current_user, "fund.returns"))


def _compounds(form) -> None:
    form.compound_id.choices = options(
        (c.id, c.name) for c in db.session.scalars(current_scope().select(Compound).order_by(Compound.name)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Record an income or a use of a compound's common parts."""
    require(current_user, "income.record")
    form = EntryForm()
    _compounds(form)

    def action():
        return income.record_entry(current_user, scope=current_scope(), compound_id=form.compound_id.data,
                                   period=form.period.data, category=form.category.data,
                                   amount_fen=parse_yuan(form.amount.data, field="amount"),
                                   occurred_on=form.occurred_on.data, note=form.note.data)

    return submit_form(form, action, done=_("已登记"), template="commonincome/form.html",
                       redirect_to=lambda e: url_for("commonincome.index", compound_id=e.compound_id),
                       aliases={"amount_fen": "amount"}, title=_("登记经营收支"))


@bp.route("/credit", methods=["GET", "POST"])
@login_required
def credit():
    """Credit a period's income to the compound's maintenance fund accounts (the returns distribution)."""
    require(current_user, "fund.returns")
    form = CreditForm()
    _compounds(form)

    def action():
        return income.credit_to_fund(current_user, scope=current_scope(), compound_id=form.compound_id.data,
                                     period=form.period.data, amount_fen=parse_yuan(form.amount.data, field="amount"))

    return submit_form(form, action, done=_("已转入维修资金并分配到各户"), template="commonincome/form.html",
                       redirect_to=lambda e: url_for("commonincome.index", compound_id=e.compound_id),
                       aliases={"amount_fen": "amount"}, title=_("转入维修资金"))
