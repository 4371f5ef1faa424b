"""维修资金归集页面: the fund officials' pages (overview, lists, payments, bank import, standards, returns)."""
# Also reversals, 房改房 terms, opening sub-accounts and demolition. Rules and queries live in pm.services.fund.
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload

from pm.access import can, current_scope, require
from pm.blueprints.fund.ledger.forms import (
    BankImportForm,
    DemolishForm,
    OpenSubAccountsForm,
    PaymentForm,
    RateForm,
    ReturnsForm,
    ReversalForm,
    TermsForm,
    options,
)
from pm.blueprints.webutil import errors_to_form, paginate, paginate_list, submit_form
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound, DepositRate, Household, LedgerEntry
from pm.models.fund import EntryKind, Holder
from pm.services.fund import (
    arrears,
    bank,
    demolition,
    deposits,
    overview,
    payments,
    rates,
    returns,
    subaccounts,
)
from pm.services.labels import label, label_of, place_label
from pm.services.money import format_fen, parse_yuan
from pm.timeutil import local_today

bp = Blueprint("funds", __name__, url_prefix="/funds")


HOUSEHOLD_OPTIONS = (joinedload(Household.building), joinedload(Household.unit))


@bp.context_processor
def _labels():
    return {"kind_label": lambda k: label(k, EntryKind), "holder_label": lambda h: label(h, Holder),
            "label_of": label_of}


def _viewer():
    require(current_user, "fund.view")
    return current_scope()


def _int_arg(name: str) -> int | None:
    try:
        value = int(request.args.get(name) or 0)
    except ValueError:
        abort(400)
    return value if 0 < value <= 2_147_483_647 else None


def _yuan(fen: int) -> str:
    """Yuan as typed into our forms ("3275.00", no separators)."""
    return format_fen(fen, grouped=False)


@bp.route("/")
@login_required
def index():
    """总览: per-compound totals in scope, with links to the lists and the cashier's tools."""
    page = paginate_list(overview.compound_totals(_viewer()))
    return render_template("fund/ledger/index.html", rows=page.items, page=page, open_form=OpenSubAccountsForm())


def _list_filters(scope) -> dict:
    compound_id, building_id = _int_arg("compound_id"), _int_arg("building_id")
    return {"compound_id": compound_id, "building_id": building_id, "compounds": overview.compounds_in_scope(scope),
            "buildings": overview.buildings_in_scope(scope, compound_id)}


