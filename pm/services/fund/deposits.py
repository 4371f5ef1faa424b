"""首期交存: what each dwelling owes first — dues, sold-public-housing terms (房改房), opening sub-accounts (开户)."""
# Money is integer fen; areas and rates are multiplied exactly (Decimal, Fraction) and rounded half-up to the fen.
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    Compound,
    Household,
    HouseholdStatus,
    PublicHousingTerms,
    SubAccount,
    User,
)
from pm.models.fund import Holder
from pm.services import audit, tallies
from pm.services.fund import ledger
from pm.services.fund.access import require_in_scope
from pm.services.fund.rates import MAX_RATE_FEN_PER_M2, candidate_rates, pick_rate
from pm.services.money import MAX_FEN, half_up_fen
from pm.services.text import N_

logger = logging.getLogger(__name__)

NO_TERMS = N_("房改房未录入交存条件（成本价、售房款）")
NO_RATE = N_("没有适用的交存标准")
CAN_OPEN_TERMS = N_("可开户（房改房）")
CAN_OPEN_RATE = N_("可开户（%(name)s）")


# == dues ===========================================================================================
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


# == sold public housing (房改房) ======================================================================
def terms_of(household: Household) -> PublicHousingTerms | None:
    """The household's 房改房交存条件, if entered."""
    return db.session.scalar(select(PublicHousingTerms).where(PublicHousingTerms.household_id == household.id))


def set_public_housing_terms(household: Household, values: dict, *, actor: User | None,
                             scope: Scope) -> PublicHousingTerms:
    """房改房交存条件 of one household: cost price per m², sale price and the two permilles."""
    authorise(scope, actor, "fund.rates")
    require_in_scope(scope, Household, household.id, field="household_id")
    if not household.is_sold_public_housing:
        raise DomainError("该户未登记为房改房（售后公房）", field="household_id")
    clean = {}
    for key, lo, hi in (("cost_price_fen_per_m2", 1, MAX_RATE_FEN_PER_M2), ("sale_price_fen", 1, MAX_FEN),
                        ("owner_permille", 1, 1000), ("work_unit_permille", 1, 1000)):
        v = values.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise DomainError("必须是 %(lo)s 到 %(hi)s 之间的整数", field=key, lo=lo, hi=hi)
        clean[key] = v
    name = (values.get("work_unit_name") or "").strip() or None
    if name and len(name) > 120:
        raise DomainError("售房单位名称过长", field="work_unit_name")
    clean["work_unit_name"] = name
    terms = terms_of(household)
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


# == opening sub-accounts (开户) =====================================================================
@dataclass
class OpenResult:
    """What open_subaccounts did: sub-accounts opened, already open, and households it could not price
    (each with the reason, translated when shown)."""

    opened: list[SubAccount] = field(default_factory=list)
    existing: int = 0
    missing: list[tuple[Household, object]] = field(default_factory=list)
    would_open: list[tuple[Household, Holder, int, int | None]] = field(default_factory=list)  # a dry run's


def _active_households(compound: Compound, *, without_subaccount: bool = False):
    stmt = (
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.compound_id == compound.id, Household.status == HouseholdStatus.ACTIVE)
        .order_by(Household.building_id, Household.unit_id, Household.room_no, Household.id)
    )
    if without_subaccount:
        stmt = stmt.where(~Household.id.in_(select(SubAccount.household_id)
                                            .where(SubAccount.compound_id == compound.id)))
    return list(db.session.scalars(stmt))


