"""交存标准: deposit standards in fen per m² — which one applies to a building, and their upkeep."""
# The most specific matching standard in force on a date applies: a compound's own beats the county's; one with
# an elevator/floors condition beats one without; then the latest in force. Never guessed, never a computed 5–8%.
from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import or_, select

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import Building, Compound, DepositRate, Household, SubAccount, User
from pm.services import audit
from pm.services.fund.access import require_in_scope
from pm.services.registry.tree import county_id_of

logger = logging.getLogger(__name__)

MAX_RATE_FEN_PER_M2 = 10_000_000  # 10 万元/㎡: anything larger is a typing mistake
LIST_LIMIT = 500


# == which standard applies =========================================================================
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


def candidate_rates(compound_id: int, on: date) -> list[DepositRate]:
    """The county's and the compound's standards in force on `on` (one query; pick_rate chooses per building)."""
    return list(db.session.scalars(
        select(DepositRate).where(
            DepositRate.county_id == county_id_of(compound_id),
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
    return pick_rate(candidate_rates(household.compound_id, on), building)


# == reading and upkeep ============================================================================
def rates_select(scope: Scope, *, compound_id: int | None = None):
    """The standards in scope (the county defaults and the compounds' own), newest in force first."""
    stmt = scope.select(DepositRate)
    if compound_id:
        stmt = stmt.where(DepositRate.compound_id == compound_id)
    return stmt.order_by(DepositRate.effective_on.desc(), DepositRate.id.desc())


def list_rates(scope: Scope) -> list[DepositRate]:
    """The standards page: the newest LIST_LIMIT standards in scope."""
    return list(db.session.scalars(rates_select(scope).limit(LIST_LIMIT)))


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


def _rate_county(actor: User | None, scope: Scope, compound_id: int | None) -> int:
    if compound_id is not None:
        require_in_scope(scope, Compound, compound_id, field="compound_id")
        return county_id_of(compound_id)
    if actor is None or actor.county_id is None:
        raise Forbidden("只有县级管理员可以设置全县默认标准")
    return actor.county_id


def create_rate(values: dict, *, actor: User | None, scope: Scope) -> DepositRate:
    """新增交存标准 for the actor's county (compound_id None) or one compound in scope."""
    authorise(scope, actor, "fund.rates")
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


def update_rate(rate: DepositRate, values: dict, *, actor: User | None, scope: Scope) -> DepositRate:
    """修改交存标准; one already used to open sub-accounts is fixed (add a new one with a later date instead).

    The compound a standard belongs to cannot change."""
    authorise(scope, actor, "fund.rates")
    require_in_scope(scope, DepositRate, rate.id, field="rate_id")
    if values.get("compound_id") != rate.compound_id:
        raise DomainError("不能改变标准所属的小区", field="compound_id")
    if _rate_in_use(rate):
        raise Conflict("已有账户按此标准开户，不能修改；请新增一条更晚生效的标准", field="fen_per_m2")
    clean = _validate_rate(values)
    changes = audit.diff(rate, clean)
    for key, value in clean.items():
        setattr(rate, key, value)
    db.session.flush()
    audit.record("fund.rate.update", rate, actor=actor, changes=changes)
    return rate


def delete_rate(rate: DepositRate, *, actor: User | None, scope: Scope) -> None:
    """删除交存标准 that no sub-account was opened with."""
    authorise(scope, actor, "fund.rates")
    require_in_scope(scope, DepositRate, rate.id, field="rate_id")
    if _rate_in_use(rate):
        raise Conflict("已有账户按此标准开户，不能删除", field="rate_id")
    audit.record("fund.rate.delete", rate, actor=actor,
                 changes={"name": rate.name, "fen_per_m2": rate.fen_per_m2, "effective_on": rate.effective_on})
    db.session.delete(rate)
    db.session.flush()