@bp.route("/arrears", endpoint="arrears")
@login_required
def arrears_list():
    """追缴清单: unpaid and partly paid first deposits, with the amount owed; ?format=xlsx downloads it."""
    scope = _viewer()
    filters = _list_filters(scope)
    where = {"compound_id": filters["compound_id"], "building_id": filters["building_id"]}
    if request.args.get("format") == "xlsx":
        return Response(arrears.arrears_workbook(arrears.arrears_rows(scope, **where)), headers={
            "Content-Disposition": "attachment; filename=arrears.xlsx"},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page = paginate(arrears.arrears_select(scope, **where), rows=True)
    return render_template("fund/ledger/arrears.html", page=page, **filters)


@bp.route("/replenishment")
@login_required
def replenishment():
    """续交清单: open sub-accounts whose balance is below 30% of the first deposit due."""
    scope = _viewer()
    filters = _list_filters(scope)
    page = paginate(arrears.replenishment_select(scope, compound_id=filters["compound_id"],
                                                 building_id=filters["building_id"]))
    return render_template("fund/ledger/replenishment.html", page=page, **filters)


@bp.route("/accounts/<int:account_id>")
@login_required
def subaccount(account_id: int):
    """分户账 for officials: the sub-account, its household and its entries, newest first."""
    scope = _viewer()
    summary = subaccounts.subaccount_in_scope(scope, account_id)
    page = paginate(subaccounts.movements_stmt(scope, summary.subaccount))
    subaccounts.mark_reversed(page.items)
    actions = {e.id: payments.entry_actions(e, summary.subaccount, current_user, is_reversed=e.is_reversed)
               for e in page.items}
    return render_template("fund/ledger/subaccount.html", acc=summary.subaccount, page=page,
                           actions=payments.subaccount_actions(summary.subaccount, current_user),
                           entry_actions=actions)


@bp.route("/payments/new")
@login_required
def payment_search():
    """录入交存, step 1: find the household by compound, building and room."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    compound_id = _int_arg("compound_id")
    building = (request.args.get("building") or "").strip()[:40]
    room = (request.args.get("room") or "").strip()[:20]
    found = []
    if compound_id or building or room:
        found = subaccounts.find_subaccounts(scope, compound_id=compound_id, building=building, room=room)
    return render_template("fund/ledger/payment_search.html", compounds=overview.compounds_in_scope(scope),
                           subaccounts=found, actions={a.id: payments.subaccount_actions(a, current_user)
                                                       for a in found},
                           compound_id=compound_id, building=building, room=room)


@bp.route("/accounts/<int:account_id>/pay", methods=["GET", "POST"])
@login_required
def pay(account_id: int):
    """录入交存, step 2: the payment form (a double submit carries the same key and posts once)."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    acc = subaccounts.subaccount_in_scope(scope, account_id).subaccount
    form = PaymentForm()
    if request.method == "GET":
        form.value_on.data = local_today()

    def action():
        return payments.record_payment(
            acc, kind=form.kind.data, amount_fen=parse_yuan(form.amount.data), value_on=form.value_on.data,
            memo=form.memo.data, key=payments.caller_key(current_user, "form", form.idempotency_key.data),
            actor=current_user, scope=scope)

    return submit_form(form, action, done=_("已入账"), redirect_to=url_for("funds.subaccount", account_id=acc.id),
                       template="fund/ledger/pay.html", aliases={"amount_fen": "amount", "idempotency_key": "amount"},
                       acc=acc)


@bp.route("/entries/<int:entry_id>/reverse", methods=["GET", "POST"])
@login_required
def reverse(entry_id: int):
    """冲正 one payment with a reason."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    entry = scope.get(LedgerEntry, entry_id)
    form = ReversalForm()
    back = url_for("funds.subaccount", account_id=entry.account_id)
    return submit_form(
        form, lambda: payments.reverse_entry(entry, memo=form.memo.data, actor=current_user, scope=scope),
        done=_("已冲正"), redirect_to=back, template="fund/ledger/form.html", title=_("冲正"),
        subtitle=_("%(kind)s %(amount)s 元，记账日期 %(day)s", kind=label(entry.kind),
                   amount=_yuan(entry.amount_fen), day=entry.value_on),
        back=back,
    )


@bp.route("/bank-imports", methods=["GET", "POST"])
@login_required
def bank_import():
    """银行流水导入: validated in full, posted all-or-nothing; the same file again posts nothing."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    form = BankImportForm()
    form.compound_id.choices = options((c.id, place_label(c)) for c in overview.compounds_in_scope(scope))
    problems = []
    if form.validate_on_submit():
        compound = scope.get(Compound, form.compound_id.data)
        upload = form.file.data
        try:
            result = bank.import_bank_statement(compound, upload.filename or "", upload.read(), actor=current_user,
                                                scope=scope)
        except bank.BankImportRejected as err:
            db.session.rollback()
            problems = err.problems
            form.form_errors.append(err.message)
        except DomainError as err:
            db.session.rollback()
            errors_to_form(form, err)
        else:
            if result.duplicate:
                flash(_("该文件已于 %(when)s 导入过，本次未重复入账", when=result.bank_import.created_at.date()), "warning")
            else:
                flash(ngettext("已入账 %(num)d 笔，合计 %(total)s 元（其中 %(old)s 笔流水号此前已入账，未重复入账）",
                               "已入账 %(num)d 笔，合计 %(total)s 元（其中 %(old)s 笔流水号此前已入账，未重复入账）",
                               result.posted, total=_yuan(result.bank_import.total_fen), old=result.replayed),
                      "success")
            return redirect(url_for("funds.bank_import"))
    status = 400 if request.method == "POST" else 200
    return render_template("fund/ledger/bank_import.html", form=form, problems=problems,
                           recent=bank.recent_bank_imports(scope), columns=bank.BANK_COLUMNS), status


# -- deposit standards -------------------------------------------------------------------------
@bp.route("/rates", endpoint="rates")
@login_required
def rates_list():
    """交存标准: the county defaults and compound standards in scope."""
    scope = _viewer()
    names = {c.id: c.name for c in overview.compounds_in_scope(scope)}
    return render_template("fund/ledger/rates.html", items=rates.list_rates(scope), names=names,
                           can_edit=can(current_user, "fund.rates"))


def _rate_form(rate: DepositRate | None):
    require(current_user, "fund.rates")
    scope = current_scope()
    form = RateForm(obj=rate)
    form.compound_id.choices = options([(0, _("全县默认"))] + [(c.id, place_label(c))
                                                             for c in overview.compounds_in_scope(scope)])
    if request.method == "GET" and rate is not None:
        form.compound_id.data = rate.compound_id or 0
        form.has_elevator.data = {None: "", True: "1", False: "0"}[rate.has_elevator]
        form.yuan_per_m2.data = _yuan(rate.fen_per_m2)

    def action():
        if rate is None:
            return rates.create_rate(form.values(), actor=current_user, scope=scope)
        return rates.update_rate(rate, form.values(), actor=current_user, scope=scope)

    return submit_form(form, action, done=_("交存标准已保存"), redirect_to=url_for("funds.rates"),
                       template="fund/ledger/form.html", aliases={"fen_per_m2": "yuan_per_m2"},
                       title=_("交存标准"), back=url_for("funds.rates"))


@bp.route("/rates/new", methods=["GET", "POST"])
@login_required
def rate_new():
    return _rate_form(None)


@bp.route("/rates/<int:rate_id>/edit", methods=["GET", "POST"])
@login_required
def rate_edit(rate_id: int):
    return _rate_form(current_scope().get(DepositRate, rate_id))


@bp.route("/rates/<int:rate_id>/delete", methods=["POST"])
@login_required
def rate_delete(rate_id: int):
    """Delete a standard no sub-account was opened with."""
    require(current_user, "fund.rates")
    scope = current_scope()
    rate = scope.get(DepositRate, rate_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        abort(400)
    try:
        rates.delete_rate(rate, actor=current_user, scope=scope)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        flash(_("交存标准已删除"), "success")
    return redirect(url_for("funds.rates"))


@bp.route("/households/<int:household_id>/public-housing", methods=["GET", "POST"])
@login_required
def public_housing(household_id: int):
    """房改房交存条件 of one household."""
    require(current_user, "fund.rates")
    scope = current_scope()
    h = scope.get(Household, household_id, options=HOUSEHOLD_OPTIONS)
    terms = deposits.terms_of(h)
    form = TermsForm()
    if request.method == "GET" and terms is not None:
        form.cost_price.data = _yuan(terms.cost_price_fen_per_m2)
        form.sale_price.data = _yuan(terms.sale_price_fen)
        form.owner_permille.data, form.work_unit_permille.data = terms.owner_permille, terms.work_unit_permille
        form.work_unit_name.data = terms.work_unit_name
    back = url_for("funds.unopened", compound_id=h.compound_id)
    return submit_form(
        form, lambda: deposits.set_public_housing_terms(h, form.values(), actor=current_user, scope=scope),
        done=_("房改房交存条件已保存"), redirect_to=back, template="fund/ledger/form.html", title=_("房改房交存条件"),
        subtitle=h.label, back=back,
        aliases={"cost_price_fen_per_m2": "cost_price", "sale_price_fen": "sale_price", "household_id": "cost_price"},
    )


@bp.route("/compounds/<int:compound_id>/open-accounts", methods=["POST"])
@login_required
def open_subaccounts(compound_id: int):
    """开户 for every household of a compound at the standard in force on the given date."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    compound = scope.get(Compound, compound_id)
    form = OpenSubAccountsForm()
    if not form.validate_on_submit():
        flash(_("请填写开户日期"), "danger")
        return redirect(url_for("funds.index"))
    result = deposits.open_subaccounts(compound, on=form.on.data, actor=current_user, scope=scope)
    flash(ngettext("%(name)s：新开户 %(num)d 个，已开户 %(old)s 个", "%(name)s：新开户 %(num)d 个，已开户 %(old)s 个",
                   len(result.opened), name=compound.name, old=result.existing), "success")
    for h, reason in result.missing[:50]:
        flash(_("未开户：%(place)s（%(reason)s）", place=h.label, reason=reason), "warning")
    if len(result.missing) > 50:
        flash(ngettext("另有 %(num)d 户未开户", "另有 %(num)d 户未开户", len(result.missing) - 50), "warning")
    return redirect(url_for("funds.index"))


@bp.route("/compounds/<int:compound_id>/unopened")
@login_required
def unopened(compound_id: int):
    """Households of a compound without a sub-account, with what opening each needs."""
    scope = _viewer()
    compound = scope.get(Compound, compound_id)
    return render_template("fund/ledger/unopened.html", compound=compound,
                           rows=deposits.unopened(compound, on=local_today(), scope=scope),
                           open_form=OpenSubAccountsForm(), can_terms=can(current_user, "fund.rates"))


@bp.route("/returns", methods=["GET", "POST"], endpoint="returns")
@login_required
def returns_page():
    """增值收益 / 经营收益分配 to a compound's open sub-accounts, pro rata, exact to the fen; once per period."""
    scope = _viewer()
    form = ReturnsForm()
    compounds = overview.compounds_in_scope(scope)
    form.compound_id.choices = options((c.id, place_label(c)) for c in compounds)

    def action():
        compound = scope.get(Compound, form.compound_id.data)
        return returns.distribute_returns(compound, period=form.period.data, amount_fen=parse_yuan(form.amount.data),
                                          actor=current_user, scope=scope, kind=form.kind.data, memo=form.memo.data)

    return submit_form(form, action, done=_("已分配到各户"), redirect_to=url_for("funds.returns"),
                       template="fund/ledger/returns.html", aliases={"amount_fen": "amount"},
                       history=returns.returns_history(scope), names={c.id: c.name for c in compounds},
                       can_distribute=can(current_user, "fund.returns"))


@bp.route("/households/<int:household_id>/demolish", methods=["GET", "POST"])
@login_required
def demolish(household_id: int):
    """灭失: refund and close the household's sub-accounts, end its ownerships, mark it demolished."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    h = scope.get(Household, household_id, options=HOUSEHOLD_OPTIONS)
    form = DemolishForm()
    total = sum(a.balance_fen for a in subaccounts.subaccounts_of(scope, h))
    return submit_form(
        form, lambda: demolition.demolish(h, on=form.on.data, memo=form.memo.data, actor=current_user, scope=scope),
        done=_("已登记灭失，余额已退还并销户"), redirect_to=url_for("funds.index"), template="fund/ledger/form.html",
        title=_("登记灭失"), subtitle=_("%(place)s，账户余额合计 %(total)s 元", place=h.label, total=_yuan(total)),
        back=url_for("funds.index"), aliases={"household_id": "on"},
    )
