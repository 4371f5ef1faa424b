"""维修资金归集 (the cashier side of the maintenance fund): deposit standards, opening accounts, payments,
bank-statement imports, arrears and replenishment lists, returns distributions, demolition refunds.

Every posting goes through pm.services.fund.ledger (the one posting primitive); this module holds the rules
around it. Money is integer fen; areas and rates are multiplied with Decimal and rounded half-up to the fen.
"""
from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from pm.access import Scope, can
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    SubAccountStatus,
    BankImport,
    Building,
    Community,
    Compound,
    DepositRate,
    SubAccount,
    FundPolicy,
    Household,
    HouseholdStatus,
    LedgerEntry,
    Ownership,
    OwnershipEnd,
    PublicHousingTerms,
    ReturnsDistribution,
    StreetOffice,
    Unit,
    User,
)
from pm.models.fund import DEPOSIT_KINDS, EntryKind, Holder
from pm.services import audit
from pm.services.fund import apportion
from pm.services.fund import ledger
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

MAX_RATE_FEN_PER_M2 = 10_000_000  # 10 万元/㎡: anything larger is a typing mistake
MAX_BANK_ROWS = 5000
MAX_BANK_BYTES = 5 * 1024 * 1024
PAYMENT_KINDS = (EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT, EntryKind.REPLENISHMENT)
# Entries that pay the first deposit (首期/补交); their reversals count against it.
FIRST_DEPOSIT_CREDITS = (EntryKind.FIRST_DEPOSIT, EntryKind.BACK_PAYMENT)
BANK_KINDS = {"首期": EntryKind.FIRST_DEPOSIT, "首期交存": EntryKind.FIRST_DEPOSIT, "补交": EntryKind.BACK_PAYMENT,
              "续交": EntryKind.REPLENISHMENT}
BANK_COLUMNS = ("流水号", "日期", "楼栋", "单元", "房号", "类型", "金额(元)", "备注")
_YUAN = re.compile(r"^\d{1,11}(\.\d{1,2})?$")
_PERIOD = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff\-_/]{1,16}$")
RETURNS_KEYS = ("balance", "area")


# == money and rates ==============================================================================
def parse_yuan(value: Any, *, field: str = "amount") -> int:
    """金额: yuan typed as text ("12.3") parsed exactly to integer fen (1230); more than 2 decimals is refused."""
    if isinstance(value, bool) or value is None:
        raise DomainError("请填写金额（元），例如 1234.50", field=field)
    if isinstance(value, float):
        value = repr(value)  # the shortest text that round-trips: 12.3 stays "12.3", 12.345 stays "12.345"
    text = str(value).strip().replace(",", "").replace("，", "")
    if not _YUAN.match(text):
        if re.match(r"^\d+\.\d{3,}$", text):
            raise DomainError("金额最多两位小数（精确到分）", field=field)
        raise DomainError("金额格式不正确，应为正数（元），最多两位小数", field=field)
    fen = int((Decimal(text) * 100).to_integral_exact())
    if fen <= 0:
        raise DomainError("金额必须大于 0", field=field)
    if fen > ledger.MAX_AMOUNT_FEN:
        raise DomainError("金额过大", field=field)
    return fen


def half_up_fen(value: Decimal | Fraction | int) -> int:
    """Round an exact, non-negative amount of fen to an integer, half-up (0.5 fen → 1 fen)."""
    if isinstance(value, Fraction):
        return (value.numerator * 2 + value.denominator) // (2 * value.denominator)
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def first_deposit_due(area_m2: Decimal, fen_per_m2: int) -> int:
    """首期应交 = floor area × rate, computed exactly in Decimal and rounded half-up to the fen."""
    return half_up_fen(Decimal(area_m2) * int(fen_per_m2))


def public_housing_dues(area_m2: Decimal, terms: PublicHousingTerms) -> dict[Holder, int]:
    """房改房: owner's part = area × cost price × owner‰ / 1000; work-unit's = sale price × unit‰ / 1000.

    Each is computed exactly (Fraction) and rounded half-up to the fen.
    """
    owner = Fraction(Decimal(area_m2)) * terms.cost_price_fen_per_m2 * terms.owner_permille / 1000
    unit = Fraction(terms.sale_price_fen * terms.work_unit_permille, 1000)
    return {Holder.OWNER: half_up_fen(owner), Holder.WORK_UNIT: half_up_fen(unit)}


def county_id_of(compound_id: int) -> int:
    """The county a compound belongs to."""
    return db.session.scalar(
        select(StreetOffice.county_id)
        .join(Community, Community.street_id == StreetOffice.id)
        .join(Compound, Compound.community_id == Community.id)
        .where(Compound.id == compound_id)
    )


