"""维修资金归集页面: overview, arrears and replenishment lists, payments, reversals, bank import, standards,
房改房 terms, opening accounts, returns and demolition. Rules live in pm.services.fund.cashier."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import can, current_scope, require
from pm.blueprints.fund.ledger import bp
from pm.blueprints.fund.ledger.api import mark_reversed
from pm.blueprints.fund.ledger.forms import (
    BankImportForm,
    DemolishForm,
    OpenAccountsForm,
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
from pm.models import (
    Building,
    Compound,
    DepositRate,
    SubAccount,
    Household,
    LedgerEntry,
    PublicHousingTerms,
    ReturnsDistribution,
)
from pm.models.fund import EntryKind, Holder
from pm.services.registry.search import search_households
from pm.services.fund import cashier as funds
from pm.timeutil import local_today

KIND_LABELS = {
    EntryKind.FIRST_DEPOSIT: "首期交存", EntryKind.BACK_PAYMENT: "补交", EntryKind.REPLENISHMENT: "续交",
    EntryKind.RETURNS: "增值收益", EntryKind.COMMON_INCOME: "经营收益", EntryKind.CHARGE: "分摊列支",
    EntryKind.REFUND: "退还", EntryKind.REVERSAL: "冲正",
}
HOLDER_LABELS = {Holder.OWNER: "业主", Holder.WORK_UNIT: "售房单位"}
ACCOUNT_OPTIONS = (joinedload(SubAccount.household).joinedload(Household.building),
                   joinedload(SubAccount.household).joinedload(Household.unit),
                   joinedload(SubAccount.household).joinedload(Household.compound))


@bp.context_processor
def _labels():
    return {"kind_label": lambda k: _(KIND_LABELS.get(k, str(k))), "holder_label": lambda h: _(HOLDER_LABELS[h])}


def _viewer():
    require(current_user, "fund.view")
    return current_scope()


def _compounds(scope) -> list[Compound]:
    return db.session.scalars(scope.select(Compound).order_by(Compound.name, Compound.id)).all()


def _int_arg(name: str) -> int | None:
    try:
        value = int(request.args.get(name) or 0)
    except ValueError:
        abort(400)
    return value if 0 < value <= 2_147_483_647 else None


@bp.route("/")
@login_required
def index():
    """总览: per-compound totals in scope, with links to the lists and the cashier's tools."""
    scope = _viewer()
    page = paginate_list(funds.compound_totals(scope))
    return render_template("fund/ledger/index.html", rows=page.items, page=page, open_form=OpenAccountsForm())


def _list_filters(scope):
    compound_id, building_id = _int_arg("compound_id"), _int_arg("building_id")
    buildings = []
    if compound_id:
        buildings = db.session.scalars(
            scope.select(Building).where(Building.compound_id == compound_id).order_by(Building.name)).all()
    return compound_id, building_id, buildings


