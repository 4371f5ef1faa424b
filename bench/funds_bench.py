"""维修资金 benchmark (not a test): an owner's account page/API and a compound's yearly statement on a
city-size ledger in PostgreSQL.

1. Generates, once, a fund account for every household of the city data set (``flask pm demo --size city`` or
   ``bench/city_seed.py``) and ``--entries`` ledger entries per account (20 → ~8 million), written with COPY:
   a first deposit, yearly returns, replenishments and charges with consistent ``balance_after_fen`` and a
   cached ``balance_fen`` equal to their sum; plus one use plan per compound charged in the last year, with
   its PlanShare rows. The append-only trigger blocks only UPDATE/DELETE, so COPY is allowed; foreign-key
   triggers are skipped during the load (``session_replication_role = replica``) — the generator produces
   consistent keys, and the script checks balances = sums for the sampled accounts afterwards.
2. Measures, over ``--samples`` random households with an owner login (created for the benchmark):
   the account page (/statements/accounts/<id>) and the API (/api/v1/my/fund-accounts/<id>/entries) through
   the Flask test client, the scoped ORM query alone, and one hand-written SQL query fetching the same rows;
   and the yearly statement of ``--compounds`` random compounds (service, API and PDF).

Usage (see bench/README.md):
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/pm_bench .venv/bin/python bench/funds_bench.py \
        [--households N] [--entries 20] [--samples 200] [--compounds 20]
"""
from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

