"""Where a home page's Python time goes: cProfile of `--iterations` requests of one role's /dashboard (after a
warm-up), sorted by own time, plus the page's statements with their CPU (this thread's: on SQLite the query itself) and wall time. Against DATABASE_URL
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
    timings: list[tuple[float, float, str]] = []
    runs: list[list] = []
    started: dict = {}

    def before(conn, cursor, statement, params, context, executemany):
        started[id(cursor)] = (time.thread_time(), time.perf_counter())

    def after(conn, cursor, statement, params, context, executemany):
        cpu, wall = started.pop(id(cursor))
        timings.append(((time.thread_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000, statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for _i in range(5):
        timings.clear()
        client.get("/dashboard")
        runs.append(list(timings))
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    # Per statement, the median of 5 pages: CPU of this thread (SQLite: the query itself) and wall time.
    per = [(sorted(r[i][0] for r in runs)[2], sorted(r[i][1] for r in runs)[2], runs[0][i][2])
           for i in range(len(runs[0]))]
    print(f"{len(per)} statements, CPU {sum(p[0] for p in per):.1f} ms, wall {sum(p[1] for p in per):.1f} ms"
          " (medians of 5 pages):")
    for cpu_ms, wall_ms, sql in sorted(per, reverse=True)[:12]:
        print(f"  CPU {cpu_ms:6.1f} ms  wall {wall_ms:6.1f} ms  {' '.join(sql.split())[:120]}")
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