def _rate_matches(rate: DepositRate, building: Building) -> bool:
    if rate.has_elevator is not None and rate.has_elevator != building.has_elevator:
        return False
    if rate.min_floors is not None or rate.max_floors is not None:
        if building.floors is None:
            return False
        if rate.min_floors is not None and building.floors < rate.min_floors:
            return False
        if rate.max_floors is not None and building.floors > rate.max_floors:
            return False
    return True


def _rate_rank(rate: DepositRate) -> tuple:
    """Most specific first: the compound's own, then a building-type condition, then the latest in force."""
    conditioned = rate.has_elevator is not None or rate.min_floors is not None or rate.max_floors is not None
    return (rate.compound_id is not None, conditioned, rate.effective_on, rate.id)


def _candidate_rates(county_id: int, compound_id: int, on: date) -> list[DepositRate]:
    return list(db.session.scalars(
        select(DepositRate).where(
            DepositRate.county_id == county_id,
            or_(DepositRate.compound_id.is_(None), DepositRate.compound_id == compound_id),
            DepositRate.effective_on <= on,
        )
    ))


def pick_rate(rates: list[DepositRate], building: Building) -> DepositRate | None:
    """The most specific of `rates` (already in force) that matches the building's elevator and floors."""
    matching = [r for r in rates if _rate_matches(r, building)]
    return max(matching, key=_rate_rank) if matching else None


def rate_for(household: Household, on: date) -> DepositRate | None:
    """交存标准 in force for a household on a date (None: no standard matches; never guessed)."""
    building = db.session.get(Building, household.building_id)
    rates = _candidate_rates(county_id_of(household.compound_id), household.compound_id, on)
    return pick_rate(rates, building)


# == deposit standards (CRUD) =====================================================================
def _require(actor: User | None, capability: str) -> None:
    if not can(actor, capability):
        raise Forbidden("您的角色无权进行此操作")


def _validate_rate(values: dict) -> dict:
    name = (values.get("name") or "").strip()
    if not name or len(name) > 80:
        raise DomainError("请填写标准名称（80 字以内）", field="name")
    fen = values.get("fen_per_m2")
    if isinstance(fen, bool) or not isinstance(fen, int) or fen <= 0:
        raise DomainError("交存标准必须是正整数（分/㎡）", field="fen_per_m2")
    if fen > MAX_RATE_FEN_PER_M2:
        raise DomainError("交存标准过大", field="fen_per_m2")
    lo, hi = values.get("min_floors"), values.get("max_floors")
    for key, v in (("min_floors", lo), ("max_floors", hi)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 200):
            raise DomainError("层数必须在 1 到 200 之间", field=key)
    if lo is not None and hi is not None and lo > hi:
        raise DomainError("最低层数不能大于最高层数", field="max_floors")
    if not isinstance(values.get("effective_on"), date):
        raise DomainError("请填写生效日期", field="effective_on")
    has_elevator = values.get("has_elevator")
    if has_elevator is not None and not isinstance(has_elevator, bool):
        raise DomainError("电梯条件无效", field="has_elevator")
    return {"name": name, "fen_per_m2": fen, "min_floors": lo, "max_floors": hi,
            "effective_on": values["effective_on"], "has_elevator": has_elevator}


def _rate_county(actor: User, scope: Scope, compound_id: int | None) -> int:
    if compound_id is not None:
        if not scope.contains(Compound, compound_id):
            raise NotFound("小区不存在或不在您的权限范围内", field="compound_id")
        return county_id_of(compound_id)
    if actor.county_id is None:
        raise Forbidden("只有县级管理员可以设置全县默认标准")
    return actor.county_id


def create_rate(values: dict, *, actor: User, scope: Scope) -> DepositRate:
    """新增交存标准 for the actor's county (compound_id None) or one compound in scope."""
    _require(actor, "fund.rates")
    compound_id = values.get("compound_id")
    county_id = _rate_county(actor, scope, compound_id)
    clean = _validate_rate(values)
    rate = DepositRate(county_id=county_id, compound_id=compound_id, **clean)
    db.session.add(rate)
    db.session.flush()
    audit.record("fund.rate.create", rate, actor=actor, place=db.session.get(Compound, compound_id) if compound_id
                 else None, changes={**clean, "compound_id": compound_id})
    return rate


def _rate_in_use(rate: DepositRate) -> bool:
    return db.session.scalar(select(SubAccount.id).where(SubAccount.rate_id == rate.id).limit(1)) is not None


def update_rate(rate: DepositRate, values: dict, *, actor: User, scope: Scope) -> DepositRate:
    """修改交存标准; one already used to open accounts is fixed (add a new one with a later date instead)."""
    _require(actor, "fund.rates")
    if _rate_in_use(rate):
        raise Conflict("已有账户按此标准开户，不能修改；请新增一条更晚生效的标准", field="fen_per_m2")
    clean = _validate_rate(values)
    changes = audit.diff(rate, clean)
    for key, value in clean.items():
        setattr(rate, key, value)
    db.session.flush()
    audit.record("fund.rate.update", rate, actor=actor, changes=changes)
    return rate


