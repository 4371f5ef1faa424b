"""使用方案分摊 benchmark (not a test): apportioning and charging one plan over N households (default 5,000).

Builds, in an empty scratch database, one compound with N households (random floor areas 30–150 m², every
tenth one sold public housing with a work-unit account too), an open fund account per holder with a first
deposit (some too small to cover their share, so shortfalls occur), and one emergency plan taken to
payment_approved. Then measures, each run on a fresh copy of the plan:

- preview: ``fund_plans.apportion(plan)`` — one query for households+areas, one for accounts, one for the
  deposits of the sold-public-housing accounts, and the exact largest-remainder split;
- charge: the ``charged`` transition — the split again, the postings through ``ledger.post_batch`` (the
  set-based form of ``ledger.post``: per 1,000 accounts one key check, one row lock in id order, one guarded
  UPDATE … RETURNING and one bulk INSERT of the entries) and one bulk INSERT of the PlanShare rows, committed;

and checks the parts sum to the cost and every balance equals the sum of its entries.

Usage:
    .venv/bin/python bench/plan_apportion.py [--households 5000] [--runs 3] [--keep]
It creates (and afterwards drops, unless --keep) the PostgreSQL database pm_bench_plans on
PM_BENCH_PG (default postgresql+psycopg://postgres@127.0.0.1:5432). DATABASE_URL=sqlite:////tmp/x.sqlite3
runs it on SQLite instead.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DB_NAME = "pm_bench_plans"


def _scratch_pg(server: str, *, drop: bool) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DB_NAME}"))
        if not drop:
            conn.execute(sa.text(f"CREATE DATABASE {DB_NAME}"))
    admin.dispose()
    return f"{server}/{DB_NAME}"


def build(n: int, seed: int = 7):
    """One compound with n households and funded accounts; returns (compound, county admin)."""
    from sqlalchemy import insert, select

    from pm.extensions import db
    from pm.models import (
        Building,
        Community,
        Compound,
        County,
        SubAccount,
        Household,
        LedgerEntry,
        Role,
        StreetOffice,
        Unit,
        User,
    )
    from pm.models.fund import EntryKind, Holder
    from pm.models.registry import ManagementMode

    rnd = random.Random(seed)
    county = County(name="基准县")
    db.session.add(county)
    db.session.flush()
    street = StreetOffice(county_id=county.id, name="基准街道")
    db.session.add(street)
    db.session.flush()
    community = Community(street_id=street.id, name="基准社区")
    db.session.add(community)
    db.session.flush()
    compound = Compound(community_id=community.id, name="基准小区", management_mode=ManagementMode.PROFESSIONAL)
    db.session.add(compound)
    db.session.flush()
    per_unit, units_per_building = 50, 4
    rows = []
    unit = None
    for i in range(n):
        if i % per_unit == 0:
            if (i // per_unit) % units_per_building == 0:
                building = Building(compound_id=compound.id, name=f"{i // (per_unit * units_per_building) + 1}号楼")
                db.session.add(building)
                db.session.flush()
            unit = Unit(building_id=building.id, compound_id=compound.id, name=f"{(i // per_unit) % units_per_building + 1}单元")
            db.session.add(unit)
            db.session.flush()
        rows.append({"compound_id": compound.id, "building_id": unit.building_id, "unit_id": unit.id,
                     "room_no": str(101 + i % per_unit), "floor": 1 + (i % per_unit) // 4,
                     "area_m2": Decimal(rnd.randint(3000, 15000)) / 100, "is_sold_public_housing": i % 10 == 0})
    db.session.execute(insert(Household), rows)
    households = db.session.execute(select(Household.id, Household.is_sold_public_housing)
                                    .where(Household.compound_id == compound.id).order_by(Household.id)).all()
    accounts = []
    for hh_id, sold in households:
        accounts.append({"household_id": hh_id, "compound_id": compound.id, "holder": Holder.OWNER,
                         "balance_fen": 0, "first_deposit_due_fen": 500_000})
        if sold:
            accounts.append({"household_id": hh_id, "compound_id": compound.id, "holder": Holder.WORK_UNIT,
                             "balance_fen": 0, "first_deposit_due_fen": 300_000})
    db.session.execute(insert(SubAccount), accounts)
    entries = []
    balances = {}
    for acc_id in db.session.scalars(select(SubAccount.id).where(SubAccount.compound_id == compound.id)):
        fen = rnd.choice([50, 2_000, 300_000, 500_000, 800_000])
        balances[acc_id] = fen
        entries.append({"account_id": acc_id, "kind": EntryKind.FIRST_DEPOSIT, "amount_fen": fen,
                        "balance_after_fen": fen, "value_on": date(2020, 1, 1), "source_type": "bench"})
    db.session.execute(insert(LedgerEntry), entries)
    from sqlalchemy import case, update
    db.session.execute(update(SubAccount).where(SubAccount.compound_id == compound.id).values(
        balance_fen=case(balances, value=SubAccount.id), first_deposit_paid_fen=case(balances, value=SubAccount.id),
    ).execution_options(synchronize_session=False))
    admin = User(username="bench_county", display_name="基准", password_hash="x", role=Role.COUNTY_ADMIN,
                 county_id=county.id, session_token="bench-county-token")
    worker = User(username="bench_community", display_name="基准社区", password_hash="x",
                  role=Role.COMMUNITY_WORKER, community_id=community.id, session_token="bench-community-token")
    db.session.add_all([admin, worker])
    db.session.commit()
    return compound, admin, worker


def approved_plan(compound, admin, worker, cost_fen: int):
    from pm.access import scope_for
    from pm.services.fund import plans as fund_plans

    plan = fund_plans.create_plan(
        compound, actor=worker, scope=scope_for(worker), title="基准应急维修", shared_part="全小区排水",
        reason="排水管爆裂", budget_fen=cost_fen, is_emergency=True, emergency_reason="drains",
        confirmations={c: True for c in fund_plans.CONFIRMATIONS},
    )
    fund_plans.transition(plan, "passed", actor=admin, scope=scope_for(admin))
    fund_plans.transition(plan, "works_done", actor=worker, scope=scope_for(worker))
    fund_plans.transition(plan, "settled", actor=worker, scope=scope_for(worker), actual_cost_fen=cost_fen)
    fund_plans.transition(plan, "payment_approved", actor=admin, scope=scope_for(admin))
    return plan


def main(argv: list[str] | None = None) -> int:
    """Build, measure, check, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    server = os.environ.get("PM_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    url = os.environ.get("DATABASE_URL") or _scratch_pg(server, drop=False)
    os.environ["DATABASE_URL"] = url

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from pm import create_app
    from pm.access import scope_for
    from pm.extensions import db
    from pm.models import SubAccount, LedgerEntry
    from pm.models.fund import PlanShare
    from pm.services.fund import plans as fund_plans

    app = create_app(os.environ.get("PM_CONFIG", "development"), SQLALCHEMY_DATABASE_URI=url)
    previews, charges = [], []
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        compound, admin, worker = build(args.households)
        print(f"database: {db.engine.dialect.name}; built {args.households} households in "
              f"{time.perf_counter() - started:.1f} s")
        for run in range(args.runs):
            cost = 12_345_678 + run
            plan = approved_plan(compound, admin, worker, cost)
            db.session.commit()
            t0 = time.perf_counter()
            result = fund_plans.apportion(plan)
            t1 = time.perf_counter()
            assert sum(line.share_fen for line in result.lines) == cost
            fund_plans.transition(plan, "charged", actor=admin, scope=scope_for(admin))
            db.session.commit()
            t2 = time.perf_counter()
            previews.append(t1 - t0)
            charges.append(t2 - t1)
            shares = db.session.scalar(select(func.count()).select_from(PlanShare).where(PlanShare.plan_id == plan.id))
            print(f"run {run + 1}: {len(result.lines)} accounts, shares {shares}, preview {t1 - t0:.3f} s, "
                  f"charge (split + {sum(1 for x in result.lines if x.charged_fen)} postings + bulk shares) "
                  f"{t2 - t1:.3f} s, shortfall {result.shortfall_fen} fen")
        sums = dict(db.session.execute(select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
                                       .group_by(LedgerEntry.account_id)).all())
        bad = [a for a, b in db.session.execute(select(SubAccount.id, SubAccount.balance_fen)) if sums.get(a, 0) != b]
        print(f"balances equal to the sum of entries: {'yes' if not bad else f'NO ({len(bad)} differ)'}")
        print(f"preview median {statistics.median(previews):.3f} s; charge median {statistics.median(charges):.3f} s")
        db.session.remove()
        db.engine.dispose()
    if not os.environ.get("PM_KEEP") and not args.keep and url.endswith(DB_NAME):
        _scratch_pg(server, drop=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
