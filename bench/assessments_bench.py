"""月度考核 benchmark (not a test): computing one month for a county of S streets × N stations.

Builds, in an empty scratch database, one county with `--streets` street offices, each with one community and
`--stations` stations (one compound each), the four teams of every station with a work log for most days of the
month (2 % missing, 1 % entered too late), four street inspections per station with one or two findings, a county
spot check per street, and one bonus event per street. Then times ``compute.compute_month`` (as the monthly job
runs it) and counts its SQL statements, and compares it with one hand-written SQL aggregate of the same weighted
finding deductions (the floor of what any computation must read).

Usage:
    .venv/bin/python bench/assessments_bench.py [--streets 100] [--stations 20] [--runs 3] [--keep]
PostgreSQL database pm_bench_assess on PM_BENCH_PG (default postgresql+psycopg://postgres@127.0.0.1:5432);
DATABASE_URL=sqlite:////tmp/x.sqlite3 runs it on SQLite instead.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DB_NAME = "pm_bench_assess"
MONTH = (2026, 3)


def _scratch_pg(server: str, *, drop: bool) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {DB_NAME}"))
        if not drop:
            conn.execute(sa.text(f"CREATE DATABASE {DB_NAME}"))
    admin.dispose()
    return f"{server}/{DB_NAME}"


def build(streets: int, per_street: int, seed: int = 11):
    """The county and a month of records; returns the county id."""
    from sqlalchemy import insert, select

    from pm.extensions import db
    from pm.models import (
        AssessmentEvent,
        AssessmentSchemeItem,
        Community,
        Compound,
        County,
        Finding,
        Inspection,
        ManagementMode,
        Role,
        Shift,
        Station,
        StreetOffice,
        Team,
        TeamKind,
        User,
        WorkLog,
        station_compounds,
    )
    from pm.services.assessments import schemes
    from pm.services.periods import Month

    rng = random.Random(seed)
    month = Month(*MONTH)
    county = County(name="考核基准县")
    db.session.add(county)
    db.session.flush()
    schemes.ensure_defaults(county.id)
    user = User(username="bench-admin", display_name="bench", role=Role.COUNTY_ADMIN, county_id=county.id,
                password_hash="x", session_token="bench-admin-token")
    db.session.add(user)
    db.session.flush()
    street_ids = list(db.session.scalars(insert(StreetOffice).returning(StreetOffice.id), [
        {"county_id": county.id, "name": f"街道{i}"} for i in range(streets)]))
    community_ids = list(db.session.scalars(insert(Community).returning(Community.id), [
        {"street_id": s, "name": f"社区{i}"} for i, s in enumerate(street_ids)]))
    comm_of = dict(zip(community_ids, street_ids))
    compound_rows = [{"community_id": c, "name": f"小区{c}-{j}", "management_mode": ManagementMode.QUASI,
                      "year_built": 1995} for c in community_ids for j in range(per_street)]
    compound_ids = list(db.session.scalars(insert(Compound).returning(Compound.id, sort_by_parameter_order=True),
                                           compound_rows))
    station_rows = [{"community_id": r["community_id"], "name": f"服务站{k}"} for k, r in enumerate(compound_rows)]
    station_ids = list(db.session.scalars(insert(Station).returning(Station.id, sort_by_parameter_order=True),
                                          station_rows))
    db.session.execute(insert(station_compounds), [{"station_id": s, "compound_id": c}
                                                   for s, c in zip(station_ids, compound_ids)])
    team_rows = [{"station_id": s, "kind": k, "name": k.value} for s in station_ids for k in TeamKind]
    teams = list(db.session.execute(insert(Team).returning(Team.id, Team.station_id), team_rows))
    logs = []
    for team_id, station_id in teams:
        for day in month.days():
            r = rng.random()
            if r < 0.02:
                continue
            late = timedelta(days=5) if r < 0.03 else timedelta(hours=10)
            logs.append({"station_id": station_id, "team_id": team_id, "log_on": day, "shift": Shift.FULL_DAY,
                         "content": "日常", "author_id": user.id,
                         "created_at": datetime(day.year, day.month, day.day, tzinfo=UTC) + late})
    for i in range(0, len(logs), 20_000):
        db.session.execute(insert(WorkLog), logs[i:i + 20_000])
    street_of_station = {s: comm_of[r["community_id"]] for s, r in zip(station_ids, station_rows)}
    inspections = []
    for s, r in zip(station_ids, station_rows):
        for week in range(4):
            inspections.append({"level": "street_weekly", "target_kind": "station", "target_name": "站",
                                "inspected_on": month.first_day + timedelta(days=3 + 7 * week),
                                "created_by_id": user.id, "street_id": street_of_station[s],
                                "community_id": r["community_id"], "station_id": s,
                                "created_at": datetime(*MONTH, 10, tzinfo=UTC)})
    for s in street_ids:
        inspections.append({"level": "county_monthly", "target_kind": "street", "target_name": "街道",
                            "inspected_on": month.first_day + timedelta(days=15), "created_by_id": user.id,
                            "street_id": s, "community_id": None, "station_id": None,
                            "created_at": datetime(*MONTH, 16, tzinfo=UTC)})
    ids = list(db.session.scalars(insert(Inspection).returning(Inspection.id), inspections))
    codes = ("environment", "order", "facilities", "greening", "parking")
    findings = [{"inspection_id": i, "item_code": rng.choice(codes), "deduction": rng.choice(["0.5", "1", "2"]),
                 "note": "问题", "created_at": datetime(*MONTH, 20, tzinfo=UTC)}
                for i in ids for _ in range(rng.randint(1, 2))]
    db.session.execute(insert(Finding), findings)
    bonus = db.session.scalar(select(AssessmentSchemeItem.id).where(
        AssessmentSchemeItem.code == "bonus").limit(1))
    db.session.execute(insert(AssessmentEvent), [
        {"county_id": county.id, "item_id": bonus, "unit_kind": "station", "unit_id": station_ids[k * per_street],
         "street_id": s, "community_id": community_ids[k], "station_id": station_ids[k * per_street],
         "happened_on": date(*MONTH, 12), "points": 1, "note": "锦旗", "recorded_by_id": user.id,
         "created_at": datetime(*MONTH, 12, tzinfo=UTC)} for k, s in enumerate(street_ids)])
    db.session.commit()
    print(f"built {len(station_ids)} stations, {len(logs)} logs, {len(ids)} inspections, {len(findings)} findings")
    return county.id


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
        county_id = build(args.streets, args.stations)
        period = compute.period_for(county_id, Month(*MONTH))
        db.session.commit()
        timings, statements = [], []
        for run in range(args.runs):
            count = [0]

            def on(*_a, **_k):
                count[0] += 1

            sa.event.listen(db.engine, "before_cursor_execute", on)
            t0 = time.perf_counter()
            results = compute.compute_month(period, now=datetime(2026, 4, 2, tzinfo=UTC))
            db.session.commit()
            timings.append(time.perf_counter() - t0)
            sa.event.remove(db.engine, "before_cursor_execute", on)
            statements.append(count[0])
            print(f"run {run + 1}: {len(results)} units in {timings[-1]:.2f} s, {count[0]} SQL statements")
        t0 = time.perf_counter()
        rows = db.session.execute(sa.text(
            "SELECT i.station_id, f.item_code, SUM(f.deduction * CASE i.level WHEN 'community_daily' THEN 0.5 "
            "WHEN 'county_monthly' THEN 1.5 ELSE 1 END) FROM findings f JOIN inspections i ON i.id = f.inspection_id "
            "WHERE i.inspected_on BETWEEN :a AND :b GROUP BY i.station_id, f.item_code"),
            {"a": date(*MONTH, 1), "b": date(*MONTH, 31)}).all()
        aggregate = time.perf_counter() - t0
        print(f"compute median {statistics.median(timings):.2f} s, statements {statistics.median(statements)}; "
              f"hand-written deduction aggregate {aggregate * 1000:.0f} ms ({len(rows)} rows), "
              f"ratio {statistics.median(timings) / aggregate:.0f}x")
        db.session.remove()
        db.engine.dispose()
    if not args.keep and url.endswith(DB_NAME):
        _scratch_pg(server, drop=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