def delete_rate(rate: DepositRate, *, actor: User, scope: Scope) -> None:
    """删除交存标准 that no account was opened with."""
    _require(actor, "fund.rates")
    if _rate_in_use(rate):
        raise Conflict("已有账户按此标准开户，不能删除", field="rate_id")
    audit.record("fund.rate.delete", rate, actor=actor,
                 changes={"name": rate.name, "fen_per_m2": rate.fen_per_m2, "effective_on": rate.effective_on})
    db.session.delete(rate)
    db.session.flush()


# == sold public housing and opening accounts =====================================================
def set_public_housing_terms(household: Household, values: dict, *, actor: User, scope: Scope) -> PublicHousingTerms:
    """房改房交存条件 of one household: cost price per m², sale price and the two permilles."""
    _require(actor, "fund.rates")
    if not scope.contains(Household, household.id):
        raise NotFound("房屋不存在或不在您的权限范围内", field="household_id")
    if not household.is_sold_public_housing:
        raise DomainError("该户未登记为房改房（售后公房）", field="household_id")
    clean = {}
    for key, lo, hi in (("cost_price_fen_per_m2", 1, MAX_RATE_FEN_PER_M2), ("sale_price_fen", 1, ledger.MAX_AMOUNT_FEN),
                        ("owner_permille", 1, 1000), ("work_unit_permille", 1, 1000)):
        v = values.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise DomainError(gettext("必须是 %(lo)s 到 %(hi)s 之间的整数", lo=lo, hi=hi), field=key)
        clean[key] = v
    name = (values.get("work_unit_name") or "").strip() or None
    if name and len(name) > 120:
        raise DomainError("售房单位名称过长", field="work_unit_name")
    clean["work_unit_name"] = name
    terms = db.session.scalar(select(PublicHousingTerms).where(PublicHousingTerms.household_id == household.id))
    if terms is None:
        terms = PublicHousingTerms(household_id=household.id, **clean)
        db.session.add(terms)
        changes = clean
    else:
        changes = audit.diff(terms, clean)
        for key, value in clean.items():
            setattr(terms, key, value)
    db.session.flush()
    audit.record("fund.public_housing_terms", terms, actor=actor, place=household, changes=changes)
    return terms


@dataclass
class OpenResult:
    """What open_accounts did: accounts opened, already open, and households it could not price."""

    opened: list[SubAccount] = field(default_factory=list)
    existing: int = 0
    missing: list[tuple[Household, str]] = field(default_factory=list)


def open_accounts(compound: Compound, *, on: date, actor: User | None, scope: Scope | None = None) -> OpenResult:
    """开户: open (idempotently) every active household's sub-account(s) with its first-deposit due.

    An ordinary dwelling gets one OWNER account at area × the rate in force on `on`; sold public housing gets
    OWNER and WORK_UNIT accounts from its PublicHousingTerms. A household without a rate (or terms) is
    reported in `missing`, never guessed. An account already open keeps its due.
    """
    if actor is not None:
        _require(actor, "fund.cashier")
        if scope is not None and not scope.contains(Compound, compound.id):
            raise NotFound("小区不存在或不在您的权限范围内", field="compound_id")
    households = list(db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id, Household.status == HouseholdStatus.ACTIVE)
        .order_by(Household.building_id, Household.unit_id, Household.room_no, Household.id)
    ))
    existing = {(a.household_id, a.holder): a for a in db.session.scalars(
        select(SubAccount).where(SubAccount.compound_id == compound.id))}
    terms = {t.household_id: t for t in db.session.scalars(
        select(PublicHousingTerms).join(Household, Household.id == PublicHousingTerms.household_id)
        .where(Household.compound_id == compound.id))}
    rates = _candidate_rates(county_id_of(compound.id), compound.id, on)
    result = OpenResult()
    for h in households:
        if h.is_sold_public_housing:
            t = terms.get(h.id)
            if t is None:
                result.missing.append((h, "房改房未录入交存条件（成本价、售房款）"))
                continue
            wanted = [(holder, due, None) for holder, due in public_housing_dues(h.area_m2, t).items()]
        else:
            rate = pick_rate(rates, h.building)
            if rate is None:
                result.missing.append((h, "没有适用的交存标准"))
                continue
            wanted = [(Holder.OWNER, first_deposit_due(h.area_m2, rate.fen_per_m2), rate.id)]
        for holder, due, rate_id in wanted:
            account = existing.get((h.id, holder))
            if account is not None:
                if account.first_deposit_due_fen is None:  # opened by an early payment; now priced
                    account.first_deposit_due_fen, account.rate_id = due, rate_id
                result.existing += 1
                continue
            account = ledger.get_or_open_account(h, holder, due_fen=due, rate_id=rate_id)
            result.opened.append(account)
    db.session.flush()
    audit.record("fund.open_accounts", compound, actor=actor, changes={
        "on": on, "opened": len(result.opened), "existing": result.existing,
        "missing": [h.id for h, _ in result.missing],
    })
    logger.info("opened %d accounts in %r", len(result.opened), compound)
    return result


