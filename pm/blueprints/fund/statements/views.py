"""资金公示 pages: an owner's sub-accounts on a phone, and yearly statements on screen, as xlsx and as PDF."""
# Per compound (公示) and per household (对账单); the PDF comes from pm.services.pdf (Noto Sans CJK, no network).
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, current_app, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SubmitField

from pm.access import can, current_scope, require
from pm.blueprints.webutil import paginate, submit_form
from pm.models.fund import EntryKind, Holder
from pm.services.fund import statement_notice, statement_xlsx, statements, subaccounts
from pm.services.labels import label
from pm.services.pdf import render_pdf
from pm.timeutil import local_today, to_local, utcnow

bp = Blueprint("statements", __name__, url_prefix="/statements")


logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _helpers():
    return {"kind_label": lambda k: label(k, EntryKind), "holder_label": lambda h: label(h, Holder)}


@bp.route("/")
@login_required
def index():
    """Compounds in scope with the years that have a statement."""
    scope = current_scope()
    page = paginate(statements.statement_compounds(scope))
    years = statements.statement_years(scope, [c.id for c in page.items])
    return render_template("fund/statements/index.html", page=page, years=years)


@bp.route("/my")
@login_required
def my_account():
    """我的维修资金: each of the owner's households and sub-accounts with their latest movements."""
    scope = current_scope()
    homes = subaccounts.my_subaccounts(scope)
    latest = subaccounts.latest_movements(scope, [s.subaccount.id for home in homes for s in home.subaccounts])
    reversals = subaccounts.reversed_by([e for entries in latest.values() for e in entries])
    return render_template("fund/statements/my.html", homes=homes, latest=latest, reversed_by=reversals,
                           year=local_today().year)


@bp.route("/accounts/<int:account_id>")
@login_required
def subaccount(account_id: int):
    """One sub-account: balance, first deposit, the 30% warning and all movements, newest first, paginated."""
    scope = current_scope()
    summary = subaccounts.subaccount_in_scope(scope, account_id)
    page = paginate(subaccounts.movements_stmt(scope, summary.subaccount), per_page=subaccounts.MOVEMENTS_PER_PAGE)
    return render_template("fund/statements/subaccount.html", s=summary, page=page,
                           reversed_by=subaccounts.reversed_by(page.items), year=local_today().year)


@bp.route("/compounds/<int:compound_id>/<int:year>")
@login_required
def compound(compound_id: int, year: int):
    """年度公示 of one compound on screen; the fund centre and the street publish it as a notice from here."""
    st = statements.compound_statement(current_scope(), compound_id, year)
    return render_template("fund/statements/compound.html", **_compound_context(st))


class PublishForm(FlaskForm):
    submit = SubmitField(_l("发布资金公示（通知本小区业主）"))


def _compound_context(st, form=None) -> dict:
    may = can(current_user, "fund.statement.publish") and st.year < local_today().year
    return {"st": st, "published": statement_notice.published_notice(st.compound.id, st.year),
            "publish_form": (form or PublishForm()) if may else None}


@bp.route("/compounds/<int:compound_id>/<int:year>/publish", methods=["POST"])
@login_required
def publish(compound_id: int, year: int):
    """Publish the yearly statement: a 公示 to the compound's households linking to this page."""
    require(current_user, "fund.statement.publish")
    scope = current_scope()
    st = statements.compound_statement(scope, compound_id, year)
    form = PublishForm()
    return submit_form(form, lambda: statement_notice.publish_statement(current_user, scope=scope,
                                                                        compound_id=compound_id, year=year),
                       done=_("资金公示已发布，业主将收到通知"),
                       redirect_to=url_for("statements.compound", compound_id=compound_id, year=year),
                       template="fund/statements/compound.html", **_compound_context(st, form))


@bp.route("/compounds/<int:compound_id>/<int:year>.xlsx")
@login_required
def compound_xlsx(compound_id: int, year: int):
    st = statements.compound_statement(current_scope(), compound_id, year)
    return _download(statement_xlsx.compound_statement_xlsx(st), XLSX, f"statement-compound-{compound_id}-{year}.xlsx")


@bp.route("/compounds/<int:compound_id>/<int:year>.pdf")
@login_required
def compound_pdf(compound_id: int, year: int):
    st = statements.compound_statement(current_scope(), compound_id, year)
    html = render_template("fund/statements/compound_print.html", st=st, css=_print_css(),
                           now_local=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    return _download(render_pdf(html), "application/pdf", f"statement-compound-{compound_id}-{year}.pdf")


@bp.route("/households/<int:household_id>/<int:year>")
@login_required
def household(household_id: int, year: int):
    """A household's yearly statement (movements and balance) on screen."""
    st = statements.household_statement(current_scope(), household_id, year)
    return render_template("fund/statements/household.html", st=st)


@bp.route("/households/<int:household_id>/<int:year>.xlsx")
@login_required
def household_xlsx(household_id: int, year: int):
    st = statements.household_statement(current_scope(), household_id, year)
    return _download(statement_xlsx.household_statement_xlsx(st), XLSX,
                     f"statement-household-{household_id}-{year}.xlsx")


@bp.route("/households/<int:household_id>/<int:year>.pdf")
@login_required
def household_pdf(household_id: int, year: int):
    st = statements.household_statement(current_scope(), household_id, year)
    html = render_template("fund/statements/household_print.html", st=st, css=_print_css(),
                           now_local=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    return _download(render_pdf(html), "application/pdf", f"statement-household-{household_id}-{year}.pdf")


# -- helpers ---------------------------------------------------------------------------------------
def _download(data: bytes, mimetype: str, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _print_css() -> str:
    return (Path(current_app.root_path) / "templates" / "fund" / "statements" / "print.css").read_text(encoding="utf-8")
