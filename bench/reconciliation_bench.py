"""对账明细 benchmark (not a test): GET /api/v1/fund-entries on the city ledger in PostgreSQL (8M entries, made by
bench/funds_bench.py), one compound's day and one county's month, first page and the pages after it by cursor.

Usage (see bench/README.md; the ledger must exist and migrations be applied, indexes included):
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/pm_bench .venv/bin/python bench/reconciliation_bench.py \
        [--samples 20] [--pages 3] [--limit 100]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from pm import create_app  # noqa: E402
from pm.access import scope_for  # noqa: E402
from pm.extensions import db  # noqa: E402
from pm.models import Compound, LedgerEntry, Role, SubAccount, User  # noqa: E402
from pm.services.accounts.tokens import create_api_token  # noqa: E402
from pm.services.fund import reconcile  # noqa: E402


def _pct(values: list[float], p: int) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def _row(name: str, values: list[float]) -> str:
    return (f"| {name:<52} | {len(values):>4} | {statistics.median(values) * 1000:>8.2f} | {_pct(values, 95):>8.2f} |"
            f" {max(values) * 1000:>8.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("DATABASE_URL must point at PostgreSQL with the city ledger (see bench/README.md)")
    rng = random.Random(args.seed)
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, DEBUG=False)
    with app.app_context():
        # Planner statistics: the loaders do not ANALYZE, and without them PostgreSQL guesses one street per
        # county and hashes every account of the scope before the first row (seconds instead of milliseconds).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        tokens = {}
        for role in (Role.COUNTY_ADMIN, Role.STREET_OFFICER):
            user = db.session.scalar(select(User).where(User.role == role).order_by(User.id))
            tokens[role] = create_api_token(user, f"bench-reconcile-{time.time_ns()}", scope=scope_for(user),
                                            actor=user)[1]
        street_scope = scope_for(db.session.scalar(select(User).where(User.role == Role.STREET_OFFICER)))
        db.session.commit()
        street_compounds = [c.id for c in db.session.scalars(street_scope.select(Compound))]
        entries = db.session.scalar(select(func.count()).select_from(LedgerEntry))
        cases = []
        for cid in rng.sample(street_compounds, args.samples):
            account = db.session.scalar(select(SubAccount.id).where(SubAccount.compound_id == cid).limit(1))
            day = db.session.scalar(select(LedgerEntry.value_on).where(LedgerEntry.account_id == account)
                                    .order_by(func.random()).limit(1))
            cases.append(("compound day (street officer)", Role.STREET_OFFICER,
                          {"compound_id": cid, "date_from": day, "date_to": day}))
        cases.append(("compound day 2025-09-15 (charge day, street)", Role.STREET_OFFICER,
                      {"compound_id": street_compounds[0], "date_from": date(2025, 9, 15), "date_to": date(2025, 9, 15)}))
        for _ in range(args.samples):
            year, month = rng.randint(2013, 2025), rng.randint(1, 12)
            end = date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1
            span = {"date_from": date(year, month, 1), "date_to": date.fromordinal(end)}
            cases.append(("county month (county admin)", Role.COUNTY_ADMIN, span))
            cases.append(("county month, one street (street officer)", Role.STREET_OFFICER, span))
        cases.append(("county month 2025-09 (charge day, county)", Role.COUNTY_ADMIN,
                      {"date_from": date(2025, 9, 1), "date_to": date(2025, 9, 30)}))
    client = app.test_client()
    results: dict[str, list[float]] = {}
    for round_ in range(2):  # the first round warms caches; the second is measured
        for name, role, query in cases:
            cursor = None
            for page in range(args.pages):
                q = {k: str(v) for k, v in query.items()} | {"limit": args.limit}
                if cursor:
                    q["cursor"] = cursor
                t = time.perf_counter()
                r = client.get("/api/v1/fund-entries", query_string=q,
                               headers={"Authorization": f"Bearer {tokens[role]}"})
                elapsed = time.perf_counter() - t
                assert r.status_code == 200, r.get_json()
                if round_:
                    results.setdefault(f"{name}, page {'1' if page == 0 else '2+'}", []).append(elapsed)
                cursor = r.get_json()["next_cursor"]
                if not cursor:
                    break
    # The same pages through the service alone (scoped query and rows, no HTTP, auth or JSON).
    with app.app_context():
        scopes = {role: scope_for(db.session.scalar(select(User).where(User.role == role))) for role in tokens}
        for round_ in range(2):
            for name, role, query in cases:
                cursor = None
                for page in range(args.pages):
                    t = time.perf_counter()
                    got = reconcile.entries_page(scopes[role], cursor=cursor, limit=args.limit, **query)
                    elapsed = time.perf_counter() - t
                    if round_:
                        results.setdefault(f"service: {name}, page {'1' if page == 0 else '2+'}", []).append(elapsed)
                    cursor = got.next_cursor
                    if not cursor:
                        break
            db.session.rollback()
    print(f"\nPostgreSQL, {entries:,} ledger entries; limit {args.limit} per page\n")
    print(f"| {'what':<52} | {'n':>4} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8} |")
    print(f"|{'-' * 54}|{'-' * 6}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    for name, values in results.items():
        print(_row(name, values))


if __name__ == "__main__":
    main()
