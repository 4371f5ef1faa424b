"""Benchmark: every role's home page (/dashboard) on the city-size data set, against a hand-written SQL floor.

Against DATABASE_URL (SQLite under PM_INSTANCE_DIR by default). Applies the migrations, builds the city-size
registry if the database is empty (as bench/city_seed.py does), then, once, adds a city's worth of work: four
teams per station with 30 days of work logs (gaps included), --requests repair requests over a year (a few
percent open, some overdue, some filed today, the demo staff member's jobs), rectification orders, inspections,
a fund sub-account with a first deposit for every household (5% unpaid, 5% partly paid; the cached 首期已交 set as
the ledger sets it) and plans in publicity and voting. It then times, through the Flask test client (the whole
Flask/SQLAlchemy/Jinja stack, one process, no network), each demo login's home page, and beside it the same figures computed by hand-written SQL behind a
bare Flask route (no login, no ORM, no template): the floor. Prints p50/p95 in ms, the p95 of the CPU time the
page's thread used (on SQLite that includes the queries; it does not grow with the machine's load as wall time
does) and SQL statements per page.
Usage: see bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.home_floor import FLOOR_SQL, floor_params  # noqa: E402

ROLES = ("manager", "staff", "community", "street", "county", "committee", "owner", "resident")
STATUS_MIX = (("closed", 880), ("rejected", 30), ("completed", 20), ("submitted", 20), ("accepted", 15),
              ("dispatched", 20), ("in_progress", 15))


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def _chunks(rows, size=20_000):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def generate(requests: int, seed: int) -> None:
    """Add the work of a city (skipped when teams exist already)."""
    from sqlalchemy import func, insert, select, text

    from pm.extensions import db
    from pm.models import (
        Compound,
        Household,
        Inspection,
        RectificationOrder,
        RepairRequest,
        Station,
        Team,
        User,
        UsePlan,
        WorkLog,
        station_compounds,
    )
    from pm.timeutil import local_today, utcnow

    if db.session.scalar(select(func.count()).select_from(Team)):
        return
    rng = random.Random(seed)
    now, today = utcnow(), local_today()
    started = time.perf_counter()
    stations = db.session.execute(select(Station.id, Station.community_id)).all()
    kinds = (("cleaning", "保洁队"), ("security", "保安队"), ("maintenance", "运维队"), ("order", "治安队"))
    db.session.execute(insert(Team), [{"station_id": s, "kind": k, "name": n} for s, _c in stations for k, n in kinds])
    teams = db.session.execute(select(Team.id, Team.station_id)).all()
    author = db.session.scalar(select(User.id).where(User.username == "manager"))
    logs = []
    for team_id, station_id in teams:
        for back in range(30):
            if rng.random() < (0.35 if back == 0 else 0.1):  # today's log is often still missing
                continue
            logs.append({"station_id": station_id, "team_id": team_id, "log_on": today - timedelta(days=back),
                         "shift": "full_day", "content": "日常工作", "author_id": author})
    for chunk in _chunks(logs):
        db.session.execute(insert(WorkLog), chunk)
    print(f"  teams {len(teams):,}, work logs {len(logs):,}", file=sys.stderr)

    station_of: dict[int, int] = {}
    for station_id, compound_id in db.session.execute(select(station_compounds.c.station_id,
                                                             station_compounds.c.compound_id)):
        station_of.setdefault(compound_id, station_id)
    place = {cid: (comm, street) for cid, comm, street in db.session.execute(text(
        "SELECT c.id, c.community_id, m.street_id FROM compounds c JOIN communities m ON m.id = c.community_id"))}
    homes: dict[int, list[tuple[int, int, int]]] = {}
    for hid, cid, bid, uid in db.session.execute(select(Household.id, Household.compound_id, Household.building_id,
                                                        Household.unit_id)):
        if cid in station_of:
            homes.setdefault(cid, []).append((hid, bid, uid))
    served = sorted(homes)
    staff = db.session.execute(select(User.id, User.station_id).where(User.username == "staff")).one()
    statuses = [s for s, w in STATUS_MIX for _i in range(w)]
    span = 365 * 86400
    rows = []
    for i in range(requests):
        cid = rng.choice(served)
        hid, bid, uid = rng.choice(homes[cid])
        status = rng.choice(statuses)
        is_open = status in ("submitted", "accepted", "dispatched", "in_progress")
        submitted = now - timedelta(seconds=rng.randrange(0, 6 * 86400) if is_open else rng.randrange(86400, span))
        sid = station_of[cid]
        mine = sid == staff.station_id and status in ("dispatched", "in_progress")
        rows.append({
            "compound_id": cid, "station_id": sid, "household_id": hid if rng.random() < 0.6 else None,
            "building_id": bid, "unit_id": uid, "category": "water_supply", "urgency": "normal",
            "description": f"报修内容 {i}", "status": status, "filer_phone": f"139{rng.randrange(10**8):08d}",
            "submitted_at": submitted, "response_due_at": submitted + timedelta(hours=24),
            "completion_due_at": submitted + timedelta(days=2), "is_deadline_unknown": False,
            "is_time_agreed": False, "reopen_count": 0, "escalation_level": 0, "needs_fund": False,
            "assignee_id": staff.id if mine else None, "updated_at": submitted,
            "completed_at": submitted + timedelta(hours=30) if status in ("completed", "closed") else None,
            "confirmed_at": submitted + timedelta(hours=40) if status == "closed" else None,
            "rating": rng.randint(3, 5) if status == "closed" else None,
        })
    for chunk in _chunks(rows):
        db.session.execute(insert(RepairRequest), chunk)
    print(f"  repair requests {len(rows):,}", file=sys.stderr)

    compounds = db.session.scalars(select(Compound.id)).all()
    manager = author
    orders, inspections = [], []
    for i in range(len(compounds) * 10):
        cid = rng.choice(compounds)
        comm, street = place[cid]
        status = rng.choice(("closed",) * 6 + ("open", "open", "reported", "returned"))
        orders.append({"source": "inspection", "responsible_kind": "station" if cid in station_of else "community",
                       "responsible_name": "责任单位", "problem": "垃圾未清运", "measure": "当日清运",
                       "due_on": today + timedelta(days=rng.randrange(-20, 10)), "status": status,
                       "issued_by_id": manager, "street_id": street, "community_id": comm, "compound_id": cid,
                       "station_id": station_of.get(cid), "return_count": 0, "created_at": now})
    for i in range(len(compounds) * 4):
        cid = rng.choice(compounds)
        comm, street = place[cid]
        inspections.append({"level": "street_weekly", "target_kind": "compound", "target_name": "小区",
                            "inspected_on": today - timedelta(days=rng.randrange(0, 60)), "created_by_id": manager,
                            "street_id": street, "community_id": comm, "compound_id": cid, "station_id": None,
                            "created_at": now})
    for chunk in _chunks(orders):
        db.session.execute(insert(RectificationOrder), chunk)
    for chunk in _chunks(inspections):
        db.session.execute(insert(Inspection), chunk)
    print(f"  rectification orders {len(orders):,}, inspections {len(inspections):,}", file=sys.stderr)

    # A sub-account for every household: due 50 yuan/m²; 90% paid in full, 5% half, 5% nothing.
    paid = ("CASE WHEN id % 20 = 0 THEN 0 WHEN id % 20 = 1 THEN CAST(area_m2 * 2500 AS INTEGER)"
            " ELSE CAST(area_m2 * 5000 AS INTEGER) END")
    db.session.execute(text(
        "INSERT INTO fund_accounts (household_id, compound_id, holder, status, balance_fen, first_deposit_paid_fen,"
        f" first_deposit_due_fen, opened_at) SELECT id, compound_id, 'owner', 'open', {paid}, {paid},"
        " CAST(area_m2 * 5000 AS INTEGER), :now FROM households"), {"now": now})
    db.session.execute(text(
        "INSERT INTO ledger_entries (account_id, kind, amount_fen, balance_after_fen, created_at, value_on,"
        " source_type) SELECT id, 'first_deposit', balance_fen, balance_fen, :now, :day, 'manual'"
        " FROM fund_accounts WHERE balance_fen > 0"), {"now": now, "day": today - timedelta(days=400)})
    plans = [{"compound_id": cid, "title": "屋面防水", "shared_part": "屋面", "reason": "漏水", "budget_fen": 100_000,
              "status": rng.choice(("publicised", "voting", "draft", "charged")), "decision_kind": "use_fund",
              "is_emergency": False, "not_under_warranty": True, "not_utility_duty": True,
              "not_caused_damage": True, "not_contract_duty": True, "publicity_days": 7,
              "rounding_method": "largest_remainder;area_desc;account_id_asc", "created_at": now, "updated_at": now}
             for cid in rng.sample(compounds, len(compounds) // 4)]
    db.session.execute(insert(UsePlan), plans)
    # The rows above were written by SQL, not by the services that keep the per-compound counts: recount them.
    from pm.services import tallies

    tallies.recount()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("repair_requests", "teams", "work_logs", "rectification_orders", "inspections",
                      "fund_accounts", "ledger_entries", "use_plans"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT MAX(id) FROM {table}))"))
        db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)


class Counter:
    """Counts SQL statements sent while active."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _on(self, *args):
        self.count += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._on)