RATE_FEN_PER_M2 = 5_000  # 50 元/m², a typical multi-storey standard
FIRST_YEAR, LAST_YEAR = 2012, 2025


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _copy(cur, table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows (tuples of str/None) into table; returns the count."""
    n = 0
    buf = io.StringIO()
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            buf.write("\t".join("\\N" if v is None else str(v) for v in row))
            buf.write("\n")
            n += 1
            if n % 50_000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())
    return n


ENTRY_COLUMNS = ("id", "account_id", "kind", "amount_fen", "balance_after_fen", "created_at", "value_on",
                 "source_type", "source_id", "memo")


def _entries_for(rng: random.Random, account_id: int, due: int, n: int, plan_id: int, plan_share: int,
                 next_id: int) -> tuple[list[tuple], int, int]:
    """n entries for one account with a consistent running balance; returns (rows, final balance, charged)."""
    rows = []
    start = date(rng.randint(FIRST_YEAR, FIRST_YEAR + 2), rng.randint(1, 12), rng.randint(1, 28))
    balance = due
    rows.append((next_id, account_id, "first_deposit", due, balance, f"{start} 04:00:00+00", start, "bank_import",
                 None, "首期交存"))
    span = (date(LAST_YEAR, 6, 30) - start).days
    history = sorted(rng.randrange(1, span) for _ in range(max(n - 2, 0)))
    for offset in history:
        on = date.fromordinal(start.toordinal() + offset)
        roll = rng.random()
        if roll < 0.45:
            kind, amount = "returns", max(balance * 15 // 1000, 1)
        elif roll < 0.55:
            kind, amount = "common_income", rng.randint(100, 5_000)
        elif roll < 0.65:
            kind, amount = "replenishment", rng.randint(10_000, 200_000)
        elif balance > 10:
            kind, amount = "charge", -rng.randint(1, balance // 4 + 1)
        else:
            kind, amount = "returns", 1
        balance += amount
        rows.append((next_id + len(rows), account_id, kind, amount, balance, f"{on} 04:00:00+00", on,
                     "plan" if kind == "charge" else kind, None, None))
    charged = 0
    if n >= 2:
        charged = min(plan_share, balance)
        on = date(LAST_YEAR, 9, 15)
        if charged > 0:
            balance -= charged
            rows.append((next_id + len(rows), account_id, "charge", -charged, balance, f"{on} 04:00:00+00", on,
                         "plan", plan_id, f"使用方案 #{plan_id}"))
    return rows, balance, charged


def generate(url: str, households: int | None, per_account: int, seed: int) -> None:
    """Accounts, ledger entries, plans and shares for the city data set, by COPY (skipped if present)."""
    rng = random.Random(seed)
    with psycopg.connect(_dsn(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM fund_accounts")
        if cur.fetchone()[0]:
            cur.execute("SELECT count(*) FROM ledger_entries")
            print(f"fund data present ({cur.fetchone()[0]:,} ledger entries): generation skipped")
            return
        t0 = time.perf_counter()
        cur.execute("SET session_replication_role = replica")
        limit = f"LIMIT {int(households)}" if households else ""
        cur.execute(f"SELECT id, compound_id, area_m2 FROM households ORDER BY compound_id, id {limit}")
        homes = cur.fetchall()
        by_compound: dict[int, list] = {}
        for hid, cid, area in homes:
            by_compound.setdefault(cid, []).append((hid, area))
        # One use plan per compound, charged in the last year over all its households by area.
        plan_ids = {}
        now = datetime.now(UTC).isoformat()
        for cid in by_compound:
            cur.execute(
                "INSERT INTO use_plans (compound_id, title, shared_part, reason, budget_fen, actual_cost_fen,"
                " decision_kind, status, is_emergency, not_under_warranty, not_utility_duty, not_caused_damage,"
                " not_contract_duty, publicity_days, rounding_method, created_at, updated_at)"
                " VALUES (%s, '屋面防水及外墙修缮', '屋面、外墙', '屋面渗漏、外墙空鼓', %s, %s, 'use_fund', 'charged',"
                " false, true, true, true, true, 7, 'largest_remainder;area_desc;account_id_asc', %s, %s) RETURNING id",
                (cid, 1, 1, now, now),
            )
            plan_ids[cid] = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM ledger_entries")
        next_entry = cur.fetchone()[0] + 1
        accounts, shares, entries = [], [], []
        account_id = 0
        plan_cost: dict[int, int] = {}

        def flush_entries():
            nonlocal entries
            if entries:
                _copy(cur, "ledger_entries", ENTRY_COLUMNS, entries)
                entries = []

        written = 0
        for cid, members in by_compound.items():
            for hid, area in members:
                account_id += 1
                due = int((Decimal(area) * RATE_FEN_PER_M2).quantize(Decimal(1), ROUND_HALF_UP))
                share = int((Decimal(area) * 300).quantize(Decimal(1), ROUND_HALF_UP))  # 3 元/m²
                rows, balance, charged = _entries_for(rng, account_id, due, per_account, plan_ids[cid], share,
                                                      next_entry)
                next_entry += len(rows)
                entries.extend(rows)
                accounts.append((account_id, hid, cid, "owner", "open", balance, due, due, now))
                shares.append((plan_ids[cid], account_id, hid, area, share, charged, share - charged))
                plan_cost[cid] = plan_cost.get(cid, 0) + share
                if len(entries) >= 200_000:
                    written += len(entries)
                    flush_entries()
                    print(f"\r  {written:,} entries", end="", flush=True)
        written += len(entries)
        flush_entries()
        print(f"\r  {written:,} entries")
        _copy(cur, "fund_accounts", ("id", "household_id", "compound_id", "holder", "status", "balance_fen",
                                     "first_deposit_due_fen", "first_deposit_paid_fen", "opened_at"), accounts)
        _copy(cur, "plan_shares", ("plan_id", "account_id", "household_id", "area_m2", "share_fen", "charged_fen",
                                   "shortfall_fen"), shares)
        for cid, cost in plan_cost.items():
            cur.execute("UPDATE use_plans SET budget_fen = %s, actual_cost_fen = %s WHERE id = %s",
                        (cost, cost, plan_ids[cid]))
        cur.execute("SELECT setval('fund_accounts_id_seq', (SELECT max(id) FROM fund_accounts))")
        cur.execute("SELECT setval('ledger_entries_id_seq', (SELECT max(id) FROM ledger_entries))")
        cur.execute("SET session_replication_role = origin")
        conn.commit()
        load = time.perf_counter() - t0
        cur.execute("ANALYZE fund_accounts")
        cur.execute("ANALYZE ledger_entries")
        cur.execute("ANALYZE plan_shares")
        conn.commit()
        print(f"generated {len(accounts):,} accounts, {written:,} entries, {len(plan_ids):,} plans "
              f"in {load:.0f} s (+ ANALYZE {time.perf_counter() - t0 - load:.0f} s)")


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def _row(name: str, values: list[float]) -> str:
    return (f"| {name:<52} | {len(values):>4} | {statistics.median(values) * 1000:>8.2f} | "
            f"{_pct(values, 95) * 1000:>8.2f} | {max(values) * 1000:>8.2f} |")


def measure(url: str, samples: int, compounds: int, seed: int, year: int) -> None:
    """Time the account page/API against the raw query, and the compound statement."""
    from sqlalchemy import select

    from pm import create_app
    from pm.access import scope_for
    from pm.extensions import db
    from pm.models import LedgerEntry, Ownership, Role, SubAccount, User
    from pm.services.accounts.tokens import create_api_token
    from pm.services.fund import statements as fs
    from pm.services.fund import subaccounts

    rng = random.Random(seed + 1)
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, DEBUG=False)
    results: dict[str, list[float]] = {}
    with app.app_context():
        max_account = db.session.scalar(select(SubAccount.id).order_by(SubAccount.id.desc()).limit(1))
        picked = sorted(rng.sample(range(1, max_account + 1), min(samples, max_account)))
        rows = db.session.execute(
            select(SubAccount.id, SubAccount.household_id, Ownership.person_id)
            .join(Ownership, Ownership.household_id == SubAccount.household_id)
            .where(SubAccount.id.in_(picked), Ownership.ended_on.is_(None))
        ).all()
        owners = {}
        from werkzeug.security import generate_password_hash

        hashed = generate_password_hash("bench-owner-password")
        for account_id, household_id, person_id in rows:
            user = db.session.scalar(select(User).where(User.role == Role.OWNER, User.person_id == person_id))
            if user is None:
                user = User(username=f"bench-owner-{person_id}", display_name="业主", password_hash=hashed,
                            role=Role.OWNER, person_id=person_id, session_token=os.urandom(16).hex())
                db.session.add(user)
                db.session.flush()
            _token, raw = create_api_token(user, f"bench-{account_id}")
            owners[account_id] = (user.id, user.get_id(), raw)
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.role == Role.COUNTY_ADMIN).order_by(User.id))
        _t, admin_token = create_api_token(admin, "bench-admin")
        db.session.commit()
        admin_id = admin.id
        print(f"sampled {len(owners)} accounts with an owner")

        # Balance = sum of entries for the sampled accounts (the generator's consistency).
        bad = db.session.execute(
            select(SubAccount.id).where(SubAccount.id.in_(list(owners)), SubAccount.balance_fen != (
                select(db.func.coalesce(db.func.sum(LedgerEntry.amount_fen), 0))
                .where(LedgerEntry.account_id == SubAccount.id).scalar_subquery()))
        ).all()
        assert not bad, f"balances differ from entry sums: {bad[:5]}"

    raw_sql = ("SELECT id, kind, amount_fen, balance_after_fen, created_at, value_on, memo, source_type, source_id,"
               " reverses_id FROM ledger_entries WHERE account_id = %s ORDER BY id DESC LIMIT 20")
    client = app.test_client()
    with psycopg.connect(_dsn(url)) as conn, conn.cursor() as cur:
        for _round in range(2):  # the first round warms caches; the second is measured
            timings = {k: [] for k in ("page", "my", "api", "orm", "raw")}
            for account_id, (user_id, session_id, token) in owners.items():
                with client.session_transaction() as sess:
                    sess["_user_id"] = session_id
                    sess["_fresh"] = True
                t = time.perf_counter()
                r = client.get(f"/statements/accounts/{account_id}")
                timings["page"].append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code
                t = time.perf_counter()
                r = client.get("/statements/my")
                timings["my"].append(time.perf_counter() - t)
                assert r.status_code == 200, r.status_code
                t = time.perf_counter()
                r = client.get(f"/api/v1/my/fund-accounts/{account_id}/entries?per_page=20",
                               headers={"Authorization": f"Bearer {token}"})
                timings["api"].append(time.perf_counter() - t)
                assert r.status_code == 200 and len(r.json["items"]) == 20, (r.status_code, r.json)
                with app.app_context():
                    user = db.session.get(User, user_id)
                    t = time.perf_counter()
                    scope = scope_for(user)
                    account = scope.get(SubAccount, account_id)
                    items = db.session.scalars(subaccounts.movements_stmt(scope, account).limit(20)).all()
                    timings["orm"].append(time.perf_counter() - t)
                    assert len(items) == 20
                t = time.perf_counter()
                cur.execute(raw_sql, (account_id,))
                raw_rows = cur.fetchall()
                timings["raw"].append(time.perf_counter() - t)
                assert [row[0] for row in raw_rows] == [e.id for e in items]
        results["account page /statements/accounts/<id> (HTML)"] = timings["page"]
        results["owner page /statements/my (HTML)"] = timings["my"]
        results["API /api/v1/my/fund-accounts/<id>/entries"] = timings["api"]
        results["scoped ORM query (scope.get + 20 entries)"] = timings["orm"]
        results["raw SQL: 20 entries of the account"] = timings["raw"]

        with app.app_context():
            compound_ids = [c for (c,) in db.session.execute(select(SubAccount.compound_id).distinct())]
        picked_compounds = rng.sample(compound_ids, min(compounds, len(compound_ids)))
        service, api, pdf, raw = [], [], [], []
        households_per = []
        for cid in picked_compounds:
            with app.app_context():
                scope = scope_for(db.session.get(User, admin_id))
                t = time.perf_counter()
                st = fs.compound_statement(scope, cid, year)
                service.append(time.perf_counter() - t)
                assert st.reconciles
                households_per.append(st.subaccounts)
            t = time.perf_counter()
            r = client.get(f"/api/v1/statements/compounds/{cid}/{year}",
                           headers={"Authorization": f"Bearer {admin_token}"})
            api.append(time.perf_counter() - t)
            assert r.status_code == 200
            t = time.perf_counter()
            cur.execute(
                "SELECT e.kind, sum(e.amount_fen) FROM ledger_entries e JOIN fund_accounts a ON a.id = e.account_id"
                " WHERE a.compound_id = %s AND e.value_on <= %s GROUP BY e.kind", (cid, date(year, 12, 31)))
            cur.fetchall()
            raw.append(time.perf_counter() - t)
        for cid in picked_compounds[:5]:
            with client.session_transaction() as sess:
                with app.app_context():
                    sess["_user_id"] = db.session.get(User, admin_id).get_id()
                sess["_fresh"] = True
            t = time.perf_counter()
            r = client.get(f"/statements/compounds/{cid}/{year}.pdf")
            pdf.append(time.perf_counter() - t)
            assert r.status_code == 200
        label = f"(~{statistics.mean(households_per):.0f} households each)"
        results[f"compound statement, service {label}"] = service
        results[f"compound statement, API JSON {label}"] = api
        results["compound statement, PDF"] = pdf
        results["raw SQL: totals by kind of one compound"] = raw

    with psycopg.connect(_dsn(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM ledger_entries")
        entries = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM fund_accounts")
        accounts = cur.fetchone()[0]
    print(f"\nPostgreSQL, {accounts:,} accounts, {entries:,} ledger entries, statement year {year}\n")
    print(f"| {'what':<52} | {'n':>4} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8} |")
    print(f"|{'-' * 54}|{'-' * 6}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    for name, values in results.items():
        print(_row(name, values))
    raw95 = _pct(results["raw SQL: 20 entries of the account"], 95)
    for name in ("account page /statements/accounts/<id> (HTML)", "API /api/v1/my/fund-accounts/<id>/entries",
                 "scoped ORM query (scope.get + 20 entries)"):
        print(f"p95 ratio {name} / raw SQL: {_pct(results[name], 95) / raw95:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=None, help="accounts to generate (default: all)")
    parser.add_argument("--entries", type=int, default=20, help="ledger entries per account")
    parser.add_argument("--samples", type=int, default=200, help="random households to time")
    parser.add_argument("--compounds", type=int, default=20, help="random compounds whose statement to time")
    parser.add_argument("--year", type=int, default=LAST_YEAR)
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--skip-generate", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("DATABASE_URL must point at PostgreSQL (the city data set loaded; see bench/README.md)")
    if not args.skip_generate:
        generate(url, args.households, args.entries, args.seed)
    measure(url, args.samples, args.compounds, args.seed, args.year)


if __name__ == "__main__":
    main()