def unopened(compound: Compound, *, on: date) -> list[tuple[Household, str]]:
    """Active households of a compound without an account, each with what opening it needs (or would use)."""
    households = list(db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id, Household.status == HouseholdStatus.ACTIVE,
               ~Household.id.in_(select(SubAccount.household_id).where(SubAccount.compound_id == compound.id)))
        .order_by(Household.building_id, Household.unit_id, Household.room_no, Household.id)
    ))
    with_terms = set(db.session.scalars(select(PublicHousingTerms.household_id).where(
        PublicHousingTerms.household_id.in_([h.id for h in households]))))
    rates = _candidate_rates(county_id_of(compound.id), compound.id, on)
    result = []
    for h in households:
        if h.is_sold_public_housing:
            result.append((h, "可开户（房改房）" if h.id in with_terms else "房改房未录入交存条件（成本价、售房款）"))
        else:
            rate = pick_rate(rates, h.building)
            result.append((h, f"可开户（{rate.name}）" if rate else "没有适用的交存标准"))
    return result


# == payments and reversals =======================================================================
def _check_cashier(actor: User | None, scope: Scope | None, account: SubAccount) -> None:
    _require(actor, "fund.cashier")
    if scope is not None and not scope.contains(SubAccount, account.id):
        raise NotFound("维修资金账户不存在或不在您的权限范围内", field="account_id")


def record_payment(account: SubAccount, *, kind: EntryKind | str, amount_fen: int, value_on: date,
                   memo: str | None, key: str | None, actor: User | None, scope: Scope | None,
                   source_type: str = "manual", source_id: int | None = None, today: date | None = None) -> LedgerEntry:
    """录入交存 (首期/补交/续交) by a cashier in scope; a retried request with the same key posts once."""
    _check_cashier(actor, scope, account)
    try:
        kind = EntryKind(kind)
    except ValueError:
        raise DomainError("交存类型无效", field="kind") from None
    if kind not in DEPOSIT_KINDS:
        raise DomainError("只能录入首期交存、补交或续交", field="kind")
    if not isinstance(value_on, date) or value_on > (today or local_today()):
        raise DomainError("记账日期不能晚于今天", field="value_on")
    memo = (memo or "").strip() or None
    if memo and len(memo) > 200:
        raise DomainError("备注不能超过 200 字", field="memo")
    if key is not None and (not key.strip() or len(key) > 100):
        raise DomainError("幂等键无效（1–100 个字符）", field="idempotency_key")
    payload = {"account": account.id, "kind": kind.value, "amount": amount_fen, "value_on": value_on.isoformat(),
               "memo": memo}
    return ledger.post(account, kind, amount_fen, actor=actor, source_type=source_type, source_id=source_id,
                       value_on=value_on, memo=memo, key=key, payload=payload)


def reverse_entry(entry: LedgerEntry, *, memo: str, actor: User | None, scope: Scope | None,
                  key: str | None = None) -> LedgerEntry:
    """冲正 a payment (首期/补交/续交) with a reason, once; plan charges and refunds are reversed by their process."""
    account = db.session.get(SubAccount, entry.account_id)
    _check_cashier(actor, scope, account)
    if entry.kind not in DEPOSIT_KINDS and entry.kind != EntryKind.REVERSAL:
        raise DomainError("只能冲正交存记录；分摊、退款等由其业务流程更正", field="entry_id")
    memo = (memo or "").strip()
    if len(memo) > 200:
        raise DomainError("冲正原因不能超过 200 字", field="memo")
    return ledger.reverse(entry, actor=actor, memo=memo, key=key)


# == lists: arrears (追缴) and replenishment (续交) ==================================================
def first_deposit_paid_subquery():
    """Per account, the net first-deposit credits: 首期 and 补交 entries plus the reversals of such entries."""
    original = aliased(LedgerEntry)
    counted = or_(
        LedgerEntry.kind.in_(FIRST_DEPOSIT_CREDITS),
        and_(LedgerEntry.kind == EntryKind.REVERSAL,
             LedgerEntry.reverses_id.in_(select(original.id).where(original.kind.in_(FIRST_DEPOSIT_CREDITS)))),
    )
    return (
        select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen).label("paid"))
        .where(counted)
        .group_by(LedgerEntry.account_id)
        .subquery()
    )


