"""What each home page costs without the machine's load: the page's Python CPU time (thread time, median of 10)
plus the server time of each of its statements on PostgreSQL (EXPLAIN (ANALYZE, TIMING OFF): planning +
execution, best of 3). Against DATABASE_URL with the data set of bench/home_pages.py. Usage: see bench/README.md.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROLES = ("manager", "staff", "community", "street", "county", "committee", "owner", "resident")


def main() -> int:
    from sqlalchemy import event

    from pm import create_app
    from pm.demo.logins import DEMO_LOGINS
    from pm.extensions import db

    app = create_app(os.environ.get("PM_CONFIG", "development"), WTF_CSRF_ENABLED=False, SQLALCHEMY_ECHO=False)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        print("PostgreSQL only (SQLite runs in the process: bench/home_pages.py's CPU column is its cost)")
        return 1
    statements: list[tuple] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cu, s, p, _ctx, _em: statements.append((s, p)))
    passwords = {d.username: d.password for d in DEMO_LOGINS}
    print("| role      | page CPU ms | server ms | sum ms | slowest statement ms |")
    print("|-----------|------------:|----------:|-------:|---------------------:|")
    roles = sys.argv[1].split(",") if len(sys.argv) > 1 else ROLES  # e.g. county,street
    for role in roles:
        client = app.test_client()
        client.post("/auth/login", data={"username": role, "password": passwords[role]})
        for _i in range(3):
            client.get("/dashboard")
        cpu = []
        for _i in range(10):
            t = time.thread_time()
            client.get("/dashboard")
            cpu.append((time.thread_time() - t) * 1000)
        statements.clear()
        client.get("/dashboard")
        page = list(statements)
        total = slowest = 0.0
        with engine.connect() as conn:
            for sql, params in page:
                best = float("inf")
                for _i in range(3):
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql, params).scalar()
                    plan = plan if isinstance(plan, list) else json.loads(plan)
                    best = min(best, plan[0]["Planning Time"] + plan[0]["Execution Time"])
                total, slowest = total + best, max(slowest, best)
            conn.rollback()
        median = statistics.median(cpu)
        print(f"| {role:<9} | {median:>11.1f} | {total:>9.1f} | {median + total:>6.1f} | {slowest:>20.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
