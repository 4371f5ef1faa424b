"""Coverage of the long-term mechanism on the city data set: time and SQL statements of the county's report.

Builds the city-size registry when the database is empty (like bench/city_seed.py), adds once, set-based, the
four bodies with a current member per community, an owners' committee per compound that has a formation date,
and fund sub-accounts with paid first deposits for every tenth compound (when `fund_accounts` is empty); then
times pm.services.governance.coverage for the county admin's scope (the county page and the home-page card),
a street's and the drill-down list, and counts their statements.

    PM_INSTANCE_DIR=/tmp/pm-bench DATABASE_URL=sqlite:////tmp/pm-bench/city.db .venv/bin/python bench/coverage_bench.py
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def generate() -> None:
    """Bodies, members and a few collected funds, once (skipped when bodies exist)."""
    from pm.extensions import db

    conn = db.session
    if conn.execute(sa.text("SELECT COUNT(*) FROM governance_bodies")).scalar():
        return
    now = sa.bindparam("now", date(2025, 1, 1), type_=sa.Date)
    ts = sa.bindparam("ts", datetime(2025, 1, 1, tzinfo=UTC), type_=sa.DateTime(timezone=True))
    for kind, suffix in (("party", "党支部"), ("residents", "居民委员会")):
        conn.execute(sa.text(
            "INSERT INTO governance_bodies (kind, place_key, community_id, name, created_at) "
            f"SELECT '{kind}', '{kind}:' || CAST(id AS VARCHAR(12)), id, name || '{suffix}', :ts FROM communities"
        ).bindparams(ts))
    conn.execute(sa.text(
        "INSERT INTO governance_bodies (kind, place_key, community_id, compound_id, name, created_at) "
        "SELECT 'owners', 'owners:' || CAST(id AS VARCHAR(12)), community_id, id, name || '业主委员会', :ts "
        "FROM compounds WHERE owners_committee_formed_on IS NOT NULL").bindparams(ts))
    person = conn.execute(sa.text("SELECT MIN(id) FROM persons")).scalar()
    conn.execute(sa.text(
        "INSERT INTO governance_members (body_id, seat, person_id, position, is_party_member, started_on, "
        f"created_at) SELECT id, 1, {person}, 'member', false, :now, :ts FROM governance_bodies").bindparams(now, ts))
    if not conn.execute(sa.text("SELECT COUNT(*) FROM fund_accounts")).scalar():
        conn.execute(sa.text(
            "INSERT INTO fund_accounts (household_id, compound_id, holder, status, balance_fen, first_deposit_due_fen,"
            " opened_at) SELECT h.id, h.compound_id, 'owner', 'open', 0, 10000, :ts FROM households h "
            "WHERE h.compound_id % 10 = 0").bindparams(ts))
    db.session.commit()


def measure(app, iterations: int) -> list[tuple[str, int, float, float]]:
    from pm.access import scope_for
    from pm.extensions import db
    from pm.models import Role, StreetOffice, User
    from pm.services.governance import coverage
    from pm.timeutil import local_today

    rows = []
    with app.app_context():
        county = db.session.scalar(sa.select(User).where(User.role == Role.COUNTY_ADMIN).limit(1))
        street_id = db.session.scalar(sa.select(StreetOffice.id).where(StreetOffice.county_id == county.county_id)
                                      .limit(1))
        cases = (
            ("county report", lambda s: coverage.coverage(s, today=local_today())),
            ("street report", lambda s: coverage.coverage(s, today=local_today(), street_id=street_id)),
            ("drill-down (fund missing)", lambda s: coverage.compounds(s, today=local_today(), criterion="fund",
                                                                       missing=True)),
        )
        for name, call in cases:
            statements = []
            listener = lambda *a, **k: statements.append(1)  # noqa: E731
            times = []
            for i in range(iterations + 1):
                scope = scope_for(county)
                sa.event.listen(db.engine, "before_cursor_execute", listener)
                start = time.perf_counter()
                call(scope)
                elapsed = time.perf_counter() - start
                sa.event.remove(db.engine, "before_cursor_execute", listener)
                if i:  # the first round warms caches
                    times.append(elapsed * 1000)
                count = len(statements)
                statements.clear()
                db.session.remove()
            rows.append((name, count, statistics.median(times), max(times)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from pm import create_app, demo
    from pm.extensions import db

    app = create_app(os.environ.get("PM_CONFIG", "development"), SQLALCHEMY_ECHO=False)
    with app.app_context():
        upgrade()
        if not demo.has_county():
            print("building the city-size registry ...", file=sys.stderr)
            demo.build_data_set(demo.city_spec(2000))
            db.session.commit()
        generate()
        url = db.engine.url.render_as_string(hide_password=True)
        compounds = db.session.execute(sa.text("SELECT COUNT(*) FROM compounds")).scalar()
        db.session.remove()
    rows = measure(app, args.iterations)
    print(f"database: {url}; {compounds} compounds; {args.iterations} timed runs each")
    print("| what                       | SQL | p50 ms | max ms |")
    print("|----------------------------|----:|-------:|-------:|")
    for name, count, p50, worst in rows:
        print(f"| {name:<26} | {count:>3} | {p50:>6.1f} | {worst:>6.1f} |")
    slowest = max(r[3] for r in rows)
    print(f"slowest: {slowest:.0f} ms (target <= 1000 ms): {'met' if slowest <= 1000 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
