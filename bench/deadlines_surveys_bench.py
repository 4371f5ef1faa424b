"""Benchmark: a month's overdue rectification orders (overdue_during) and satisfaction scores (satisfaction) at
county scale: 100 street offices, 2,000 compounds, --orders orders with their timeline and deadline history,
one survey per compound with --responses responses of six answers each.

Against DATABASE_URL (an empty database; PostgreSQL for the numbers in bench/README.md). Applies the migrations,
writes the rows with bulk INSERTs, ANALYZEs, then times each function (best of --repeat) and counts its SQL
statements. Usage:

    createdb -h 127.0.0.1 -U postgres pm_bench_dl
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/pm_bench_dl .venv/bin/python bench/deadlines_surveys_bench.py
    dropdb -h 127.0.0.1 -U postgres pm_bench_dl
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from pm import create_app  # noqa: E402
from pm.extensions import db  # noqa: E402
from pm.models import (  # noqa: E402
    Building,
    Community,
    Compound,
    County,
    Household,
    RectificationDeadline,
    RectificationEvent,
    RectificationOrder,
    StreetOffice,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Unit,
    User,
)
from pm.services.inspections.deadlines import overdue_during, overdue_from  # noqa: E402
from pm.services.periods import Month  # noqa: E402
from pm.services.surveys import satisfaction  # noqa: E402

MONTH = Month(2026, 10)
START, END = date(2026, 10, 1), date(2026, 10, 31)
CUTOFF = datetime(2026, 11, 1, 18, tzinfo=UTC)


def at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build(orders: int, responses: int, rng: random.Random) -> None:
    s = db.session
    s.execute(insert(County), [{"id": 1, "name": "基准县"}])
    s.execute(insert(StreetOffice), [{"id": i, "county_id": 1, "name": f"街道{i}"} for i in range(1, 101)])
    s.execute(insert(Community), [{"id": i, "street_id": i, "name": f"社区{i}"} for i in range(1, 101)])
    s.execute(insert(Compound), [{"id": i, "community_id": (i - 1) // 20 + 1, "name": f"小区{i}",
                                  "management_mode": "committee", "service_grade": 2} for i in range(1, 2001)])
    s.execute(insert(Building), [{"id": i, "compound_id": i, "name": "1号楼", "has_elevator": False}
                                 for i in range(1, 2001)])
    s.execute(insert(Unit), [{"id": i, "building_id": i, "compound_id": i, "name": "1单元"} for i in range(1, 2001)])
    per = max(responses, 40)
    s.execute(insert(Household), [{"id": (c - 1) * per + k, "compound_id": c, "building_id": c, "unit_id": c,
                                   "room_no": str(100 + k), "floor": 1, "area_m2": 60, "status": "active",
                                   "is_sold_public_housing": False}
                                  for c in range(1, 2001) for k in range(1, per + 1)])
    s.execute(insert(User), [{"id": 1, "username": "bench", "display_name": "bench", "password_hash": "x",
                              "role": "street_officer", "street_id": 1, "session_token": "bench",
                              "is_enabled": True, "failed_logins": 0}])
    order_rows, events, deadlines = [], [], []
    for oid in range(1, orders + 1):
        compound = rng.randint(1, 2000)
        street = (compound - 1) // 20 + 1
        kind = rng.choice(("community", "community", "street"))  # no stations in this data set
        opened = at(date(2026, 9, 15) + timedelta(days=rng.randint(0, 45)))
        due = opened.date() + timedelta(days=rng.randint(1, 10))
        fate = rng.random()
        closed_at = None
        order_rows.append({"id": oid, "source": "inspection", "responsible_kind": kind, "responsible_name": "x",
                           "problem": "p", "measure": "m", "due_on": due, "status": "open", "issued_by_id": 1,
                           "created_at": opened, "return_count": 0, "street_id": street,
                           "community_id": street, "compound_id": compound, "station_id": None})
        events.append({"order_id": oid, "kind": "opened", "at": opened})
        deadlines.append({"order_id": oid, "due_on": due, "overdue_from_at": overdue_from(due), "changed_at": opened,
                          "changed_by_id": 1})
        if fate < 0.2:  # extended
            when = opened + timedelta(days=rng.randint(1, 12))
            new_due = when.date() + timedelta(days=rng.randint(1, 10))
            deadlines.append({"order_id": oid, "due_on": new_due, "overdue_from_at": overdue_from(new_due),
                              "changed_at": when, "changed_by_id": 1, "reason": "延期"})
            order_rows[-1]["due_on"] = new_due
        if fate < 0.7:  # reported, and mostly closed
            reported = opened + timedelta(days=rng.randint(1, 15))
            events.append({"order_id": oid, "kind": "reported", "at": reported})
            order_rows[-1]["status"] = "reported"
            if fate < 0.6:
                closed_at = reported + timedelta(days=1)
                events.append({"order_id": oid, "kind": "closed", "at": closed_at})
                order_rows[-1].update(status="closed", closed_at=closed_at)
    s.execute(insert(RectificationOrder), order_rows)
    s.execute(insert(RectificationEvent), events)
    s.execute(insert(RectificationDeadline), deadlines)
    s.execute(insert(Survey), [{"id": c, "compound_id": c, "month": str(MONTH), "status": "closed",
                                "questions": ["q"] * 6, "opened_at": at(date(2026, 10, 20))} for c in range(1, 2001)])
    rid = 0
    resp_rows, answer_rows = [], []
    for c in range(1, 2001):
        for k in range(1, responses + 1):
            rid += 1
            resp_rows.append({"id": rid, "survey_id": c, "household_id": (c - 1) * per + k, "compound_id": c,
                              "is_paper": k % 2 == 0, "entered_by_id": 1, "created_at": at(date(2026, 10, 21))})
            answer_rows.extend({"response_id": rid, "position": p, "value": rng.randint(1, 5)} for p in range(6))
    s.execute(insert(SurveyResponse), resp_rows)
    for i in range(0, len(answer_rows), 50_000):
        s.execute(insert(SurveyAnswer), answer_rows[i:i + 50_000])
    s.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("rectification_orders", "rectification_events", "rectification_deadlines", "surveys",
                      "survey_responses", "survey_answers", "households"):
            s.execute(text(f"ANALYZE {table}"))
        s.commit()


def timed(label: str, fn, repeat: int) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    best = float("inf")
    result = None
    for _ in range(repeat):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
    print(f"{label}: best {best * 1000:.0f} ms of {repeat}, {len(statements)} SQL statement(s), {len(result)} units")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=40_000)
    parser.add_argument("--responses", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        upgrade()
        t0 = time.perf_counter()
        build(args.orders, args.responses, random.Random(16))
        print(f"built in {time.perf_counter() - t0:.1f} s: {args.orders} orders, 2,000 surveys, "
              f"{2000 * args.responses} responses")
        timed("overdue_during (October, county)", lambda: overdue_during(1, START, END, CUTOFF), args.repeat)
        timed("satisfaction (2,000 compounds)", lambda: satisfaction(list(range(1, 2001)), MONTH), args.repeat)


if __name__ == "__main__":
    main()
