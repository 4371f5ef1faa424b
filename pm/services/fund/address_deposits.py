"""按地址交存: a bank's deposit into a dwelling named by id or by compound + building + unit + room, opening the
dwelling's sub-account on first use when a deposit standard (or 房改房 terms) prices it."""
# Posting goes through payments.record_payment → ledger.post (the one posting primitive); opening through
# ledger.get_or_open_subaccount, which a parallel request for the same dwelling cannot open twice.
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise
from pm.errors import DomainError, NotFound
from pm.extensions import db
from pm.models import Building, Compound, Household, HouseholdStatus, LedgerEntry, SubAccount, Unit, User
from pm.models.fund import Holder
from pm.services import audit
from pm.services.fund import deposits, ledger, payments, rates
from pm.services.fund.access import require_in_scope

logger = logging.getLogger(__name__)


@dataclass
class AddressDeposit:
    """What a deposit by address did: the entry (or the replayed one) and whether the sub-account was opened."""

    entry: LedgerEntry
    subaccount: SubAccount
    opened: bool


def find_household(scope: Scope, *, household_id: int | None = None, compound_id: int | None = None,
                   building: str | None = None, unit: str | None = None, room: str | None = None) -> Household:
    """The dwelling by id, or by compound + building + (unit) + room, in scope. An unknown part is a 404 naming its
    field; a room found in several units (no unit given) is refused naming `unit`."""
    if household_id:
        require_in_scope(scope, Household, household_id, field="household_id")
        return db.session.get(Household, household_id)
    if not compound_id:
        raise DomainError("请提供 household_id，或 compound_id + building + unit + room", field="compound_id")
    for name, value in (("building", building), ("room", room)):
        if not (value or "").strip():
            raise DomainError("按地址交存须填写楼栋和房号", field=name)
    stmt = (scope.select(Household).join(Building, Building.id == Household.building_id)
            .join(Unit, Unit.id == Household.unit_id)
            .options(joinedload(Household.building), joinedload(Household.unit))
            .where(Household.compound_id == compound_id, Building.name == building.strip()))
    require_in_scope(scope, Compound, compound_id, field="compound_id")
    if not db.session.scalar(select(Building.id).where(Building.compound_id == compound_id,
                                                       Building.name == building.strip()).limit(1)):
        raise NotFound("本小区没有楼栋“%(name)s”", field="building", name=building.strip())
    if (unit or "").strip():
        stmt = stmt.where(Unit.name == unit.strip())
    matches = list(db.session.scalars(stmt.where(Household.room_no == room.strip()).order_by(Household.id)).unique())
    if not matches:
        field = "unit" if (unit or "").strip() and not db.session.scalar(
            select(Unit.id).join(Building, Building.id == Unit.building_id)
            .where(Building.compound_id == compound_id, Building.name == building.strip(), Unit.name == unit.strip())
            .limit(1)) else "room"
        raise NotFound("没有这户：%(place)s", field=field,
                       place=f"{building.strip()}{(unit or '').strip()}{room.strip()}")
    if len(matches) > 1:
        raise DomainError("房号 %(room)s 在 %(n)s 个单元中都有（%(units)s），请填写单元", field="unit",
                          room=room.strip(), n=len(matches), units="、".join(h.unit.name for h in matches))
    return matches[0]


def due_for(household: Household, holder: Holder, on: date) -> tuple[int, int | None]:
    """首期应交 and the standard's id for opening, or a DomainError naming why it cannot be priced."""
    if household.is_sold_public_housing:
        terms = deposits.terms_of(household)
        if terms is None:
            raise DomainError(deposits.NO_TERMS, field="household")
        return deposits.public_housing_dues(household.area_m2, terms)[holder], None
    if holder != Holder.OWNER:
        raise DomainError("只有房改房有售房单位交存部分", field="holder")
    rate = rates.rate_for(household, on)
    if rate is None:
        raise DomainError("该户没有适用的交存标准，不能开户入账（请先设置交存标准）", field="household")
    return deposits.first_deposit_due(household.area_m2, rate.fen_per_m2), rate.id


def deposit_by_address(scope: Scope, actor: User | None, *, household: Household, holder: Holder = Holder.OWNER,
                       kind: str, amount_fen: int, value_on: date, memo: str | None, key: str | None,
                       source_type: str = "bank") -> AddressDeposit:
    """Post a deposit to the dwelling's sub-account for `holder`, opening it first if it has none."""
    authorise(scope, actor, "fund.cashier")
    if household.status != HouseholdStatus.ACTIVE:
        raise DomainError("该户已灭失，不能交存", field="household")
    holder = Holder(holder)
    subaccount = db.session.scalar(select(SubAccount).where(SubAccount.household_id == household.id,
                                                            SubAccount.holder == holder))
    opened = False
    if subaccount is None:
        due, rate_id = due_for(household, holder, value_on)
        subaccount = ledger.get_or_open_subaccount(household, holder, due_fen=due, rate_id=rate_id)
        opened = subaccount.first_deposit_due_fen == due and not db.session.scalar(
            select(LedgerEntry.id).where(LedgerEntry.account_id == subaccount.id).limit(1))
    entry = payments.record_payment(subaccount, kind=kind, amount_fen=amount_fen, value_on=value_on, memo=memo,
                                    key=key, actor=actor, scope=scope, source_type=source_type)
    opened = opened and not ledger.was_replayed(entry)
    if opened:
        audit.record("fund.open_account", subaccount, actor=actor, place=household, changes={
            "holder": holder.value, "first_deposit_due_fen": subaccount.first_deposit_due_fen,
            "rate_id": subaccount.rate_id, "on_first_deposit": entry.id})
    return AddressDeposit(entry, subaccount, opened)
