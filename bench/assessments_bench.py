"""月度考核 benchmark (not a test): computing one month for a county of S streets × N stations.

Builds, in a fresh scratch PostgreSQL database, one county with `--streets` street offices, each with one community
and `--stations` stations (one compound each), and a month of every record kind the computation reads
(bench/assess_data.py: work logs, repairs with varied response/completion times, ratings and reopens, daily
community inspections, weekly street inspections, county spot checks, findings, rectification orders with deadline
changes and overdue ones, satisfaction surveys with responses, bonus and veto events), plus a second county of
25 units (1 street × 24 stations). Times ``compute.compute_month`` (as the monthly job runs it, wall and CPU) and
counts its SQL statements for both counties in the same run, and compares it with one hand-written SQL statement
reading the same records per station (FLOOR_SQL).

Usage (one command; PostgreSQL database pm_bench_assess on PM_BENCH_PG, default
postgresql+psycopg://postgres@127.0.0.1:5432; the data generation is PostgreSQL SQL):
    .venv/bin/python bench/assessments_bench.py [--streets 100] [--stations 20] [--runs 3] [--keep]
--keep leaves the database for bench/assessment_results_bench.py --keep to reuse.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from assess_data import MONTH, build  # noqa: E402

DB_NAME = os.environ.get("PM_BENCH_ASSESS_DB", "pm_bench_assess")


def _scratch_pg(server: str, *, drop: bool) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DB_NAME}"))
        if not drop:
            conn.execute(sa.text(f"CREATE DATABASE {DB_NAME}"))
    admin.dispose()
    return f"{server}/{DB_NAME}"


FLOOR_SQL = """
WITH f AS (
  SELECT i.station_id AS sid, f.item_code AS code,
         SUM(f.deduction * CASE i.level WHEN 'community_daily' THEN 0.5 WHEN 'county_monthly' THEN 1.5 ELSE 1 END) AS d
  FROM findings f JOIN inspections i ON i.id = f.inspection_id
  WHERE i.inspected_on BETWEEN :a AND :b AND f.created_at <= :cut GROUP BY 1, 2),
r AS (
  SELECT station_id AS sid, COUNT(*) AS n,
         SUM(CASE WHEN accepted_at <= response_due_at THEN 1 ELSE 0 END) AS resp_ok,
         SUM(CASE WHEN completed_at <= completion_due_at THEN 1 ELSE 0 END) AS done_ok,
         AVG(rating) AS rating, SUM(reopen_count) AS reopened
  FROM repair_requests WHERE submitted_at >= :a AND submitted_at < :b1 GROUP BY 1),
l AS (
  SELECT station_id AS sid, COUNT(DISTINCT (team_id, log_on)) AS logged FROM work_logs
  WHERE log_on BETWEEN :a AND :b AND created_at < log_on + 3 GROUP BY 1),
o AS (
  SELECT o.station_id AS sid, COUNT(*) AS overdue FROM rectification_orders o
  WHERE o.created_at < :b1 AND COALESCE(o.reported_at, :cut) > o.due_on + 1 GROUP BY 1),
s AS (
  SELECT sc.station_id AS sid, COUNT(DISTINCT r.id) AS responses, SUM(a.value - 1) AS points
  FROM surveys v JOIN survey_responses r ON r.survey_id = v.id JOIN survey_answers a ON a.response_id = r.id
  JOIN station_compounds sc ON sc.compound_id = v.compound_id WHERE v.month = :m GROUP BY 1)
