"""对账明细 benchmark (not a test): GET /api/v1/fund-entries on the city ledger in PostgreSQL (8M entries, made by
bench/funds_bench.py), one compound's day and one county's month, first page and the pages after it by cursor; each
page also through the floor (the same rows by hand-written SQL behind a bare Flask route, no auth/ORM/schema),
measured in the same loop, and through the service alone. Prints wall p50/p95, CPU per request (this process:
client, app and driver; not PostgreSQL's) and the load average.

Usage (see bench/README.md; the ledger must exist and migrations be applied, indexes included):
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/pm_bench .venv/bin/python bench/reconciliation_bench.py \
        [--samples 20] [--pages 3] [--limit 50]
"""
from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
from flask import Flask, jsonify, request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from pm import create_app  # noqa: E402
from pm.access import scope_for  # noqa: E402
from pm.extensions import db  # noqa: E402
from pm.models import Compound, LedgerEntry, Role, StreetOffice, SubAccount, User  # noqa: E402
from pm.services.accounts.tokens import create_api_token  # noqa: E402
from pm.services.fund import reconcile  # noqa: E402


def _pct(values: list[float], p: int) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# The floor: the same page by hand-written SQL (the scope as the user's binding, plain parameters; is_reversed by the
# unique reverses_id index), rows to dicts, jsonify; one connection kept open (a pool of one), autocommit.
def floor_sql(*, street: bool, compound: bool, cursor: bool) -> str:
    """The page's SQL for one shape of request (no `IS NULL OR` tricks: a prepared statement's generic plan of
    those read 300 ms pages)."""
    streets = ("m.street_id = %(street)s" if street else
               "m.street_id IN (SELECT s.id FROM street_offices s WHERE s.county_id = %(county)s)")
    conditions = [f"a.compound_id IN (SELECT c.id FROM compounds c JOIN communities m ON m.id = c.community_id"
                  f" WHERE {streets})", "e.value_on >= %(date_from)s", "e.value_on <= %(date_to)s"]
    if compound:
        conditions.append("a.compound_id = %(compound)s")
    if cursor:
        conditions.append("(e.value_on > %(day)s OR (e.value_on = %(day)s AND e.id > %(ident)s))")
    return ("SELECT e.id, e.account_id, e.kind, e.amount_fen, e.balance_after_fen, e.created_at, e.value_on,"
            " e.actor_id, e.source_type, e.source_id, e.memo, e.reverses_id,"
            " EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_id = e.id) AS is_reversed"
            " FROM ledger_entries e JOIN fund_accounts a ON a.id = e.account_id WHERE " + " AND ".join(conditions)
            + " ORDER BY e.value_on, e.id LIMIT %(limit)s")


FLOOR_COLUMNS = ("id", "account_id", "kind", "amount_fen", "balance_after_fen", "created_at", "value_on", "actor_id",
                 "source_type", "source_id", "memo", "reverses_id", "is_reversed")


def floor_app(url: str, bindings: dict) -> Flask:
    """A bare Flask app: GET /floor?role=&compound_id=&date_from=&date_to=&cursor=&limit= answers like the API."""
    app = Flask("floor")
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)

    @app.get("/floor")
    def floor():
        a = request.args
        county, street = bindings[a["role"]]
        day, ident = date(1900, 1, 1), 0
        if a.get("cursor"):
            raw = base64.urlsafe_b64decode(a["cursor"] + "=" * (-len(a["cursor"]) % 4)).decode()
            day, ident = date.fromisoformat(raw.split(".")[0]), int(raw.split(".")[1])
        limit = int(a["limit"])
        params = {"county": county, "street": street, "compound": a.get("compound_id", type=int),
                  "date_from": a["date_from"], "date_to": a["date_to"], "day": day, "ident": ident, "limit": limit + 1}
        sql = floor_sql(street=street is not None, compound=params["compound"] is not None,
                        cursor=bool(a.get("cursor")))
        rows = conn.execute(sql, params).fetchall()
        items = []
        for row in rows[:limit]:
            item = dict(zip(FLOOR_COLUMNS, row))
            item["created_at"], item["value_on"] = item["created_at"].isoformat(), item["value_on"].isoformat()
            items.append(item)
        last = items[-1] if len(rows) > limit else None
        cursor = (base64.urlsafe_b64encode(f"{last['value_on']}.{last['id']}".encode()).decode().rstrip("=")
                  if last else None)
        return jsonify({"items": items, "next_cursor": cursor, "limit": limit})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--limit", type=int, default=50)
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
        bindings = {}
        for role in tokens:
            user = db.session.scalar(select(User).where(User.role == role).order_by(User.id))
            county = user.county_id or db.session.get(StreetOffice, user.street_id).county_id
            bindings[role.value] = (county, user.street_id if role == Role.STREET_OFFICER else None)
    load_before = os.getloadavg()
    client, floor_client = app.test_client(), floor_app(url, bindings).test_client()
    results: dict[str, dict[str, list[float]]] = {}

    def timed(call):
        c, t = time.process_time(), time.perf_counter()
        r = call()
        return r, time.perf_counter() - t, time.process_time() - c

    for round_ in range(2):  # the first round warms caches; the second is measured
        for name, role, query in cases:
            cursor = None
            for page in range(args.pages):
                q = {k: str(v) for k, v in query.items()} | {"limit": args.limit}
                if cursor:
                    q["cursor"] = cursor
                r, wall, cpu = timed(lambda: client.get("/api/v1/fund-entries", query_string=q,
                                                        headers={"Authorization": f"Bearer {tokens[role]}"}))
                f, f_wall, f_cpu = timed(lambda: floor_client.get("/floor", query_string=q | {"role": role.value}))
                assert r.status_code == 200, r.get_json()
                assert f.get_json() == r.get_json(), "the floor must answer the same rows"
                if round_:
                    row = results.setdefault(f"{name}, page {'1' if page == 0 else '2+'}", {})
                    for key, value in (("api", wall), ("api_cpu", cpu), ("floor", f_wall), ("floor_cpu", f_cpu)):
                        row.setdefault(key, []).append(value)
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
                        results[f"{name}, page {'1' if page == 0 else '2+'}"].setdefault("service", []).append(elapsed)
                    cursor = got.next_cursor
                    if not cursor:
                        break
            db.session.rollback()
    load_after = os.getloadavg()
    print(f"\nPostgreSQL, {entries:,} ledger entries; limit {args.limit} per page; load average (1/5/15 min) "
          f"{'/'.join(f'{x:.1f}' for x in load_before)} before, {'/'.join(f'{x:.1f}' for x in load_after)} after; "
          f"{os.cpu_count()} CPUs\n")
    heads = ("API p50", "API p95", "API CPU", "floor p50", "floor p95", "floor CPU", "svc p50", "svc p95")
    print(f"| {'what (ms; CPU = p50 of this process per request)':<52} | {'n':>4} | " + " | ".join(f"{h:>9}" for h in heads) + " |")
    print(f"|{'-' * 54}|{'-' * 6}|" + "|".join("-" * 11 for _ in heads) + "|")
    for name, row in results.items():
        cells = (statistics.median(row["api"]), _pct(row["api"], 95), statistics.median(row["api_cpu"]),
                 statistics.median(row["floor"]), _pct(row["floor"], 95), statistics.median(row["floor_cpu"]),
                 statistics.median(row["service"]), _pct(row["service"], 95))
        print(f"| {name:<52} | {len(row['api']):>4} | " + " | ".join(f"{c * 1000:>9.1f}" for c in cells) + " |")

if __name__ == "__main__":
    main()