def measure(app, iterations: int, roles=ROLES) -> list[tuple]:
    """Per role: the home page and the floor, timed `iterations` times each (interleaved), after a warm-up."""
    from pm.demo.logins import DEMO_LOGINS
    from pm.extensions import db

    passwords = {d.username: d.password for d in DEMO_LOGINS}
    with app.app_context():
        engine = db.engine  # requests push their own contexts (a shared one would share `g`)
    out = []
    for role in roles:
        client = app.test_client()
        resp = client.post("/auth/login", data={"username": role, "password": passwords[role]})
        assert resp.status_code == 302, (role, resp.status_code)
        for _i in range(3):
            assert client.get("/dashboard").status_code == 200
            assert client.get(f"/_bench/floor/{role}").status_code == 200
        with Counter(engine) as page_sql:
            client.get("/dashboard")
        with Counter(engine) as floor_sql:
            client.get(f"/_bench/floor/{role}")
        page, floor, cpu = [], [], []
        for _i in range(iterations):
            t, c = time.perf_counter(), time.thread_time()
            client.get("/dashboard")
            page.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
            t = time.perf_counter()
            client.get(f"/_bench/floor/{role}")
            floor.append((time.perf_counter() - t) * 1000)
        print(f"  {role}: page p95 {_percentile(page, 95):.1f} ms (CPU {_percentile(cpu, 95):.1f} ms),"
              f" floor p95 {_percentile(floor, 95):.1f} ms", file=sys.stderr)
        out.append((role, page_sql.count, floor_sql.count, statistics.median(page), _percentile(page, 95),
                     _percentile(cpu, 95), statistics.median(floor), _percentile(floor, 95)))
    return out