def _account_filters(stmt, compound_id: int | None, building_id: int | None):
    if compound_id:
        stmt = stmt.where(SubAccount.compound_id == compound_id)
    if building_id:
        stmt = stmt.where(SubAccount.household_id.in_(select(Household.id).where(Household.building_id == building_id)))
    return stmt


def arrears_select(scope: Scope, *, compound_id: int | None = None, building_id: int | None = None):
    """追缴: open accounts whose first deposit is unpaid or partly paid; rows (account, paid_fen, owed_fen)."""
    paid = first_deposit_paid_subquery()
    paid_fen = func.coalesce(paid.c.paid, 0)
    owed = (SubAccount.first_deposit_due_fen - paid_fen).label("owed_fen")
    stmt = (
        scope.filter(select(SubAccount, paid_fen.label("paid_fen"), owed), SubAccount)
        .outerjoin(paid, paid.c.account_id == SubAccount.id)
        .join(Household, Household.id == SubAccount.household_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .options(joinedload(SubAccount.household).joinedload(Household.building),
                 joinedload(SubAccount.household).joinedload(Household.unit),
                 joinedload(SubAccount.household).joinedload(Household.compound))
        .where(SubAccount.status == SubAccountStatus.OPEN, SubAccount.first_deposit_due_fen.is_not(None),
               SubAccount.first_deposit_due_fen > paid_fen)
        .order_by(SubAccount.compound_id, Building.name, Unit.name, Household.room_no, SubAccount.id)
    )
    return _account_filters(stmt, compound_id, building_id)


def replenishment_select(scope: Scope, *, compound_id: int | None = None, building_id: int | None = None):
    """续交: open accounts whose balance is below 30% of the first deposit due (balance×10 < due×3, integers)."""
    stmt = (
        scope.select(SubAccount)
        .join(Household, Household.id == SubAccount.household_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .options(joinedload(SubAccount.household).joinedload(Household.building),
                 joinedload(SubAccount.household).joinedload(Household.unit),
                 joinedload(SubAccount.household).joinedload(Household.compound))
        .where(SubAccount.status == SubAccountStatus.OPEN, SubAccount.first_deposit_due_fen.is_not(None),
               SubAccount.balance_fen * 10 < SubAccount.first_deposit_due_fen * 3)
        .order_by(SubAccount.compound_id, Building.name, Unit.name, Household.room_no, SubAccount.id)
    )
    return _account_filters(stmt, compound_id, building_id)


def arrears_workbook(rows: list) -> bytes:
    """The 追缴 list as an xlsx file (amounts in yuan as exact text-free numbers of fen/100)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "追缴清单"
    sheet.append(["小区", "楼栋", "单元", "房号", "面积(㎡)", "账户", "首期应交(元)", "已交(元)", "欠交(元)"])
    for account, paid_fen, owed_fen in rows:
        h = account.household
        sheet.append([h.compound.name, h.building.name, h.unit.name, h.room_no, str(h.area_m2),
                      "业主" if account.holder == Holder.OWNER else "售房单位",
                      _yuan_text(account.first_deposit_due_fen), _yuan_text(paid_fen), _yuan_text(owed_fen)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def compound_totals(scope: Scope) -> list[dict]:
    """Per compound in scope: accounts, balance, first deposits due and accounts needing replenishment."""
    low = func.sum(func.cast(and_(SubAccount.status == SubAccountStatus.OPEN,
                                  SubAccount.first_deposit_due_fen.is_not(None),
                                  SubAccount.balance_fen * 10 < SubAccount.first_deposit_due_fen * 3),
                             db.Integer))
    stmt = scope.filter(
        select(SubAccount.compound_id, func.count(SubAccount.id), func.coalesce(func.sum(SubAccount.balance_fen), 0),
               func.coalesce(func.sum(SubAccount.first_deposit_due_fen), 0), low),
        SubAccount,
    ).group_by(SubAccount.compound_id)
    sums = {cid: (n, bal, due, lo or 0) for cid, n, bal, due, lo in db.session.execute(stmt)}
    compounds = db.session.scalars(scope.select(Compound).order_by(Compound.name, Compound.id)).all()
    rows = [{"compound": c, "accounts": sums.get(c.id, (0,))[0], "balance_fen": sums.get(c.id, (0, 0))[1],
             "due_fen": sums.get(c.id, (0, 0, 0))[2], "low": sums.get(c.id, (0, 0, 0, 0))[3]} for c in compounds]
    # Compounds with accounts first (they are the ones being worked on), each group by name.
    return sorted(rows, key=lambda r: r["accounts"] == 0)


# == bank statement import (银行流水导入) ===========================================================
class BankImportRejected(DomainError):
    """The statement has errors; `problems` lists every one ({row, column, message}). Nothing was posted."""

    def __init__(self, problems: list[dict]):
        super().__init__(gettext("银行流水有 %(n)d 处错误，未入账", n=len(problems)), field="file")
        self.problems = problems


@dataclass
class BankImportResult:
    """The outcome of an import: the BankImport row, and whether the file had been imported before."""

    bank_import: BankImport
    duplicate: bool
    posted: int = 0
    replayed: int = 0


def _read_bank_rows(filename: str, data: bytes) -> list[tuple]:
    """Rows of the statement (header first) from xlsx or csv bytes; DomainError if it cannot be read."""
    if len(data) > MAX_BANK_BYTES:
        raise DomainError("文件过大（最大 5 MB）", field="file")
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(i.file_size for i in archive.infolist()) > 100 * 1024 * 1024:
                    raise DomainError("文件解压后过大", field="file")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                try:
                    rows = [tuple(r) for _, r in zip(range(MAX_BANK_ROWS + 2),
                                                      book.worksheets[0].iter_rows(max_col=12, values_only=True))]
                finally:
                    book.close()
        except DomainError:
            raise
        except Exception:  # noqa: BLE001 - any failure to parse the archive means a corrupt file
            raise DomainError("无法读取该 Excel 文件（文件已损坏或不是 .xlsx）", field="file") from None
        return rows
    if not filename.lower().endswith(".csv"):
        raise DomainError("只能导入 .xlsx 或 .csv 文件", field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）", field="file")
    if "\x00" in text:
        raise DomainError("CSV 文件含有非法字符", field="file")
    try:
        return [tuple(r) for r in csv.reader(io.StringIO(text, newline=""))][: MAX_BANK_ROWS + 2]
    except csv.Error:
        raise DomainError("CSV 文件格式错误", field="file") from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _bank_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        if re.match(r"^\d{8}$", text):
            try:
                return datetime.strptime(text, "%Y%m%d").date()
            except ValueError:
                pass
        raise DomainError("日期格式不正确，应为 2025-03-01") from None


@dataclass
class _BankRow:
    row: int
    serial: str
    value_on: date
    account: SubAccount
    kind: EntryKind
    amount_fen: int
    memo: str | None


def import_bank_statement(compound: Compound, filename: str, data: bytes, *, actor: User | None,
                          scope: Scope | None, today: date | None = None) -> BankImportResult:
    """银行流水导入: validate every row first, then post all rows or none; the same file posts nothing new.

    Each row's idempotency key is "bank:<流水号>", so a row already posted by another file is not posted again.
    """
    _require(actor, "fund.cashier")
    if scope is not None and not scope.contains(Compound, compound.id):
        raise NotFound("小区不存在或不在您的权限范围内", field="compound_id")
    sha = hashlib.sha256(data).hexdigest()
    previous = db.session.scalar(select(BankImport).where(BankImport.file_sha256 == sha))
    if previous is not None:
        if previous.compound_id != compound.id:
            raise Conflict("该文件已作为另一个小区的银行流水导入过", field="file")
        return BankImportResult(previous, duplicate=True)
    rows = _read_bank_rows(filename, data)
    if not rows:
        raise DomainError("文件是空的", field="file")
    header = [_cell(h).replace("（", "(").replace("）", ")").replace(" ", "") for h in rows[0]]
    missing = [c for c in BANK_COLUMNS[:7] if c not in header]
    if missing:
        raise BankImportRejected([{"row": 1, "column": c, "message": "缺少列"} for c in missing])
    col = {name: header.index(name) for name in BANK_COLUMNS if name in header}
    body = [(i, r) for i, r in enumerate(rows[1:], start=2) if any(_cell(v) for v in r)]
    if not body:
        raise DomainError("文件中没有流水记录", field="file")
    if len(body) > MAX_BANK_ROWS:
        raise DomainError(gettext("一次最多导入 %(n)d 行", n=MAX_BANK_ROWS), field="file")

    households = {}
    for h in db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id)
    ):
        households[(h.building.name, h.unit.name, h.room_no)] = h
    accounts = {a.household_id: a for a in db.session.scalars(
        select(SubAccount).where(SubAccount.compound_id == compound.id, SubAccount.holder == Holder.OWNER))}
    today = today or local_today()
    problems: list[dict] = []
    parsed: list[_BankRow] = []
    seen: dict[str, int] = {}

    def bad(row: int, column: str, message: str) -> None:
        problems.append({"row": row, "column": column, "message": message})

    for i, r in body:
        def get(name: str, r: tuple = r) -> Any:
            j = col.get(name)
            return r[j] if j is not None and j < len(r) else None

        ok = True
        serial = _cell(get("流水号"))
        if not serial:
            bad(i, "流水号", "流水号不能为空"); ok = False
        elif len(serial) > 90:
            bad(i, "流水号", "流水号过长"); ok = False
        elif serial in seen:
            bad(i, "流水号", gettext("流水号与第 %(row)d 行重复", row=seen[serial])); ok = False
        else:
            seen[serial] = i
        try:
            value_on = _bank_date(get("日期"))
            if value_on > today:
                bad(i, "日期", "日期晚于今天"); ok = False
        except DomainError as err:
            bad(i, "日期", err.message); ok = False
            value_on = None
        kind = BANK_KINDS.get(_cell(get("类型")))
        if kind is None:
            bad(i, "类型", "类型应为 首期、补交 或 续交"); ok = False
        try:
            amount = parse_yuan(_cell(get("金额(元)")) if not isinstance(get("金额(元)"), float) else get("金额(元)"))
        except DomainError as err:
            bad(i, "金额(元)", err.message); ok = False
            amount = None
        place = (_cell(get("楼栋")), _cell(get("单元")), _cell(get("房号")))
        household = households.get(place)
        account = None
        if household is None:
            bad(i, "房号", gettext("本小区没有这户：%(place)s", place="".join(place))); ok = False
        else:
            account = accounts.get(household.id)
            if household.status == HouseholdStatus.DEMOLISHED or (account and account.status != SubAccountStatus.OPEN):
                bad(i, "房号", "该户账户已销户，不能入账"); ok = False
            elif account is None:
                bad(i, "房号", "该户尚未开立维修资金账户（请先按交存标准开户）"); ok = False
        memo = _cell(get("备注"))[:200] or None
        if ok:
            parsed.append(_BankRow(i, serial, value_on, account, kind, amount, memo))
    # A 流水号 already posted from another file must carry the same payment.
    keys = {f"bank:{p.serial}": p for p in parsed}
    if keys:
        for entry in db.session.scalars(select(LedgerEntry).where(LedgerEntry.idempotency_key.in_(list(keys)))):
            p = keys[entry.idempotency_key]
            if entry.payload_hash != ledger.payload_hash(_bank_payload(p)):
                bad(p.row, "流水号", "该流水号已入账，且金额或户与本行不同")
    if problems:
        problems.sort(key=lambda p: p["row"])
        raise BankImportRejected(problems)

    record = BankImport(compound_id=compound.id, file_sha256=sha, filename=(filename or "statement")[:200],
                        rows=len(parsed), total_fen=sum(p.amount_fen for p in parsed),
                        user_id=actor.id if actor else None, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:  # the same file, imported a moment ago by a parallel request
        return BankImportResult(db.session.scalar(select(BankImport).where(BankImport.file_sha256 == sha)),
                                duplicate=True)
    result = BankImportResult(record, duplicate=False)
    for p in parsed:
        try:
            entry = ledger.post(p.account, p.kind, p.amount_fen, actor=actor, source_type="bank_import",
                                source_id=record.id, value_on=p.value_on, memo=p.memo, key=f"bank:{p.serial}",
                                payload=_bank_payload(p), audited=False)
        except DomainError as err:
            raise BankImportRejected([{"row": p.row, "column": "金额(元)", "message": err.message}]) from None
        if entry.source_id == record.id and entry.source_type == "bank_import":
            result.posted += 1
        else:
            result.replayed += 1
    audit.record("fund.bank_import", record, actor=actor, place=compound, changes={
        "filename": record.filename, "rows": record.rows, "total_fen": record.total_fen, "posted": result.posted,
        "already_posted": result.replayed, "sha256": sha,
    })
    return result


def _bank_payload(p: _BankRow) -> dict:
    return {"account": p.account.id, "kind": p.kind.value, "amount": p.amount_fen, "value_on": p.value_on.isoformat()}


# == returns and common-part income (增值收益 / 共用部位经营收益) ====================================
def returns_key(compound: Compound) -> str:
    """The county's configured key for distributing returns ("balance" unless FundPolicy says "area")."""
    key = db.session.scalar(select(FundPolicy.returns_key).where(FundPolicy.county_id == county_id_of(compound.id)))
    return key if key in RETURNS_KEYS else "balance"


def distribute_returns(compound: Compound, *, period: str, amount_fen: int, actor: User | None,
                       scope: Scope | None, kind: EntryKind | str = EntryKind.RETURNS, memo: str | None = None,
                       value_on: date | None = None) -> ReturnsDistribution:
    """增值收益分配: credit `amount_fen` for a period to the compound's open accounts, exact to the fen.

    Split by the largest-remainder method (pm.services.fund.apportion) in proportion to the balances (FundPolicy
    returns_key "balance", the default) or to the floor area ("area": a household's area shared equally by its
    open accounts). One distribution per (compound, period): a second run is refused.
    """
    _require(actor, "fund.returns")
    if scope is not None and not scope.contains(Compound, compound.id):
        raise NotFound("小区不存在或不在您的权限范围内", field="compound_id")
    kind = EntryKind(kind)
    if kind not in (EntryKind.RETURNS, EntryKind.COMMON_INCOME):
        raise DomainError("只能分配增值收益或共用部位经营收益", field="kind")
    period = (period or "").strip()
    if not _PERIOD.match(period):
        raise DomainError("期间格式不正确（例如 2025 或 2025-H1，最多 16 个字符）", field="period")
    ledger._check_amount(kind, amount_fen)
    if db.session.scalar(select(ReturnsDistribution.id).where(
            ReturnsDistribution.compound_id == compound.id, ReturnsDistribution.period == period,
            ReturnsDistribution.kind == kind)):
        raise Conflict(gettext("该小区 %(period)s 期间已分配过，不能重复分配", period=period), field="period")
    key = returns_key(compound)
    accounts = list(db.session.scalars(
        select(SubAccount).options(joinedload(SubAccount.household))
        .where(SubAccount.compound_id == compound.id, SubAccount.status == SubAccountStatus.OPEN)
        .order_by(SubAccount.id)
    ))
    if key == "area":
        per_household: dict[int, int] = {}
        for a in accounts:
            per_household[a.household_id] = per_household.get(a.household_id, 0) + 1
        weights = [(a.id, Fraction(Decimal(a.household.area_m2)) / per_household[a.household_id]) for a in accounts]
    else:
        weights = [(a.id, a.balance_fen) for a in accounts]
    if not weights or sum(w for _, w in weights) == 0:
        raise DomainError("该小区没有可分配的账户（无开户或余额合计为零）", field="compound_id")
    shares = apportion.largest_remainder(amount_fen, weights)
    dist = ReturnsDistribution(compound_id=compound.id, period=period, amount_fen=amount_fen, key=key, kind=kind,
                               memo=(memo or "").strip()[:200] or None, created_by_id=actor.id if actor else None,
                               created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(dist)
            db.session.flush()
    except IntegrityError:
        raise Conflict(gettext("该小区 %(period)s 期间已分配过，不能重复分配", period=period), field="period") from None
    label = "增值收益" if kind == EntryKind.RETURNS else "经营收益"
    for account in accounts:
        fen = shares[account.id]
        if fen > 0:
            ledger.post(account, kind, fen, actor=actor, source_type="returns", source_id=dist.id,
                        value_on=value_on, memo=f"{period} {label}", audited=False)
    audit.record(f"fund.distribute.{kind.value}", dist, actor=actor, place=compound, changes={
        "period": period, "amount_fen": amount_fen, "key": key, "accounts": sum(1 for v in shares.values() if v),
    })
    return dist


# == demolition (灭失) ==============================================================================
def demolish(household: Household, *, on: date, memo: str | None, actor: User | None,
             scope: Scope | None) -> list[LedgerEntry]:
    """灭失: refund each account's balance (REFUND), close the accounts, end current ownerships, mark the
    household DEMOLISHED — in the caller's one transaction, audited. Returns the refund entries."""
    _require(actor, "fund.cashier")
    if scope is not None and not scope.contains(Household, household.id):
        raise NotFound("房屋不存在或不在您的权限范围内", field="household_id")
    if household.status == HouseholdStatus.DEMOLISHED:
        raise DomainError("该房屋已登记灭失", field="household_id")
    if not isinstance(on, date) or on > local_today():
        raise DomainError("灭失日期不能晚于今天", field="on")
    owners = list(db.session.scalars(
        select(Ownership).where(Ownership.household_id == household.id, Ownership.ended_on.is_(None))))
    for o in owners:
        if on < o.started_on:
            raise DomainError("灭失日期早于现业主的产权开始日期", field="on")
    memo = (memo or "").strip()[:150] or None
    refunds = []
    for account in db.session.scalars(
            select(SubAccount).where(SubAccount.household_id == household.id).order_by(SubAccount.id)):
        if account.status != SubAccountStatus.OPEN:
            continue
        db.session.refresh(account)
        if account.balance_fen > 0:
            refunds.append(ledger.post(account, EntryKind.REFUND, account.balance_fen, actor=actor,
                                       source_type="demolition", source_id=household.id, value_on=on,
                                       memo="灭失退还" + (f"：{memo}" if memo else ""), key=f"demolition:{account.id}"))
        ledger.close_account(account, actor=actor)
    for o in owners:
        o.ended_on = on
        o.end_reason = OwnershipEnd.DEMOLITION
    household.status = HouseholdStatus.DEMOLISHED
    db.session.flush()
    audit.record("household.demolish", household, actor=actor, changes={
        "on": on, "memo": memo, "refunded_fen": sum(-e.amount_fen for e in refunds),
        "ended_ownerships": [o.id for o in owners], "status": ["active", "demolished"],
    })
    return refunds
