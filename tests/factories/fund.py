"""维修资金 factories: sub-accounts, ledger postings and charged use plans, built with ledger.post and the models."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pm.extensions import db
from pm.models import PlanShare, SubAccount, UsePlan
from pm.models.fund import EntryKind, Holder, PlanStatus
from pm.services.fund import ledger
from tests.factories.registry import make_building, make_household, make_unit


def open_account(household, due_fen: int = 10_000, holder: Holder = Holder.OWNER) -> SubAccount:
    """A sub-account with a first deposit due."""
    return ledger.get_or_open_subaccount(household, holder, due_fen=due_fen)


def deposit(account, amount_fen: int, on: date, kind: EntryKind = EntryKind.FIRST_DEPOSIT, memo: str | None = None):
    return ledger.post(account, kind, amount_fen, actor=None, source_type="manual", value_on=on, memo=memo)


def make_plan(compound, title: str = "1号楼屋面防水", cost_fen: int = 10_000, **kw) -> UsePlan:
    plan = UsePlan(compound_id=compound.id, title=title, shared_part=kw.pop("shared_part", "屋面"),
                   reason=kw.pop("reason", "屋面渗漏"), budget_fen=cost_fen, actual_cost_fen=cost_fen,
                   status=kw.pop("status", PlanStatus.CHARGED), **kw)
    db.session.add(plan)
    db.session.flush()
    return plan


def charge_plan(plan, parts, on: date) -> None:
    """Charge (account, share_fen, charged_fen) parts of a plan and record its PlanShare rows."""
    for account, share, charged in parts:
        if charged:
            ledger.post(account, EntryKind.CHARGE, charged, actor=None, source_type="plan", source_id=plan.id,
                        value_on=on, memo=f"使用方案 #{plan.id}")
        db.session.add(PlanShare(plan_id=plan.id, account_id=account.id, household_id=account.household_id,
                                 area_m2=account.household.area_m2, share_fen=share, charged_fen=charged,
                                 shortfall_fen=share - charged))
    db.session.flush()


def compound_with_accounts(compound, n: int, *, due_fen: int = 10_000, on: date = date(2025, 3, 1)) -> list[SubAccount]:
    """n households in a new building of `compound`, each with an account holding its first deposit."""
    unit = make_unit(make_building(compound))
    accounts = []
    for i in range(n):
        account = open_account(make_household(unit, room_no=str(101 + i), area_m2=Decimal("60.00") + i), due_fen)
        deposit(account, due_fen, on)
        accounts.append(account)
    return accounts