def add_floor_route(app) -> None:
    """The floor: the same figures by hand-written SQL, behind a bare route (no login, no ORM, no template)."""
    from flask import jsonify
    from sqlalchemy import text

    from pm.extensions import db
    from pm.timeutil import utcnow

    def floor(username: str):
        params = floor_params(db.session, username, utcnow())
        values = [list(db.session.execute(text(sql), params).all()) for sql in FLOOR_SQL[username]]
        db.session.rollback()
        return jsonify([[list(r) for r in rows] for rows in values])

    app.add_url_rule("/_bench/floor/<username>", "bench_floor", floor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300_000, help="repair requests to generate (default 300,000)")
    parser.add_argument("--iterations", type=int, default=100, help="timed requests per role (default 100)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles to time (default: all)")
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from pm import create_app, demo
    from pm.extensions import db

    app = create_app(os.environ.get("PM_CONFIG", "development"), WTF_CSRF_ENABLED=False, SQLALCHEMY_ECHO=False)
    add_floor_route(app)
    with app.app_context():
        upgrade()
        if not demo.has_county():
            print("building the city-size registry ...", file=sys.stderr)
            demo.build_data_set(demo.city_spec(2000))
            db.session.commit()
        print("adding the city's work (once) ...", file=sys.stderr)
        generate(args.requests, args.seed)
        url = db.engine.url.render_as_string(hide_password=True)
        db.session.remove()
    rows = measure(app, args.iterations, tuple(args.roles.split(",")))
    print(f"database: {url}; {args.iterations} timed requests per role and route")
    print("| role      | SQL (page) | SQL (floor) | page p50 ms | page p95 ms | page CPU p95 ms | floor p50 ms |"
          " floor p95 ms |")
    print("|-----------|-----------:|------------:|------------:|------------:|----------------:|-------------:|"
          "-------------:|")
    for role, sql_page, sql_floor, p50, p95, c95, f50, f95 in rows:
        print(f"| {role:<9} | {sql_page:>10} | {sql_floor:>11} | {p50:>11.1f} | {p95:>11.1f} | {c95:>15.1f} |"
              f" {f50:>12.1f} | {f95:>12.1f} |")
    worst = max(r[4] for r in rows)
    print(f"worst page p95: {worst:.1f} ms (target <= 100 ms): {'met' if worst <= 100 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
