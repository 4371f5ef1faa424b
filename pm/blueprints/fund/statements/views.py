"""资金公示 pages: an owner's fund accounts on a phone, yearly statements per compound and per household,
on screen, as xlsx and as a printable PDF (WeasyPrint, Noto Sans CJK SC, no network fetches)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app, make_response, render_template
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy.orm import joinedload

from pm.access import current_scope
from pm.blueprints.fund.statements import bp
from pm.blueprints.webutil import paginate
from pm.errors import Forbidden
from pm.models import Community, Compound
from pm.services.fund import statements as fs
from pm.timeutil import local_today, to_local, utcnow

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _helpers():
    return {"kind_label": fs.kind_label, "holder_label": fs.holder_label}


@bp.route("/")
@login_required
def index():
    """Compounds in scope with the years that have a statement."""
    scope = current_scope()
    page = paginate(
        scope.select(Compound).options(joinedload(Compound.community).joinedload(Community.street))
        .order_by(Compound.name, Compound.id)
    )
    years = fs.statement_years(scope, [c.id for c in page.items])
    return render_template("fund/statements/index.html", page=page, years=years)


@bp.route("/my")
@login_required
def my_account():
    """我的维修资金: each of the owner's households and sub-accounts with their latest movements."""
    scope = current_scope()
    if not scope.is_household_bound:
        raise Forbidden(gettext("“我的维修资金”供业主和住户查看；工作人员请使用资金公示"))
    homes = fs.my_accounts(scope)
    latest = fs.latest_movements(scope, [s.account.id for home in homes for s in home.accounts])
    reversals = fs.reversed_by([e for entries in latest.values() for e in entries])
    return render_template("fund/statements/my.html", homes=homes, latest=latest, reversed_by=reversals,
                           year=local_today().year)


@bp.route("/accounts/<int:account_id>")
@login_required
def account(account_id: int):
    """One sub-account: balance, first deposit, the 30% warning and all movements, newest first, paginated."""
    scope = current_scope()
    summary = fs.account_in_scope(scope, account_id)
    page = paginate(fs.movements_stmt(scope, summary.account), per_page=fs.MOVEMENTS_PER_PAGE)
    return render_template("fund/statements/account.html", s=summary, page=page, reversed_by=fs.reversed_by(page.items),
                           year=local_today().year)


@bp.route("/compounds/<int:compound_id>/<int:year>")
@login_required
def compound(compound_id: int, year: int):
    """年度公示 of one compound on screen."""
    st = fs.compound_statement(current_scope(), compound_id, year)
    return render_template("fund/statements/compound.html", st=st)


@bp.route("/compounds/<int:compound_id>/<int:year>.xlsx")
@login_required
def compound_xlsx(compound_id: int, year: int):
    st = fs.compound_statement(current_scope(), compound_id, year)
    return _download(fs.compound_statement_xlsx(st), XLSX, f"statement-compound-{compound_id}-{year}.xlsx")


@bp.route("/compounds/<int:compound_id>/<int:year>.pdf")
@login_required
def compound_pdf(compound_id: int, year: int):
    st = fs.compound_statement(current_scope(), compound_id, year)
    html = render_template("fund/statements/compound_print.html", st=st, css=_print_css(),
                           now_local=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"))
    return _download(render_pdf(html), "application/pdf", f"statement-compound-{compound_id}-{year}.pdf")


@bp.route("/households/<int:household_id>/<int:year>")
@login_required
def household(household_id: int, year: int):
    """A household's yearly statement (movements and balance) on screen."""
    st = fs.household_statement(current_scope(), household_id, year)
    return render_template("fund/statements/household.html", st=st)


@bp.route("/households/<int:household_id>/<int:year>.xlsx")
@login_required
def household_xlsx(household_id: int, year: int):
    st = fs.household_statement(current_scope(), household_id, year)
    return _download(fs.household_statement_xlsx(st), XLSX, f"statement-household-{household_id}-{year}.xlsx")


@bp.route("/households/<int:household_id>/<int:year>.pdf")
@login_required
def household_pdf(household_id: int, year: int):
    st = fs.household_statement(current_scope(), household_id, year)
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


def _local_only_fetcher():
    """A WeasyPrint URL fetcher that refuses every URL except inline data: (no network, no files)."""
    from weasyprint import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                logger.warning("PDF: refused to fetch %r", url)
                raise ValueError(f"refused non-local URL: {url}")
            return super().fetch(url, headers)

    return LocalOnly()


def render_pdf(html: str) -> bytes:
    """A PDF of a standalone print page (its CSS inline; fonts from the system's fonts-noto-cjk)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=_local_only_fetcher()).write_pdf()