def open_subaccounts(compound: Compound, *, on: date, actor: User | None, scope: Scope,
                     dry_run: bool = False) -> OpenResult:
    """开户: open (idempotently) every active household's sub-account(s) with its first-deposit due.

    An ordinary dwelling gets one OWNER sub-account at area × the rate in force on `on`; sold public housing
    gets OWNER and WORK_UNIT sub-accounts from its PublicHousingTerms. A household without a rate (or terms) is
    reported in `missing`, never guessed. A sub-account already open keeps its due. `dry_run`: the same
    checks, with what would be opened in `would_open` (household, holder, due, rate id), writing nothing.
    """
    authorise(scope, actor, "fund.cashier")
    require_in_scope(scope, Compound, compound.id, field="compound_id")
    households = _active_households(compound)
    existing = {(a.household_id, a.holder): a for a in db.session.scalars(
        select(SubAccount).where(SubAccount.compound_id == compound.id))}
    terms = {t.household_id: t for t in db.session.scalars(
        select(PublicHousingTerms).join(Household, Household.id == PublicHousingTerms.household_id)
        .where(Household.compound_id == compound.id))}
    rates = candidate_rates(compound.id, on)
    result = OpenResult()
    for h in households:
        if h.is_sold_public_housing:
            t = terms.get(h.id)
            if t is None:
                result.missing.append((h, lazy_gettext(NO_TERMS)))
                continue
            wanted = [(holder, due, None) for holder, due in public_housing_dues(h.area_m2, t).items()]
        else:
            rate = pick_rate(rates, h.building)
            if rate is None:
                result.missing.append((h, lazy_gettext(NO_RATE)))
                continue
            wanted = [(Holder.OWNER, first_deposit_due(h.area_m2, rate.fen_per_m2), rate.id)]
        for holder, due, rate_id in wanted:
            subaccount = existing.get((h.id, holder))
            if dry_run:
                if subaccount is None:
                    result.would_open.append((h, holder, due, rate_id))
                else:
                    result.existing += 1
                continue
            if subaccount is not None:
                if subaccount.first_deposit_due_fen is None:  # opened by an early payment; now priced
                    _price(subaccount, due, rate_id)
                result.existing += 1
                continue
            result.opened.append(ledger.get_or_open_subaccount(h, holder, due_fen=due, rate_id=rate_id))
    if dry_run:
        return result
    db.session.flush()
    audit.record("fund.open_accounts", compound, actor=actor, changes={
        "on": on, "opened": len(result.opened), "existing": result.existing,
        "missing": [h.id for h, _ in result.missing],
    })
    logger.info("opened %d sub-accounts in %r", len(result.opened), compound)
    return result


def _price(subaccount: SubAccount, due: int, rate_id: int | None) -> None:
    """Set the first deposit due of a sub-account opened without one, by a guarded UPDATE (a parallel pricing
    sets it once), and count the account in its compound's fund counts from the state the UPDATE returns."""
    row = db.session.execute(
        update(SubAccount).where(SubAccount.id == subaccount.id, SubAccount.first_deposit_due_fen.is_(None))
        .values(first_deposit_due_fen=due, rate_id=rate_id)
        .returning(SubAccount.status, SubAccount.first_deposit_paid_fen, SubAccount.balance_fen, SubAccount.compound_id)
        .execution_options(synchronize_session=False)).first()
    db.session.expire(subaccount, ["first_deposit_due_fen", "rate_id"])
    if row is not None:
        status, paid, balance, compound_id = row
        tallies.bump(compound_id, tallies.change(tallies.fund_flags(status, None, paid, balance),
                                                 tallies.fund_flags(status, due, paid, balance)))


def unopened(compound: Compound, *, on: date, scope: Scope) -> list[tuple[Household, object]]:
    """Active households of a compound without a sub-account, each with what opening it needs (or would use)."""
    require_in_scope(scope, Compound, compound.id, field="compound_id")
    households = _active_households(compound, without_subaccount=True)
    with_terms = set(db.session.scalars(select(PublicHousingTerms.household_id).where(
        PublicHousingTerms.household_id.in_([h.id for h in households]))))
    rates = candidate_rates(compound.id, on)
    result = []
    for h in households:
        if h.is_sold_public_housing:
            result.append((h, lazy_gettext(CAN_OPEN_TERMS if h.id in with_terms else NO_TERMS)))
        else:
            rate = pick_rate(rates, h.building)
            result.append((h, lazy_gettext(CAN_OPEN_RATE, name=rate.name) if rate else lazy_gettext(NO_RATE)))
    return result
