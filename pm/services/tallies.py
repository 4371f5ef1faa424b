"""小区计数: per-compound counts (pm.models.CompoundTally) kept in the transaction of every change they count.

Rules kept here, once:
- a writer moves a count by an atomic increment (one upsert: INSERT … ON CONFLICT (compound_id) DO UPDATE SET
  n = n + :d), never by reading and writing back; the row is created on first use by the same statement;
- a writer passes the counted row's state before and after (fund_flags, repair_flags): the state before must be
  read under the row's lock (or returned by the guarded UPDATE that changed it), so two parallel writers never
  both count the same change;
- the writers: pm.services.fund.ledger (opening a sub-account, every posting, closing),
  pm.services.fund.deposits (a first deposit priced after the account was opened), pm.services.repairs.filing
  (a new request) and pm.services.repairs.workflow.move (every status change);
- recount(): one set-based statement of the same counts from the rows themselves; `flask pm tallies recount
  [--check]` shows (and without --check repairs) any drift.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pm.extensions import db
from pm.models import Compound, CompoundTally, RepairRequest, RepairStatus, SubAccount, SubAccountStatus
from pm.models.repairs import OPEN_STATUSES
from pm.models.tallies import TALLY_COLUMNS

WAITING = (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED)  # = pm.services.repairs.queue.WAITING_STATUSES
ZERO = dict.fromkeys(TALLY_COLUMNS, 0)
FUND_COLUMNS = ("fund_due", "fund_unpaid", "fund_low")


def fund_flags(status, due_fen: int | None, paid_fen: int | None, balance_fen: int | None) -> dict[str, int]:
    """What one sub-account adds to its compound's fund counts (pm.services.fund.arrears' open_with_due_terms,
    unpaid_terms, low_balance_terms)."""
    if status != SubAccountStatus.OPEN or due_fen is None:
        return {"fund_due": 0, "fund_unpaid": 0, "fund_low": 0}
    paid, balance = paid_fen or 0, balance_fen or 0
    return {"fund_due": 1, "fund_unpaid": int(due_fen > paid), "fund_low": int(paid > 0 and balance * 10 < due_fen * 3)}


def repair_flags(status) -> dict[str, int]:
    """What one repair request adds to its compound's repair counts."""
    return {"repairs_waiting": int(status in WAITING), "repairs_open": int(status in OPEN_STATUSES),
            "repairs_completed": int(status == RepairStatus.COMPLETED)}


def change(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


def bump(compound_id: int, deltas: dict[str, int]) -> None:
    """Add `deltas` to the compound's counts (one atomic upsert; nothing when all are zero)."""
    deltas = {k: int(v) for k, v in deltas.items() if v}
    if not deltas:
        return
    unknown = set(deltas) - set(TALLY_COLUMNS)
    if unknown:
        raise ValueError(f"unknown tally columns {sorted(unknown)}")
    table = CompoundTally.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # The row a first use inserts holds the (positive) deltas; both databases check the CHECK (n >= 0) on that
    # proposed row before they see the conflict, so a decrease is inserted as 0 and applied by the UPDATE only
    # (a decrease with no row to decrease is drift already: the recount shows it).
    stmt = insert(table).values(compound_id=compound_id, **{**ZERO, **{k: max(v, 0) for k, v in deltas.items()}})
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.compound_id],
                                      set_={k: table.c[k] + v for k, v in deltas.items()})
    db.session.execute(stmt, execution_options={"synchronize_session": False})


def bump_many(deltas: dict[int, dict[str, int]]) -> None:
    """bump() for several compounds, in compound order (parallel writers lock the rows in the same order)."""
    for compound_id in sorted(deltas):
        bump(compound_id, deltas[compound_id])


