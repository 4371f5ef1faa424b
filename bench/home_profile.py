"""Where a home page's Python time goes: cProfile of `--iterations` requests of one role's /dashboard (after a
warm-up), sorted by own time, plus the page's statements with their time on the client side. Against DATABASE_URL
(or SQLite under PM_INSTANCE_DIR) with the data set of bench/home_pages.py. Usage:
    PM_INSTANCE_DIR=/tmp/pm-bench .venv/bin/python bench/home_profile.py county [--iterations 10] [--top 25]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)

    from sqlalchemy import event

    from pm import create_app
    from pm.demo.logins import DEMO_LOGINS
    from pm.extensions import db

    app = create_app(os.environ.get("PM_CONFIG", "development"), WTF_CSRF_ENABLED=False, SQLALCHEMY_ECHO=False)
    with app.app_context():
        engine = db.engine
    passwords = {d.username: d.password for d in DEMO_LOGINS}
    client = app.test_client()
    client.post("/auth/login", data={"username": args.role, "password": passwords[args.role]})
    for _i in range(3):
        assert client.get("/dashboard").status_code == 200
    timings: list[tuple[float, str]] = []
    started: dict = {}

    def before(conn, cursor, statement, params, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, params, context, executemany):
        timings.append(((time.perf_counter() - started.pop(id(cursor), time.perf_counter())) * 1000, statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    client.get("/dashboard")
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    print(f"{len(timings)} statements, {sum(t for t, _s in timings):.1f} ms on the client side:")
    for ms, sql in sorted(timings, reverse=True)[:12]:
        print(f"  {ms:7.1f} ms  {' '.join(sql.split())[:150]}")
    profile = cProfile.Profile()
    cpu = time.thread_time()
    profile.enable()
    for _i in range(args.iterations):
        client.get("/dashboard")
    profile.disable()
    print(f"CPU per page: {(time.thread_time() - cpu) * 1000 / args.iterations:.1f} ms (with the profiler's cost)")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