SELECT st.id, f.code, f.d, r.n, r.resp_ok, r.done_ok, r.rating, r.reopened, l.logged, o.overdue, s.responses, s.points
FROM stations st LEFT JOIN f ON f.sid = st.id LEFT JOIN r ON r.sid = st.id LEFT JOIN l ON l.sid = st.id
LEFT JOIN o ON o.sid = st.id LEFT JOIN s ON s.sid = st.id
"""


def _floor(db, sa) -> tuple[float, int]:
    """One hand-written SQL statement reading the same records per station (weighted findings per item, repair
    on-time counts, ratings and reopens, logged team-days, overdue orders by their last deadline, survey points):
    the floor of what any computation must read. PostgreSQL only."""
    t0 = time.perf_counter()
    rows = db.session.execute(sa.text(FLOOR_SQL), {
        "a": date(*MONTH, 1), "b": date(*MONTH, 31), "b1": date(MONTH[0], MONTH[1] + 1, 1),
        "cut": datetime(MONTH[0], MONTH[1] + 1, 1, 18, tzinfo=UTC) - timedelta(days=1), "m": "%d-%02d" % MONTH}).all()
    return time.perf_counter() - t0, len(rows)


def _timed(db, sa, compute, period, runs: int, label: str) -> tuple[list[float], list[float], list[int]]:
    timings, cpu, statements = [], [], []
    for run in range(runs):
        count = [0]
        slow: list[tuple[float, str]] = []

        def on(conn, _cursor, statement, *_a):
            count[0] += 1
            conn.info["bench_t0"] = time.perf_counter()

        def off(conn, _cursor, statement, *_a):
            slow.append((time.perf_counter() - conn.info["bench_t0"], " ".join(statement.split())[:90]))

        sa.event.listen(db.engine, "before_cursor_execute", on)
        sa.event.listen(db.engine, "after_cursor_execute", off)
        t0, c0 = time.perf_counter(), time.process_time()
        results = compute.compute_month(period, now=datetime(2026, 4, 2, tzinfo=UTC))
        db.session.commit()
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        sa.event.remove(db.engine, "before_cursor_execute", on)
        sa.event.remove(db.engine, "after_cursor_execute", off)
        statements.append(count[0])
        print(f"{label} run {run + 1}: {len(results)} units in {timings[-1]:.2f} s ({cpu[-1]:.2f} s CPU), "
              f"{count[0]} SQL statements taking {sum(t for t, _s in slow):.2f} s; slowest: "
              + "; ".join(f"{t:.2f} s {s[:60]}" for t, s in sorted(slow, reverse=True)[:4]))
    return timings, cpu, statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=100)
    parser.add_argument("--stations", type=int, default=20, help="stations per street")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    server = os.environ.get("PM_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    url = os.environ.get("DATABASE_URL") or _scratch_pg(server, drop=False)
    os.environ["DATABASE_URL"] = url

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from pm import create_app
    from pm.extensions import db
    from pm.services.assessments import compute
    from pm.services.periods import Month

    app = create_app(os.environ.get("PM_CONFIG", "development"), SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="heads")
        t0 = time.perf_counter()
        county_id = build(args.streets, args.stations)
        small_id = build(1, 24, username="bench-admin-small")
        print(f"built both counties in {time.perf_counter() - t0:.0f} s; load average "
              + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        period = compute.period_for(county_id, Month(*MONTH))
        small = compute.period_for(small_id, Month(*MONTH))
        db.session.commit()
        _timed(db, sa, compute, small, 1, "25 units (warm-up)")
        small_t, _c, small_n = _timed(db, sa, compute, small, 2, "25 units")
        _timed(db, sa, compute, period, 1, "full county, first run (loads the schemes)")
        timings, cpu, statements = _timed(db, sa, compute, period, args.runs, "full county")
        floor = [_floor(db, sa) for _ in range(3)] if db.engine.dialect.name == "postgresql" else [(float("nan"), 0)]
        aggregate = min(f[0] for f in floor)
        print(f"compute median {statistics.median(timings):.2f} s wall, {statistics.median(cpu):.2f} s CPU, "
              f"statements {statements[-1]} (25 units: {small_n[-1]} statements, "
              f"{statistics.median(small_t):.2f} s); hand-written aggregate of the same records "
              f"{aggregate * 1000:.0f} ms ({floor[0][1]} rows), ratio {statistics.median(timings) / aggregate:.0f}x; "
              "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        same = statements[-1] == small_n[-1]
        verdict = "met" if statistics.median(timings) <= 20 and same else "NOT met"
        print(f"target (<= 20 s, statements independent of units): {verdict}")
        db.session.remove()
        db.engine.dispose()
    if not args.keep and url.endswith(DB_NAME):
        _scratch_pg(server, drop=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
