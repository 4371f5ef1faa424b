"""The floor of bench/home_pages.py: each role's home-page figures as hand-written SQL (one string per statement).

The same counts as pm/services/dashboard, written directly against the tables with the user's binding as plain
parameters (no scope subqueries built by the ORM, no eager loading, no template): what the figures cost at least.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import text

from pm.timeutil import LOCAL_TZ, local_today

OPEN = "('submitted', 'accepted', 'dispatched', 'in_progress')"
OVERDUE = (f"status IN {OPEN} AND ((status = 'submitted' AND response_due_at < :now) OR "
           "(status <> 'in_progress' AND onsite_due_at < :now) OR completion_due_at < :now)")
TREND = ", ".join(f"SUM(CASE WHEN submitted_at >= :d{i} AND submitted_at < :d{i + 1} THEN 1 ELSE 0 END)"
                  for i in range(14))


def _repairs(where: str) -> list[str]:
    """The open and completed requests' counts, and the last 14 days' requests by day (two statements, each reading
    only the rows it counts, as the page does)."""
    return [
        f"SELECT SUM(CASE WHEN {OVERDUE} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN status IN ('submitted', 'accepted') THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN status IN {OPEN} THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END)"
        f" FROM repair_requests WHERE {where} AND status IN ('submitted', 'accepted', 'dispatched', 'in_progress',"
        " 'completed')",
        f"SELECT {TREND} FROM repair_requests WHERE {where} AND submitted_at >= :d0 AND submitted_at < :d14",
    ]


def _orders(where: str) -> str:
    return ("SELECT " + ", ".join(f"SUM(CASE WHEN status = '{s}' THEN 1 ELSE 0 END)"
                                  for s in ("open", "reported", "returned", "closed"))
            + ", SUM(CASE WHEN status IN ('open', 'returned') AND due_on < :today THEN 1 ELSE 0 END)"
            f" FROM rectification_orders WHERE {where}")


def _area(compounds: str, communities: str, orders_where: str) -> list[str]:
    return [
        *_repairs(f"compound_id IN ({compounds})"),
        _orders(orders_where),
        "SELECT SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM work_logs w WHERE w.station_id = s.id AND w.log_on = :today)"
        f" THEN 1 ELSE 0 END), COUNT(*) FROM stations s WHERE s.community_id IN ({communities})",
        "SELECT SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM inspections i WHERE i.compound_id = c.id AND"
        f" i.inspected_on >= :monday) THEN 1 ELSE 0 END), COUNT(*) FROM compounds c WHERE c.id IN ({compounds})",
        *_fund(compounds),
        f"SELECT status, COUNT(*) FROM use_plans WHERE compound_id IN ({compounds}) AND status IN ('publicised',"
        " 'voting') GROUP BY status",
    ]


def _fund(compounds: str) -> list[str]:
    return [
        "SELECT SUM(CASE WHEN first_deposit_due_fen > first_deposit_paid_fen THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN balance_fen * 10 < first_deposit_due_fen * 3 THEN 1 ELSE 0 END), COUNT(*)"
        f" FROM fund_accounts WHERE compound_id IN ({compounds}) AND status = 'open'"
        " AND first_deposit_due_fen IS NOT NULL",
    ]


STATION_COMPOUNDS = "SELECT compound_id FROM station_compounds WHERE station_id = :station_id"
COMMUNITIES_OF_STREET = "SELECT id FROM communities WHERE street_id = :street_id"
COMMUNITIES_OF_COUNTY = ("SELECT id FROM communities WHERE street_id IN"
                         " (SELECT id FROM street_offices WHERE county_id = :county_id)")
MY_HOMES = "SELECT household_id FROM ownerships WHERE person_id = :person_id AND ended_on IS NULL"
MY_PLACES = (MY_HOMES + " UNION SELECT household_id FROM residencies WHERE person_id = :person_id"
             " AND ended_on IS NULL")
NOTICES = ["SELECT COUNT(*) FROM notifications WHERE user_id = :user_id AND read_at IS NULL",
           "SELECT id, title, created_at FROM notifications WHERE user_id = :user_id AND read_at IS NULL"
           " ORDER BY id DESC LIMIT 3"]
METRICS = ("SELECT COUNT(*), SUM(CASE WHEN completed_at IS NOT NULL AND completed_at <= completion_due_at THEN 1"
           " ELSE 0 END), SUM(CASE WHEN rating IS NOT NULL THEN rating ELSE 0 END) FROM repair_requests"
           " WHERE station_id = :station_id AND submitted_at >= :m0 AND submitted_at < :m1")

FLOOR_SQL: dict[str, list[str]] = {
    "manager": [
        *_repairs(f"station_id = :station_id AND compound_id IN ({STATION_COMPOUNDS})"),
        "SELECT SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM work_logs w WHERE w.team_id = t.id AND w.log_on = :today)"
        " THEN 1 ELSE 0 END), COUNT(*) FROM teams t WHERE t.station_id = :station_id",
        _orders("station_id = :station_id"),
        METRICS, METRICS.replace(":m0", ":l0").replace(":m1", ":m0"),
        "SELECT COUNT(*) FROM repair_requests WHERE station_id = :station_id AND assignee_id = :user_id"
        f" AND status IN {OPEN}",
    ],
    "staff": [
        "SELECT COUNT(*) FROM repair_requests WHERE station_id = :station_id AND assignee_id = :user_id"
        f" AND status IN {OPEN}",
        "SELECT r.id, r.category, r.status, r.completion_due_at, r.filer_phone, c.name FROM repair_requests r"
        " JOIN compounds c ON c.id = r.compound_id WHERE r.station_id = :station_id AND r.assignee_id = :user_id"
        f" AND r.status IN {OPEN} ORDER BY r.completion_due_at IS NULL, r.completion_due_at, r.id LIMIT 30",
    ],
    "community": _area("SELECT id FROM compounds WHERE community_id = :community_id",
                       "SELECT :community_id", "community_id = :community_id"),
    "street": _area(f"SELECT id FROM compounds WHERE community_id IN ({COMMUNITIES_OF_STREET})",
                    COMMUNITIES_OF_STREET, "street_id = :street_id"),
    "county": _area(f"SELECT id FROM compounds WHERE community_id IN ({COMMUNITIES_OF_COUNTY})",
                    COMMUNITIES_OF_COUNTY,
                    "street_id IN (SELECT id FROM street_offices WHERE county_id = :county_id)"),
    "committee": [
        *_repairs("compound_id = :compound_id"), *_fund("SELECT :compound_id"),
        "SELECT status, COUNT(*) FROM use_plans WHERE compound_id = :compound_id AND status IN ('publicised',"
        " 'voting') GROUP BY status",
    ],
    "owner": [
        *_repairs(f"id IN (SELECT id FROM repair_requests WHERE filer_user_id = :user_id UNION"
                  f" SELECT id FROM repair_requests WHERE household_id IN ({MY_HOMES}))"),
        "SELECT p.id, p.title FROM use_plans p JOIN decisions d ON d.id = p.decision_id WHERE p.status = 'voting'"
        f" AND d.status = 'open' AND EXISTS (SELECT 1 FROM decision_electorate e WHERE e.decision_id = d.id AND"
        f" e.household_id IN ({MY_HOMES}) AND NOT EXISTS (SELECT 1 FROM ballots b WHERE b.decision_id = d.id"
        " AND b.household_id = e.household_id))",
        f"SELECT id, balance_fen, first_deposit_due_fen FROM fund_accounts WHERE household_id IN ({MY_HOMES})"
        " AND status = 'open'",
        *NOTICES,
        f"SELECT h.id, h.room_no FROM households h WHERE h.id IN ({MY_HOMES})",
    ],
    "resident": [
        *_repairs(f"id IN (SELECT id FROM repair_requests WHERE filer_user_id = :user_id UNION"
                  f" SELECT id FROM repair_requests WHERE household_id IN ({MY_PLACES}))"),
        *NOTICES,
        f"SELECT h.id, h.room_no FROM households h WHERE h.id IN ({MY_PLACES})",
    ],
}


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def floor_params(session, username: str, now: datetime) -> dict:
    """The user's binding and the instants the figures are counted at, as plain parameters."""
    row = session.execute(text(
        "SELECT id, station_id, community_id, street_id, county_id, compound_id, person_id FROM users"
        " WHERE username = :u"), {"u": username}).one()
    today = local_today(now)
    first = today.replace(day=1)
    last_first = (first - timedelta(days=1)).replace(day=1)
    params = {"user_id": row[0], "station_id": row[1], "community_id": row[2], "street_id": row[3],
              "county_id": row[4], "compound_id": row[5], "person_id": row[6], "now": now, "today": today,
              "monday": today - timedelta(days=today.weekday()), "m0": _start(first), "l0": _start(last_first),
              "m1": _start(today + timedelta(days=1))}
    for i in range(15):
        params[f"d{i}"] = _start(today - timedelta(days=13 - i))
    return params
