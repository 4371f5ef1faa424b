"""Benchmark: a station's repair queue (page and API) on the city-size data set with ~1,000,000 repair requests.

Against DATABASE_URL (PostgreSQL: the requests are written with COPY). Applies the migrations, builds the
city-size registry if the database is empty (as bench/city_seed.py does), tops repair_requests up to
--requests rows, ANALYZEs, then times the demo station staff member's queue page (/repairs/) and API
(/api/v1/repairs) through the Flask test client (the whole Flask/SQLAlchemy/Jinja stack, no network), and
counts the SQL statements per request at two page sizes. Usage: see bench/README.md.
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

# Status mix of a city's history: most requests closed long ago, a few percent still open.
STATUS_MIX = (
    ("closed", 880), ("rejected", 30), ("completed", 20), ("submitted", 20), ("accepted", 15),
    ("dispatched", 20), ("in_progress", 15),
)
CATEGORIES = ("water_supply", "drainage", "power", "lighting", "road", "elevator", "door_access", "leak",
              "greening", "garbage", "illegal_building", "parking", "other")
COLUMNS = ("id", "compound_id", "station_id", "household_id", "building_id", "unit_id", "category", "urgency",
           "description", "status", "filer_phone", "submitted_at", "accepted_at", "dispatched_at", "started_at",
           "completed_at", "closed_at", "rejected_at", "reject_reason", "response_due_at", "onsite_due_at",
           "completion_due_at", "is_deadline_unknown", "is_time_agreed", "rating", "reopen_count",
           "escalation_level", "needs_fund", "assignee_id", "updated_at")


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def generate(total: int, seed: int) -> int:
    """COPY repair requests until the table holds `total` rows; returns how many were written."""
    from sqlalchemy import func, select, text

    from pm.extensions import db
    from pm.models import Household, RepairRequest, Role, User, station_compounds
    from pm.timeutil import utcnow

    have = db.session.scalar(select(func.count()).select_from(RepairRequest))
    missing = total - have
    if missing <= 0:
        return 0
    rng = random.Random(seed)
    station_of = {}
    for station_id, compound_id in db.session.execute(select(station_compounds.c.station_id,
                                                             station_compounds.c.compound_id)):
        station_of.setdefault(compound_id, station_id)
    homes: dict[int, list[tuple[int, int, int]]] = {}
    for hid, cid, bid, uid in db.session.execute(select(Household.id, Household.compound_id, Household.building_id,
                                                        Household.unit_id)):
        homes.setdefault(cid, []).append((hid, bid, uid))
    compounds = sorted(homes)
    staff_of = dict(db.session.execute(select(User.station_id, func.min(User.id)).where(
        User.role == Role.STATION_STAFF).group_by(User.station_id)).all())
    statuses = [s for s, w in STATUS_MIX for _ in range(w)]
    next_id = (db.session.scalar(select(func.max(RepairRequest.id))) or 0) + 1
    now = utcnow()
    span = int(timedelta(days=730).total_seconds())
    raw = db.session.connection().connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in COLUMNS)
    written = 0
    started = time.perf_counter()
    with raw.cursor() as cursor, cursor.copy(f'COPY repair_requests ({quoted}) FROM STDIN') as copy:
        for i in range(missing):
            cid = rng.choice(compounds)
            hid, bid, uid = rng.choice(homes[cid])
            status = rng.choice(statuses)
            is_open = status in ("submitted", "accepted", "dispatched", "in_progress")
            # open requests are recent; closed ones spread over two years
            age = rng.randrange(0, 6 * 86400) if is_open else rng.randrange(86400, span)
            submitted = now - timedelta(seconds=age)
            urgency = "emergency" if rng.random() < 0.02 else ("urgent" if rng.random() < 0.1 else "normal")
            household = rng.random() < 0.6
            sid = station_of.get(cid)
            done = status in ("completed", "closed")
            row = {
                "id": next_id + i, "compound_id": cid, "station_id": sid,
                "household_id": hid if household else None, "building_id": bid, "unit_id": uid if household else None,
                "category": rng.choice(CATEGORIES), "urgency": urgency, "description": f"报修内容 {next_id + i}",
                "status": status, "filer_phone": f"139{rng.randrange(10**8):08d}", "submitted_at": submitted,
                "accepted_at": submitted + timedelta(hours=2) if status not in ("submitted", "rejected") else None,
                "dispatched_at": submitted + timedelta(hours=3) if status in ("dispatched", "in_progress") or done else None,
                "started_at": submitted + timedelta(hours=5) if status == "in_progress" or done else None,
                "completed_at": submitted + timedelta(hours=rng.randrange(6, 80)) if done else None,
                "closed_at": submitted + timedelta(days=4) if status == "closed" else None,
                "rejected_at": submitted + timedelta(hours=1) if status == "rejected" else None,
                "reject_reason": "不属于物业维修范围" if status == "rejected" else None,
                "response_due_at": submitted + timedelta(hours=24),
                "onsite_due_at": submitted + timedelta(hours=1) if urgency == "emergency" else None,
                # bench data: 2 working days approximated as 2 calendar days (the service computes the real ones)
                "completion_due_at": submitted + timedelta(days=2),
                "is_deadline_unknown": False, "is_time_agreed": False,
                "rating": rng.randint(3, 5) if status == "closed" and rng.random() < 0.7 else None,
                "reopen_count": 1 if done and rng.random() < 0.03 else 0, "escalation_level": 0, "needs_fund": False,
                "assignee_id": staff_of.get(sid) if status in ("dispatched", "in_progress") or done else None,
                "updated_at": submitted,
            }
            copy.write_row([row[c] for c in COLUMNS])
            written += 1
            if written % 100_000 == 0:
                print(f"  {written:,} rows ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    db.session.execute(text("SELECT setval(pg_get_serial_sequence('repair_requests', 'id'), "
                            "(SELECT MAX(id) FROM repair_requests))"))
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # the freshly COPYed registry too: stale statistics pick bad plans
    db.session.commit()
    return written


class Counter:
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


def measure(app, iterations: int) -> None:
    """Time the demo staff member's queue page and API; count statements per request."""
    from sqlalchemy import func, select

    from pm.extensions import db
    from pm.models import RepairRequest, RepairStatus, User
    from pm.models.repairs import OPEN_STATUSES
    from pm.services.accounts import create_api_token
    from pm.demo import DEMO_LOGINS

    staff_login = next(d for d in DEMO_LOGINS if d.username == "staff")
    staff = db.session.scalar(select(User).where(User.username == staff_login.username))
    station_id = staff.station_id
    total = db.session.scalar(select(func.count()).select_from(RepairRequest).where(
        RepairRequest.station_id == station_id))
    open_count = db.session.scalar(select(func.count()).select_from(RepairRequest).where(
        RepairRequest.station_id == station_id, RepairRequest.status.in_(OPEN_STATUSES)))
    _token, raw = create_api_token(staff, f"bench-{time.time_ns()}")
    db.session.commit()
    all_rows = db.session.scalar(select(func.count()).select_from(RepairRequest))
    print(f"repair_requests: {all_rows:,}; station {station_id}: {total:,} requests, {open_count:,} open")
    del RepairStatus
    # The busiest station of the city, seen by the county administrator (the widest scope).
    big_station, big_total = db.session.execute(
        select(RepairRequest.station_id, func.count()).where(RepairRequest.station_id.is_not(None))
        .group_by(RepairRequest.station_id)
        .order_by(func.count().desc()).limit(1)).one()
    county_login = next(d for d in DEMO_LOGINS if d.username == "county")
    county_user = db.session.scalar(select(User).where(User.username == county_login.username))
    _token, county_raw = create_api_token(county_user, f"bench-{time.time_ns()}")
    db.session.commit()
    print(f"busiest station {big_station}: {big_total:,} requests")

    web = app.test_client()
    resp = web.post("/auth/login", data={"username": staff_login.username, "password": staff_login.password})
    assert resp.status_code == 302, resp.status_code
    api = app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}

    cases = [
        ("page  /repairs/ (open, 30/page)", web, "/repairs/", {}),
        ("page  /repairs/?status=all (30/page)", web, "/repairs/?status=all", {}),
        ("page  /repairs/?status=all&page=20", web, "/repairs/?status=all&page=20", {}),
        ("API   /api/v1/repairs (open, 50/page)", api, "/api/v1/repairs", headers),
        ("API   /api/v1/repairs?status=all&per_page=50", api, "/api/v1/repairs?status=all&per_page=50", headers),
        ("API   /api/v1/repairs?status=all&q=报修", api, "/api/v1/repairs?status=all&q=%E6%8A%A5%E4%BF%AE", headers),
        ("API   county admin, busiest station, all", api,
         f"/api/v1/repairs?status=all&per_page=50&station_id={big_station}", {"Authorization": f"Bearer {county_raw}"}),
        ("API   county admin, busiest station, open", api,
         f"/api/v1/repairs?per_page=50&station_id={big_station}", {"Authorization": f"Bearer {county_raw}"}),
    ]
    print(f"{'request':<46} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, client, url, hdrs in cases:
        for _ in range(3):  # warm-up
            assert client.get(url, headers=hdrs).status_code == 200
        times = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            resp = client.get(url, headers=hdrs)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200
        with Counter(db.engine) as c:
            client.get(url, headers=hdrs)
        print(f"{name:<46} {statistics.median(times):8.1f} {_percentile(times, 95):8.1f} {c.count:8d}")

    print("statements per request by page size (must not grow):")
    for label, client, template, hdrs in (
        ("page", web, "/repairs/?status=all&per_page={n}", {}),
        ("API ", api, "/api/v1/repairs?status=all&per_page={n}", headers),
    ):
        counts = []
        for n in (5, 10, 50, 100):
            client.get(template.format(n=n), headers=hdrs)  # warm-up: a token's throttled last_used_at write
            with Counter(db.engine) as c:
                assert client.get(template.format(n=n), headers=hdrs).status_code == 200
            counts.append((n, c.count))
        print(f"  {label}: " + ", ".join(f"{n}/page → {k}" for n, k in counts))


def main(argv: list[str] | None = None) -> int:
    """Build (if needed), top up, measure; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000, help="repair requests in total (default 1,000,000)")
    parser.add_argument("--compounds", type=int, default=2000, help="compounds if the registry is built (default 2000)")
    parser.add_argument("--iterations", type=int, default=200, help="timed requests per case (default 200)")
    parser.add_argument("--seed", type=int, default=4, help="random seed of the generated requests")
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from pm import create_app
    from pm.extensions import db
    from pm import demo

    app = create_app(os.environ.get("PM_CONFIG", "development"), WTF_CSRF_ENABLED=False, SQLALCHEMY_ECHO=False)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            print("the repair benchmark needs PostgreSQL (COPY); set DATABASE_URL", file=sys.stderr)
            return 1
        upgrade(revision="heads")
        if not demo.has_county():
            t0 = time.perf_counter()
            demo.build_data_set(demo.city_spec(args.compounds))
            db.session.commit()
            print(f"city registry built in {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        written = generate(args.requests, args.seed)
        if written:
            print(f"{written:,} repair requests written with COPY in {time.perf_counter() - t0:.0f} s")
        measure(app, args.iterations)
    return 0


if __name__ == "__main__":
    sys.exit(main())
