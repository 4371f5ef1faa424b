"""考核结果 benchmark (not a test): the bulletin, ranking, unit score and trend pages and the bulletin PDF of a
published month for a county of S streets × N stations (default 100 × 20 = 2,000 stations).

Builds the county with bench/assess_data.py (a month of every record kind) unless a kept database already holds it,
computes and publishes March (the ladder is applied), then requests each page `--iterations` times as the county
administrator through the test client (login, scope, templates: the whole request) and prints wall p50/p95, the
process's CPU p50/p95 and SQL statements per page; the county bulletin and the unit score page are interleaved
with their floor (bench/assessment_results_floor.py: the same rows by hand-written SQL behind a bare route).

Usage (one command; PostgreSQL database pm_bench_assess on PM_BENCH_PG, default
postgresql+psycopg://postgres@127.0.0.1:5432):
    .venv/bin/python bench/assessment_results_bench.py [--streets 100] [--stations 20] [--iterations 40] [--keep]
With --keep the database is kept and reused (also one left by bench/assessments_bench.py --keep).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import assessments_bench as base  # noqa: E402
from assessment_results_floor import add_floor_routes  # noqa: E402

PASSWORD = "bench-password-2026"


def _p(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _counter(box: list[int]):
    def on(*_a, **_k):
        box[0] += 1

    return on


def _database(server: str, *, reuse: bool) -> str:
    """The scratch database: a fresh one, or (reuse) the one a --keep run left, created when missing."""
    import sqlalchemy as sa

    if reuse:
        admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": base.DB_NAME}).first()
            if not exists:
                conn.execute(sa.text(f"CREATE DATABASE {base.DB_NAME}"))
        admin.dispose()
        return f"{server}/{base.DB_NAME}"
    return base._scratch_pg(server, drop=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=100)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (and reuse it next time)")
    args = parser.parse_args(argv)
    server = os.environ.get("PM_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    url = os.environ.get("DATABASE_URL") or _database(server, reuse=args.keep)
    os.environ["DATABASE_URL"] = url

    import sqlalchemy as sa
    from flask_migrate import upgrade
    from sqlalchemy import select

    from pm import create_app
    from pm.extensions import db
    from pm.models import AssessmentScore, PeriodStatus, UnitKind, User
    from pm.services.accounts.hashing import hash_password
    from pm.services.assessments import compute, periods
    from pm.services.periods import Month

    app = create_app(os.environ.get("PM_CONFIG", "development"), SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade(revision="heads")
        admin = db.session.scalar(select(User).where(User.username == "bench-admin"))
        if admin is None:  # a fresh database (one a --keep run of either bench left is reused as it is)
            base.build(args.streets, args.stations)
            admin = db.session.scalar(select(User).where(User.username == "bench-admin"))
        if admin.password_hash == "x":
            admin.password_hash = hash_password(PASSWORD)
        period = compute.period_for(admin.county_id, Month(*base.MONTH))
        if period.status not in (PeriodStatus.PUBLISHED, PeriodStatus.LOCKED):
            if period.status == PeriodStatus.OPEN:
                compute.compute_month(period, now=datetime(2026, 4, 2, tzinfo=UTC))
            periods.start_review(period, admin, now=datetime(2026, 4, 2, 1, tzinfo=UTC))
            periods.close_review(period, admin, now=datetime(2026, 4, 25, tzinfo=UTC))
            periods.publish(period, admin, now=datetime(2026, 4, 25, tzinfo=UTC))
        db.session.commit()
        period = compute.period_for(admin.county_id, Month(*base.MONTH))
        score = db.session.scalar(select(AssessmentScore).where(
            AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == UnitKind.STATION)
            .order_by(AssessmentScore.rank.desc()).limit(1))
        street_id, score_id, station_id, pid = score.street_id, score.id, score.unit_id, period.id
        engine = db.engine
    add_floor_routes(app)
    client = app.test_client()
    assert client.post("/auth/login", data={"username": "bench-admin", "password": PASSWORD}).status_code == 302
    pages = {
        "bulletin (county)": f"/assessments/periods/{pid}/bulletin",
        "bulletin (street)": f"/assessments/periods/{pid}/bulletin?street_id={street_id}",
        "ranking (stations, page 1)": f"/assessments/periods/{pid}/ranking?kind=station",
        "unit score page": f"/assessments/scores/{score_id}",
        "unit trend": f"/assessments/trend?kind=station&id={station_id}",
        "home (county)": "/dashboard",
    }
    floors = {"bulletin (county)": f"/_bench/floor/bulletin/{pid}", "unit score page": f"/_bench/floor/score/{score_id}"}
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| page | SQL | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms | floor SQL | floor p50 ms | floor p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = {}
    for name, path in pages.items():
        floor = floors.get(name)
        for _i in range(3):
            assert client.get(path).status_code == 200, path
            if floor:
                assert client.get(floor).status_code == 200, floor
        times, cpu, floor_times = [], [], []
        count, floor_count = [0], [0]
        for i in range(args.iterations):
            if i == 0:
                on = _counter(count)
                sa.event.listen(engine, "before_cursor_execute", on)
            t0, c0 = time.perf_counter(), time.process_time()
            assert client.get(path).status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            if i == 0:
                sa.event.remove(engine, "before_cursor_execute", on)
            if floor:  # interleaved: the page and its floor see the same load
                if i == 0:
                    on = _counter(floor_count)
                    sa.event.listen(engine, "before_cursor_execute", on)
                t0 = time.perf_counter()
                assert client.get(floor).status_code == 200
                floor_times.append((time.perf_counter() - t0) * 1000)
                if i == 0:
                    sa.event.remove(engine, "before_cursor_execute", on)
        worst[name] = _p(times, 95)
        floor_text = (f"{floor_count[0]} | {statistics.median(floor_times):.1f} | {_p(floor_times, 95):.1f}"
                      if floor else "– | – | –")
        print(f"| {name} | {count[0]} | {statistics.median(times):.1f} | {_p(times, 95):.1f} | "
              f"{statistics.median(cpu):.1f} | {_p(cpu, 95):.1f} | {floor_text} |")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name, path in (("county bulletin PDF", f"/assessments/periods/{pid}/bulletin.pdf"),
                       ("county bulletin xlsx", f"/assessments/periods/{pid}/bulletin.xlsx")):
        t0, c0 = time.perf_counter(), time.process_time()
        resp = client.get(path)
        print(f"{name}: {(time.perf_counter() - t0):.2f} s ({time.process_time() - c0:.2f} s CPU), "
              f"{len(resp.data):,} bytes")
    for name in ("bulletin (county)", "unit score page"):
        print(f"{name} p95 {worst[name]:.1f} ms (target <= 100 ms): {'met' if worst[name] <= 100 else 'NOT met'}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if not args.keep and url.endswith(base.DB_NAME):
        base._scratch_pg(server, drop=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