@bp.route("/arrears")
@login_required
def arrears():
    """追缴清单: unpaid and partly paid first deposits, with the amount owed; ?format=xlsx downloads it."""
    scope = _viewer()
    compound_id, building_id, buildings = _list_filters(scope)
    stmt = funds.arrears_select(scope, compound_id=compound_id, building_id=building_id)
    if request.args.get("format") == "xlsx":
        rows = db.session.execute(stmt.limit(100_000)).unique().all()
        return Response(funds.arrears_workbook(rows), headers={
            "Content-Disposition": "attachment; filename=arrears.xlsx"},
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    page = paginate(stmt, rows=True)
    return render_template("fund/ledger/arrears.html", page=page, compounds=_compounds(scope), buildings=buildings,
                           compound_id=compound_id, building_id=building_id)


@bp.route("/replenishment")
@login_required
def replenishment():
    """续交清单: open accounts whose balance is below 30% of the first deposit due."""
    scope = _viewer()
    compound_id, building_id, buildings = _list_filters(scope)
    page = paginate(funds.replenishment_select(scope, compound_id=compound_id, building_id=building_id))
    return render_template("fund/ledger/replenishment.html", page=page, compounds=_compounds(scope), buildings=buildings,
                           compound_id=compound_id, building_id=building_id)


@bp.route("/accounts/<int:account_id>")
@login_required
def account(account_id: int):
    """分户账 for officials: the account, its household and its entries, newest first."""
    scope = _viewer()
    acc = scope.get(SubAccount, account_id, options=ACCOUNT_OPTIONS)
    page = paginate(scope.select(LedgerEntry).options(joinedload(LedgerEntry.actor))
                    .where(LedgerEntry.account_id == acc.id).order_by(LedgerEntry.id.desc()))
    mark_reversed(page.items)
    return render_template("fund/ledger/account.html", acc=acc, page=page, is_cashier=can(current_user, "fund.cashier"))


@bp.route("/payments/new")
@login_required
def payment_search():
    """录入交存, step 1: find the household by compound, building and room."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    compound_id = _int_arg("compound_id")
    building = (request.args.get("building") or "").strip()[:40]
    room = (request.args.get("room") or "").strip()[:20]
    accounts = []
    if compound_id or building or room:
        households = search_households(scope, compound_id=compound_id, building=building or None,
                                       room=room or None)
        stmt = (scope.select(SubAccount).options(*ACCOUNT_OPTIONS)
                .where(SubAccount.household_id.in_(households.with_only_columns(Household.id).order_by(None)))
                .order_by(SubAccount.household_id, SubAccount.holder).limit(100))
        accounts = db.session.scalars(stmt).unique().all()
    return render_template("fund/ledger/payment_search.html", compounds=_compounds(scope), accounts=accounts,
                           compound_id=compound_id, building=building, room=room)


@bp.route("/accounts/<int:account_id>/pay", methods=["GET", "POST"])
@login_required
def pay(account_id: int):
    """录入交存, step 2: the payment form (a double submit carries the same key and posts once)."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    acc = scope.get(SubAccount, account_id, options=ACCOUNT_OPTIONS)
    form = PaymentForm()
    if request.method == "GET":
        form.value_on.data = local_today()

    def action():
        return funds.record_payment(
            acc, kind=form.kind.data, amount_fen=funds.parse_yuan(form.amount.data), value_on=form.value_on.data,
            memo=form.memo.data, key=f"form:{form.idempotency_key.data}", actor=current_user, scope=scope)

    return submit_form(form, action, done=_("已入账"), redirect_to=url_for("funds.account", account_id=acc.id),
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
    return submit_form(
        form, lambda: funds.reverse_entry(entry, memo=form.memo.data, actor=current_user, scope=scope),
        done=_("已冲正"), redirect_to=url_for("funds.account", account_id=entry.account_id),
        template="fund/ledger/form.html", title=_("冲正"),
        subtitle=_("%(kind)s %(amount)s 元，记账日期 %(day)s", kind=_(KIND_LABELS[entry.kind]),
                   amount=funds._yuan_text(entry.amount_fen), day=entry.value_on),
        back=url_for("funds.account", account_id=entry.account_id),
    )


@bp.route("/bank-imports", methods=["GET", "POST"])
@login_required
def bank_import():
    """银行流水导入: validated in full, posted all-or-nothing; the same file again posts nothing."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    form = BankImportForm()
    form.compound_id.choices = options((c.id, c.name) for c in _compounds(scope))
    problems = []
    if form.validate_on_submit():
        compound = scope.get(Compound, form.compound_id.data)
        upload = form.file.data
        try:
            result = funds.import_bank_statement(compound, upload.filename or "", upload.read(), actor=current_user,
                                                 scope=scope)
        except funds.BankImportRejected as err:
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
                flash(_("已入账 %(n)s 笔，合计 %(total)s 元（其中 %(old)s 笔流水号此前已入账，未重复入账）",
                        n=result.posted, total=funds._yuan_text(result.bank_import.total_fen), old=result.replayed),
                      "success")
            return redirect(url_for("funds.bank_import"))
    recent = db.session.scalars(scope.select(funds.BankImport).order_by(funds.BankImport.id.desc()).limit(20)).all()
    status = 400 if request.method == "POST" else 200
    return render_template("fund/ledger/bank_import.html", form=form, problems=problems, recent=recent,
                           columns=funds.BANK_COLUMNS), status


# -- deposit standards -------------------------------------------------------------------------
@bp.route("/rates")
@login_required
def rates():
    """交存标准: the county defaults and compound standards in scope."""
    scope = _viewer()
    items = db.session.scalars(scope.select(DepositRate).order_by(DepositRate.effective_on.desc(), DepositRate.id.desc())
                               .limit(500)).all()
    names = {c.id: c.name for c in _compounds(scope)}
    return render_template("fund/ledger/rates.html", items=items, names=names, can_edit=can(current_user, "fund.rates"))


def _rate_form(rate: DepositRate | None):
    require(current_user, "fund.rates")
    scope = current_scope()
    form = RateForm(obj=rate)
    form.compound_id.choices = options([(0, _("全县默认"))] + [(c.id, c.name) for c in _compounds(scope)])
    if request.method == "GET" and rate is not None:
        form.compound_id.data = rate.compound_id or 0
        form.has_elevator.data = {None: "", True: "1", False: "0"}[rate.has_elevator]
        form.yuan_per_m2.data = funds._yuan_text(rate.fen_per_m2)

    def action():
        values = form.values()
        if rate is None:
            return funds.create_rate(values, actor=current_user, scope=scope)
        if values["compound_id"] != rate.compound_id:
            raise DomainError(_("不能改变标准所属的小区"), field="compound_id")
        return funds.update_rate(rate, values, actor=current_user, scope=scope)

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
    """Delete a standard no account was opened with."""
    require(current_user, "fund.rates")
    scope = current_scope()
    rate = scope.get(DepositRate, rate_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        abort(400)
    try:
        funds.delete_rate(rate, actor=current_user, scope=scope)
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
    h = scope.get(Household, household_id, options=(joinedload(Household.building), joinedload(Household.unit)))
    terms = db.session.scalar(select(PublicHousingTerms).where(PublicHousingTerms.household_id == h.id))
    form = TermsForm()
    if request.method == "GET" and terms is not None:
        form.cost_price.data = funds._yuan_text(terms.cost_price_fen_per_m2)
        form.sale_price.data = funds._yuan_text(terms.sale_price_fen)
        form.owner_permille.data, form.work_unit_permille.data = terms.owner_permille, terms.work_unit_permille
        form.work_unit_name.data = terms.work_unit_name
    return submit_form(
        form, lambda: funds.set_public_housing_terms(h, form.values(), actor=current_user, scope=scope),
        done=_("房改房交存条件已保存"), redirect_to=url_for("funds.unopened", compound_id=h.compound_id),
        template="fund/ledger/form.html", title=_("房改房交存条件"), subtitle=h.label,
        back=url_for("funds.unopened", compound_id=h.compound_id),
        aliases={"cost_price_fen_per_m2": "cost_price", "sale_price_fen": "sale_price", "household_id": "cost_price"},
    )


@bp.route("/compounds/<int:compound_id>/open-accounts", methods=["POST"])
@login_required
def open_accounts(compound_id: int):
    """开户 for every household of a compound at the standard in force on the given date."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    compound = scope.get(Compound, compound_id)
    form = OpenAccountsForm()
    if not form.validate_on_submit():
        flash(_("请填写开户日期"), "danger")
        return redirect(url_for("funds.index"))
    result = funds.open_accounts(compound, on=form.on.data, actor=current_user, scope=scope)
    flash(_("%(name)s：新开户 %(n)s 个，已开户 %(old)s 个", name=compound.name, n=len(result.opened),
            old=result.existing), "success")
    for h, reason in result.missing[:50]:
        flash(_("未开户：%(place)s（%(reason)s）", place=h.label, reason=_(reason)), "warning")
    if len(result.missing) > 50:
        flash(_("另有 %(n)s 户未开户", n=len(result.missing) - 50), "warning")
    return redirect(url_for("funds.index"))


@bp.route("/compounds/<int:compound_id>/unopened")
@login_required
def unopened(compound_id: int):
    """Households of a compound without an account, with what opening each needs."""
    scope = _viewer()
    compound = scope.get(Compound, compound_id)
    rows = funds.unopened(compound, on=local_today())
    return render_template("fund/ledger/unopened.html", compound=compound, rows=rows, open_form=OpenAccountsForm(),
                           can_terms=can(current_user, "fund.rates"))


@bp.route("/returns", methods=["GET", "POST"])
@login_required
def returns():
    """增值收益 / 经营收益分配 to a compound's open accounts, pro rata, exact to the fen; once per period."""
    scope = _viewer()
    form = ReturnsForm()
    compounds = _compounds(scope)
    form.compound_id.choices = options((c.id, c.name) for c in compounds)
    history = db.session.scalars(scope.select(ReturnsDistribution).order_by(ReturnsDistribution.id.desc())
                                 .limit(50)).all()
    names = {c.id: c.name for c in compounds}

    def action():
        require(current_user, "fund.returns")
        compound = scope.get(Compound, form.compound_id.data)
        return funds.distribute_returns(compound, period=form.period.data, amount_fen=funds.parse_yuan(form.amount.data),
                                        actor=current_user, scope=scope, kind=form.kind.data, memo=form.memo.data)

    return submit_form(form, action, done=_("已分配到各户"), redirect_to=url_for("funds.returns"),
                       template="fund/ledger/returns.html", aliases={"amount_fen": "amount"}, history=history, names=names,
                       can_distribute=can(current_user, "fund.returns"))


@bp.route("/households/<int:household_id>/demolish", methods=["GET", "POST"])
@login_required
def demolish(household_id: int):
    """灭失: refund and close the household's accounts, end its ownerships, mark it demolished."""
    require(current_user, "fund.cashier")
    scope = current_scope()
    h = scope.get(Household, household_id, options=(joinedload(Household.building), joinedload(Household.unit)))
    form = DemolishForm()
    accs = db.session.scalars(scope.select(SubAccount).where(SubAccount.household_id == h.id)).all()
    return submit_form(
        form, lambda: funds.demolish(h, on=form.on.data, memo=form.memo.data, actor=current_user, scope=scope),
        done=_("已登记灭失，余额已退还并销户"), redirect_to=url_for("funds.index"), template="fund/ledger/form.html",
        title=_("登记灭失"), subtitle=_("%(place)s，账户余额合计 %(total)s 元", place=h.label,
                                         total=funds._yuan_text(sum(a.balance_fen for a in accs))),
        back=url_for("funds.index"), aliases={"household_id": "on"},
    )

