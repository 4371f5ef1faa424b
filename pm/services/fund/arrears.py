"""追缴与续交: sub-accounts whose first deposit is unpaid (追缴) or whose balance fell below 30% of it (续交)."""
# One definition of each list, read by the pages, the xlsx export and the monthly reminders alike.
from __future__ import annotations

import logging

from sqlalchemy import func, literal_column, select

from pm.access import Scope
from pm.extensions import db
from pm.models import Building, Household, SubAccount, SubAccountStatus, Unit
from pm.models.fund import Holder
from pm.services.fund.subaccounts import WITH_HOUSEHOLD, SubAccountSummary
from pm.services.money import format_fen
from pm.services.spreadsheets import PLAIN, Sheet, write_xlsx

logger = logging.getLogger(__name__)

EXPORT_LIMIT = 100_000
ARREARS_HEADER = ("小区", "楼栋", "单元", "房号", "面积(㎡)", "账户", "首期应交(元)", "已交(元)", "欠交(元)")
# The export's own words for the holder, kept as the sheet has always had them (spreadsheets built on it).
ARREARS_HOLDER = {Holder.OWNER: "业主", Holder.WORK_UNIT: "售房单位"}


def _by_door(stmt, compound_id: int | None, building_id: int | None):
    """Joined to the door (building, unit, room) for the order; optionally one compound or building."""
    stmt = (
        stmt.join(Household, Household.id == SubAccount.household_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .options(*WITH_HOUSEHOLD)
        .order_by(SubAccount.compound_id, Building.name, Unit.name, Household.room_no, SubAccount.id)
    )
    if compound_id:
        stmt = stmt.where(SubAccount.compound_id == compound_id)
    if building_id:
        stmt = stmt.where(Household.building_id == building_id)
    return stmt


def open_with_due_terms():
    """WHERE terms: open sub-accounts with a first deposit due (the accounts 追缴 and 续交 are shares of)."""
    return SubAccount.status == SubAccountStatus.OPEN, SubAccount.first_deposit_due_fen.is_not(None)


def unpaid_terms():
    """The 追缴 condition as WHERE terms: open, a first deposit due, and less paid than due (the cached 首期已交 the
    ledger keeps on each sub-account, so no list or count reads the ledger; the partial index
    ix_fund_accounts_arrears holds exactly these rows)."""
    return (*open_with_due_terms(), SubAccount.first_deposit_due_fen > SubAccount.first_deposit_paid_fen)


def low_balance_terms():
    """The 续交 condition as WHERE terms: open, a first deposit due, something paid towards it (an account with no
    deposit yet is unpaid — 追缴 — not in need of replenishment), and balance × 10 < due × 3 (integers; the
    constants are written into the SQL so that the partial index ix_fund_accounts_low can serve it)."""
    return (*open_with_due_terms(), SubAccount.first_deposit_paid_fen > 0,
            SubAccount.balance_fen * literal_column("10") < SubAccount.first_deposit_due_fen * literal_column("3"))


def arrears_select(scope: Scope, *, compound_id: int | None = None, building_id: int | None = None):
    """追缴: open sub-accounts whose first deposit is unpaid or partly paid; rows (subaccount, paid_fen, owed_fen).

    Paid = 首期 + 补交 net of their reversals (续交 does not count)."""
    paid_fen = SubAccount.first_deposit_paid_fen
    owed = (SubAccount.first_deposit_due_fen - paid_fen).label("owed_fen")
    stmt = scope.filter(select(SubAccount, paid_fen.label("paid_fen"), owed), SubAccount).where(*unpaid_terms())
    return _by_door(stmt, compound_id, building_id)


def arrears_count(scope: Scope) -> int:
    """How many rows arrears_select(scope) yields, counted without the joins to the door it is ordered by."""
    return db.session.scalar(scope.filter(select(func.count(SubAccount.id)), SubAccount).where(*unpaid_terms()))


def replenishment_select(scope: Scope, *, compound_id: int | None = None, building_id: int | None = None):
    """续交: open sub-accounts whose balance is below 30% of the first deposit due (balance×10 < due×3, integers)."""
    return _by_door(scope.select(SubAccount).where(*low_balance_terms()), compound_id, building_id)


def arrears_rows(scope: Scope, *, compound_id: int | None = None, building_id: int | None = None,
                 limit: int = EXPORT_LIMIT) -> list:
    """The whole 追缴 list (up to `limit` rows) as (subaccount, paid_fen, owed_fen) rows, for the export."""
    stmt = arrears_select(scope, compound_id=compound_id, building_id=building_id).limit(limit)
    return list(db.session.execute(stmt).unique().all())


def arrears_workbook(rows: list) -> bytes:
    """The 追缴 list as an xlsx file: a plain header row, then one row per sub-account, amounts as yuan text."""
    body = []
    for subaccount, paid_fen, owed_fen in rows:
        h = subaccount.household
        amounts = (subaccount.first_deposit_due_fen, paid_fen, owed_fen)
        body.append([h.compound.name, h.building.name, h.unit.name, h.room_no, str(h.area_m2),
                     ARREARS_HOLDER[Holder(subaccount.holder)], *(format_fen(fen, grouped=False) for fen in amounts)])
    return write_xlsx(Sheet("追缴清单", header=ARREARS_HEADER, header_style=PLAIN, rows=body))


# == the monthly reminders' lists ======================================================================
def unpaid_first_deposits(scope: Scope) -> list[SubAccountSummary]:
    """The 追缴 list as summaries (due, paid, unpaid), in sub-account order — whom the reminder tells."""
    rows = db.session.execute(arrears_select(scope)).unique().all()
    return sorted((SubAccountSummary(subaccount, int(paid or 0)) for subaccount, paid, _owed in rows),
                  key=lambda s: s.subaccount.id)


def below_thirty_percent(scope: Scope) -> list[SubAccountSummary]:
    """The 续交 list as summaries, in sub-account order — whom the reminder tells."""
    subaccounts = db.session.scalars(replenishment_select(scope)).unique().all()
    return [SubAccountSummary(s) for s in sorted(subaccounts, key=lambda s: s.id)]
