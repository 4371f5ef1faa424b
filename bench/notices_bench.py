"""Benchmark: an owner's or resident's notices list (/notices/ and the API's query) with 100,000 notices in the city.

Against DATABASE_URL (SQLite under PM_INSTANCE_DIR by default). Applies the migrations, builds the city-size registry
if the database is empty (as bench/city_seed.py does), then, once, adds --notices notices spread over the city's
compounds (about 50 each over the last year: 70 % to the whole compound, 20 % to one building, 10 % to one unit) and
owner logins for --samples random owned households. It then times, through the Flask test client (the whole
Flask/SQLAlchemy/Jinja stack, one process, no network), the notices page of every sampled owner and of the demo
owner and resident, and prints p50/p95 in ms and the SQL statements per page. Usage: see bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-owner-2026"


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def generate(count: int, samples: int, seed: int) -> list[str]:
    """Add the notices and the sampled owners' logins (once); returns the sampled usernames."""
    from sqlalchemy import func, insert, select
    from werkzeug.security import generate_password_hash

    from pm.extensions import db
    from pm.models import AccountGrant, Compound, Household, Notice, Ownership, Role, Unit, User
    from pm.timeutil import local_today, utcnow

    rng = random.Random(seed)
    if not db.session.scalar(select(func.count()).select_from(Notice)):
        units = db.session.execute(select(Unit.id, Unit.building_id, Unit.compound_id)).all()
        today, now = local_today(), utcnow()
        rows = []
        for i in range(count):
            unit_id, building_id, compound_id = rng.choice(units)
            r = rng.random()
            starts = today - timedelta(days=rng.randrange(0, 365))
            rows.append({"compound_id": compound_id, "building_id": building_id if r < 0.3 else None,
                         "unit_id": unit_id if r < 0.1 else None, "kind": "notice", "title": f"通知 {i}",
                         "body": "本周六停水，请提前储水。", "starts_on": starts,
                         "ends_on": starts + timedelta(days=7), "created_at": now})
        for i in range(0, len(rows), 20_000):
            db.session.execute(insert(Notice), rows[i:i + 20_000])
        db.session.commit()
    names = list(db.session.scalars(select(User.username).where(User.username.like("bench-owner-%"))))
    if names:
        return names
    taken = select(User.person_id).where(User.person_id.is_not(None))
    people = db.session.execute(
        select(Ownership.person_id, Compound.community_id).join(Household, Household.id == Ownership.household_id)
        .join(Compound, Compound.id == Household.compound_id)
        .where(Ownership.ended_on.is_(None), Ownership.person_id.not_in(taken))
        .order_by(func.random()).limit(samples)).all()
    digest = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    for n, (person_id, community_id) in enumerate(people):
        user = User(username=f"bench-owner-{n}", display_name=f"bench {n}", password_hash=digest, role=Role.OWNER,
                    person_id=person_id, session_token=secrets.token_hex(16), claimed_at=utcnow())
        db.session.add(user)
        db.session.flush()
        # As if invited by their community's worker (the invitation grants the official's node).
        db.session.add(AccountGrant(user_id=user.id, community_id=community_id))
        names.append(user.username)
    db.session.commit()
    return names


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


def measure(app, logins: list[tuple[str, str]], iterations: int) -> tuple[list[float], list[int], list[int]]:
    from pm.extensions import db

    with app.app_context():
        engine = db.engine
    times, statements, shown = [], [], []
    for username, password in logins:
        client = app.test_client()
        resp = client.post("/auth/login", data={"username": username, "password": password})
        assert resp.status_code == 302, (username, resp.status_code)
        client.get("/notices/")  # warm-up
        with Counter(engine) as c:
            page = client.get("/notices/").get_data(as_text=True)
        statements.append(c.count)
        shown.append(page.count('href="/notices/') - page.count('href="/notices/new'))
        for _i in range(iterations):
            t = time.perf_counter()
            assert client.get("/notices/").status_code == 200
            times.append((time.perf_counter() - t) * 1000)
    return times, statements, shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=30, help="owner logins to sample (default 30)")
    parser.add_argument("--iterations", type=int, default=20, help="timed requests per login (default 20)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from pm import create_app, demo
    from pm.demo.logins import DEMO_LOGINS
    from pm.extensions import db
    from pm.models import Notice

    app = create_app(os.environ.get("PM_CONFIG", "development"), WTF_CSRF_ENABLED=False, SQLALCHEMY_ECHO=False)
    with app.app_context():
        upgrade()
        if not demo.has_county():
            print("building the city-size registry ...", file=sys.stderr)
            demo.build_data_set(demo.city_spec(2000))
            db.session.commit()
        print("adding notices and owner logins (once) ...", file=sys.stderr)
        names = generate(args.notices, args.samples, args.seed)
        total = db.session.scalar(select(func.count()).select_from(Notice))
        url = db.engine.url.render_as_string(hide_password=True)
        db.session.remove()
    demo_logins = [(d.username, d.password) for d in DEMO_LOGINS if d.username in ("owner", "resident")]
    logins = [(n, PASSWORD) for n in names] + demo_logins
    times, statements, shown = measure(app, logins, args.iterations)
    p95 = _percentile(times, 95)
    print(f"database: {url}; {total:,} notices; {len(logins)} owner/resident logins x {args.iterations} requests")
    print(f"/notices/ p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms; "
          f"SQL per page {min(statements)}–{max(statements)}; notices on the first page {min(shown)}–{max(shown)}")
    print(f"p95 target <= 50 ms: {'met' if p95 <= 50 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