# -- recount ---------------------------------------------------------------------------------------------------
def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def recount_select():
    """One statement: every compound with a row to count and its counts, from the sub-accounts and requests."""
    fund = (select(SubAccount.compound_id.label("compound_id"), func.count().label("fund_due"),
                   _count_if(SubAccount.first_deposit_due_fen > SubAccount.first_deposit_paid_fen).label("fund_unpaid"),
                   _count_if((SubAccount.first_deposit_paid_fen > 0)
                             & (SubAccount.balance_fen * 10 < SubAccount.first_deposit_due_fen * 3)).label("fund_low"))
            .where(SubAccount.status == SubAccountStatus.OPEN, SubAccount.first_deposit_due_fen.is_not(None))
            .group_by(SubAccount.compound_id).subquery())
    repairs = (select(RepairRequest.compound_id.label("compound_id"),
                      _count_if(RepairRequest.status.in_(WAITING)).label("repairs_waiting"),
                      _count_if(RepairRequest.status.in_(OPEN_STATUSES)).label("repairs_open"),
                      _count_if(RepairRequest.status == RepairStatus.COMPLETED).label("repairs_completed"))
               .where(RepairRequest.status.in_((*OPEN_STATUSES, RepairStatus.COMPLETED)))
               .group_by(RepairRequest.compound_id).subquery())
    return (select(Compound.id.label("compound_id"),
                   *(func.coalesce(fund.c[c], 0).label(c) for c in FUND_COLUMNS),
                   *(func.coalesce(repairs.c[c], 0).label(c) for c in TALLY_COLUMNS[len(FUND_COLUMNS):]))
            .outerjoin(fund, fund.c.compound_id == Compound.id)
            .outerjoin(repairs, repairs.c.compound_id == Compound.id)
            .where((fund.c.compound_id.is_not(None)) | (repairs.c.compound_id.is_not(None))))


@dataclass
class Drift:
    compound_id: int
    kept: dict[str, int]
    counted: dict[str, int]


def recounted() -> dict[int, dict[str, int]]:
    """The true counts of every compound with something to count (compounds absent: all zero)."""
    return {row[0]: dict(zip(TALLY_COLUMNS, map(int, row[1:]))) for row in db.session.execute(recount_select())}


def kept() -> dict[int, dict[str, int]]:
    """The counts as kept, zero rows left out."""
    table = CompoundTally.__table__
    out = {}
    for row in db.session.execute(select(table.c.compound_id, *(table.c[c] for c in TALLY_COLUMNS))):
        values = dict(zip(TALLY_COLUMNS, map(int, row[1:])))
        if any(values.values()):
            out[row[0]] = values
    return out


def drift() -> list[Drift]:
    """Compounds whose kept counts differ from a recount."""
    have, want = kept(), recounted()
    return [Drift(cid, have.get(cid, ZERO), want.get(cid, ZERO))
            for cid in sorted(set(have) | set(want)) if have.get(cid, ZERO) != want.get(cid, ZERO)]


def recount() -> list[Drift]:
    """Replace the kept counts by a recount (one set-based INSERT … SELECT); returns the drift it repaired. On
    PostgreSQL the table is locked first: a writer still running adds its change after the recount (which cannot
    see it), one that has already added it is waited for (the recount then sees its rows)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE compound_tallies IN SHARE ROW EXCLUSIVE MODE"))
    found = drift()
    table = CompoundTally.__table__
    db.session.execute(table.delete())
    db.session.execute(table.insert().from_select(["compound_id", *TALLY_COLUMNS], recount_select()))
    return found


def of_compounds(ids) -> select:
    """SELECT (compound_id, counts…) of the compounds whose ids `ids` (a SELECT) yields; absent rows are zero."""
    table = CompoundTally.__table__
    return select(table.c.compound_id, *(table.c[c] for c in TALLY_COLUMNS)).where(table.c.compound_id.in_(ids))


def totals(ids) -> dict[str, int]:
    """The counts summed over the compounds `ids` (a SELECT of compound ids) yields (one statement)."""
    table = CompoundTally.__table__
    row = db.session.execute(select(*(func.coalesce(func.sum(table.c[c]), literal(0)) for c in TALLY_COLUMNS))
                             .where(table.c.compound_id.in_(ids))).one()
    return dict(zip(TALLY_COLUMNS, map(int, row)))
