"""维修资金总览: per-compound totals in a scope, and the compounds and buildings the fund pages filter by."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from pm.access import Scope
from pm.extensions import db
from pm.models import Building, Compound, SubAccount
from pm.services.fund.arrears import low_balance_terms


def compounds_in_scope(scope: Scope) -> list[Compound]:
    """The compounds a user may see, by name."""
    return list(db.session.scalars(scope.select(Compound).order_by(Compound.name, Compound.id)))


def buildings_in_scope(scope: Scope, compound_id: int | None) -> list[Building]:
    """The buildings of one compound in scope, by name (none without a compound)."""
    if not compound_id:
        return []
    return list(db.session.scalars(
        scope.select(Building).where(Building.compound_id == compound_id).order_by(Building.name)))


def compound_totals(scope: Scope) -> list[dict]:
    """Per compound in scope: sub-accounts, balance, first deposits due and sub-accounts needing replenishment.

    Compounds with sub-accounts come first (they are the ones being worked on), each group by name."""
    low = func.sum(func.cast(and_(*low_balance_terms()), db.Integer))
    stmt = scope.filter(
        select(SubAccount.compound_id, func.count(SubAccount.id), func.coalesce(func.sum(SubAccount.balance_fen), 0),
               func.coalesce(func.sum(SubAccount.first_deposit_due_fen), 0), low),
        SubAccount,
    ).group_by(SubAccount.compound_id)
    sums = {cid: (n, balance, due, lo or 0) for cid, n, balance, due, lo in db.session.execute(stmt)}
    rows = [{"compound": c, "subaccounts": sums.get(c.id, (0,))[0], "balance_fen": sums.get(c.id, (0, 0))[1],
             "due_fen": sums.get(c.id, (0, 0, 0))[2], "low": sums.get(c.id, (0, 0, 0, 0))[3]}
            for c in compounds_in_scope(scope)]
    return sorted(rows, key=lambda r: r["subaccounts"] == 0)
