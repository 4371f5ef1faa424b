"""The 月度考核 bench data set (bench/assessments_bench.py, bench/assessment_results_bench.py): one county of S street
offices × N stations (one community per street, one compound per station) with a month of every record kind the
computation reads, written with bulk multi-row INSERTs (no per-row ORM objects):

- four teams' work logs for every day (2 % missing, 1 % entered too late);
- 报修: 30–80 requests per station filed in the month, varied response and completion times (some late, some
  still open at the cut-off, a few rejected), ratings on most confirmed ones, ~4 % reopened (a `reopened` event);
- 社区每日巡查: one inspection per compound per working day, ~12 % with one or two findings;
- 街道每周督查: one per station per week (Tuesdays), 0–2 findings;
- 县每月抽查: one per street office (street level) and two of its stations, with findings;
- 整改单 from ~40 % of street/county findings and ~10 % of daily ones, with their timeline and deadline records:
  some closed in time, some extended (a second deadline record), some reported late, some still open (overdue);
- 满意度测评: a closed survey for ~60 % of the compounds with 6–35 responses of six answers each (some below the
  scheme's minimum of 10), households to answer from;
- one bonus event per street office and one veto in the county.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

MONTH = (2026, 3)
CHUNK = 10_000


def _put(model_or_table, rows: list[dict], *, returning=None) -> list:
    """Multi-row INSERT in chunks; with `returning` the returned rows in the order given."""
    from sqlalchemy import insert

    from pm.extensions import db

    out: list = []
    for i in range(0, len(rows), CHUNK):
        part = rows[i:i + CHUNK]
        if returning is None:
            db.session.execute(insert(model_or_table), part)
        else:
            out += db.session.execute(insert(model_or_table).returning(*returning, sort_by_parameter_order=True),
                                      part).all()
    return out


def _at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def build(streets: int, per_street: int, seed: int = 11, *, username: str = "bench-admin") -> int:
    """The county and a month of records; returns the county id (committed)."""
    from sqlalchemy import select

    from pm.extensions import db
    from pm.models import (
        AssessmentScheme,
        AssessmentSchemeItem,
        Community,
        County,
        ManagementMode,
        Role,
        Station,
        StreetOffice,
        Team,
        TeamKind,
        UnitKind,
        User,
        Compound,
        station_compounds,
    )
    from pm.services.assessments import schemes
    from pm.services.periods import Month

    rng = random.Random(seed)
    _sql("SELECT setseed(:s)", s=(seed % 1000) / 1000)  # the SQL-generated rows repeat from run to run too
    month = Month(*MONTH)
    county = County(name=f"考核基准县{username}")
    db.session.add(county)
    db.session.flush()
    schemes.ensure_defaults(county.id)
    user = User(username=username, display_name="bench", role=Role.COUNTY_ADMIN, county_id=county.id,
                password_hash="x", session_token=f"{username}-token")
    db.session.add(user)
    db.session.flush()
    street_ids = [r[0] for r in _put(StreetOffice, [{"county_id": county.id, "name": f"街道{i}"}
                                                    for i in range(streets)], returning=(StreetOffice.id,))]
    community_ids = [r[0] for r in _put(Community, [{"street_id": s, "name": f"社区{i}"}
                                                    for i, s in enumerate(street_ids)], returning=(Community.id,))]
    comm_street = dict(zip(community_ids, street_ids))
    compound_rows = [{"community_id": c, "name": f"小区{c}-{j}", "management_mode": ManagementMode.QUASI,
                      "year_built": 1995} for c in community_ids for j in range(per_street)]
    compound_ids = [r[0] for r in _put(Compound, compound_rows, returning=(Compound.id,))]
    station_rows = [{"community_id": r["community_id"], "name": f"服务站{k}"} for k, r in enumerate(compound_rows)]
    station_ids = [r[0] for r in _put(Station, station_rows, returning=(Station.id,))]
    _put(station_compounds, [{"station_id": s, "compound_id": c} for s, c in zip(station_ids, compound_ids)])
    teams = _put(Team, [{"station_id": s, "kind": k, "name": k.value} for s in station_ids for k in TeamKind],
                 returning=(Team.id, Team.station_id))
    # (station, compound, community, street) of every station
    places = [(s, c, r["community_id"], comm_street[r["community_id"]])
              for s, c, r in zip(station_ids, compound_ids, station_rows)]
    counts = {"stations": len(station_ids)}
    counts["logs"] = _logs(rng, month, teams, user.id)
    counts["repairs"] = _repairs(rng, month, places, user.id)
    counts["inspections"], counts["findings"], counts["orders"] = _inspections(rng, month, places, street_ids, user.id)
    counts["survey responses"] = _surveys(rng, month, places, user.id)
    item = dict(db.session.execute(select(AssessmentSchemeItem.code, AssessmentSchemeItem.id).join(
        AssessmentScheme, AssessmentScheme.id == AssessmentSchemeItem.scheme_id).where(
        AssessmentScheme.county_id == county.id, AssessmentScheme.kind == UnitKind.STATION,
        AssessmentSchemeItem.code.in_(("bonus", "veto")))).all())
    _events(county.id, street_ids, places, per_street, user.id, item["bonus"], item["veto"])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print("built " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    return county.id


def _sql(statement: str, **params):
    from sqlalchemy import text

    from pm.extensions import db

    return db.session.execute(text(statement), params)


def _logs(rng, month, teams, user_id) -> int:
    """Every team's day in one INSERT … SELECT: 2 % missing, 1 % entered five days late."""
    return _sql("""
        WITH g AS (SELECT t.id AS team_id, t.station_id, d::date AS day, random() AS r
                   FROM teams t CROSS JOIN generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
                   WHERE t.id = ANY(:teams))
        INSERT INTO work_logs (station_id, team_id, log_on, shift, content, author_id, created_at)
        SELECT station_id, team_id, day, 'full_day', '日常', :uid,
               (day + CASE WHEN r < 0.03 THEN interval '5 days' ELSE interval '10 hours' END) AT TIME ZONE 'UTC'
        FROM g WHERE r >= 0.02""", first=month.first_day, last=month.last_day, teams=[t[0] for t in teams],
                uid=user_id).rowcount


def _repairs(rng, month, places, user_id) -> int:
    """30–80 requests per station in one INSERT … SELECT: response due in 24 h (urgent 4 h), completion in 2 days
    (urgent 1 day); each station answers late with its own likelihood; 3 % rejected, 7 % not completed, 75 % of
    completions confirmed with a rating, 4 % reopened (with a `reopened` event)."""
    return _sql("""
        WITH st AS (SELECT sc.station_id AS sid, sc.compound_id AS cid, random() AS quality
                    FROM station_compounds sc WHERE sc.station_id = ANY(:stations)),
        req AS (SELECT st.*, n FROM st, LATERAL generate_series(1, 30 + floor(random() * 51 + 0 * st.sid)::int) n),
        b AS (SELECT sid, cid, quality,
                     CAST(:first AS timestamptz) + floor(random() * :days) * interval '1 day'
                         + random() * interval '14 hours' AS submitted,
                     random() < 0.1 AS urgent, random() AS r, random() AS late_r, random() AS a1, random() AS c1,
                     random() AS slow_r, random() AS t2, random() AS conf_r, random() AS t3, random() AS rating_r,
                     random() AS reopen_r, (ARRAY['water_supply','drainage','power','lighting','road','elevator',
                     'door_access','leak','greening','garbage'])[1 + floor(random() * 10)::int] AS category
              FROM req),
        c AS (SELECT b.*, r < 0.03 AS rejected,
                     CASE WHEN r < 0.03 THEN NULL ELSE submitted + (CASE WHEN late_r < 0.05 + 0.15 * quality
                          THEN 26 + a1 * 34 ELSE 0.2 + a1 * 19.8 END) * interval '1 hour' END AS accepted
              FROM b),
        d AS (SELECT c.*, CASE WHEN accepted <= :cutoff AND c1 < 0.93 THEN accepted + (CASE WHEN slow_r < 0.05 + 0.2 * quality
                          THEN 50 + t2 * 70 ELSE 1 + t2 * 23 END) * interval '1 hour' END AS completed FROM c),
        e AS (SELECT d.*, completed IS NOT NULL AND conf_r < 0.75 AS confirmed,
                     completed IS NOT NULL AND reopen_r < 0.04 AS reopened FROM d),
        ins AS (
            INSERT INTO repair_requests (compound_id, station_id, category, urgency, description, status, submitted_at,
                accepted_at, dispatched_at, started_at, completed_at, confirmed_at, rejected_at, reject_reason,
                response_due_at, completion_due_at, rating, reopen_count, escalation_level, needs_fund,
                is_deadline_unknown, is_time_agreed, updated_at)
            SELECT cid, sid, category, CASE WHEN urgent THEN 'urgent' ELSE 'normal' END, '报修',
                   CASE WHEN rejected THEN 'rejected' WHEN confirmed THEN 'confirmed'
                        WHEN completed IS NOT NULL THEN 'completed' ELSE 'accepted' END,
                   submitted, accepted, CASE WHEN completed IS NOT NULL THEN accepted END,
                   CASE WHEN completed IS NOT NULL THEN accepted END, completed,
                   CASE WHEN confirmed THEN completed + (1 + t3 * 47) * interval '1 hour' END,
                   CASE WHEN rejected THEN submitted + (0.5 + a1 * 29.5) * interval '1 hour' END,
                   CASE WHEN rejected THEN '不属于物业维修范围' END,
                   submitted + CASE WHEN urgent THEN interval '4 hours' ELSE interval '24 hours' END,
                   submitted + CASE WHEN urgent THEN interval '1 day' ELSE interval '2 days' END,
                   CASE WHEN confirmed THEN CASE WHEN rating_r < 0.55 THEN 5 WHEN rating_r < 0.8 THEN 4
                        WHEN rating_r < 0.92 THEN 3 WHEN rating_r < 0.97 THEN 2 ELSE 1 END END,
                   CASE WHEN reopened THEN 1 ELSE 0 END, 0, false, false, false, submitted
            FROM e RETURNING id, reopen_count, completed_at),
        ev AS (
            INSERT INTO repair_events (request_id, kind, from_status, to_status, actor_id, at)
            SELECT id, 'reopened', 'completed', 'in_progress', :uid, completed_at + (2 + random() * 70) * interval '1 hour'
            FROM ins WHERE reopen_count = 1)
        SELECT count(*) FROM ins""", stations=[p[0] for p in places], first=_at(month.first_day, 0),
                days=len(month.days()), cutoff=datetime(2026, 3, 31, 18, tzinfo=UTC), uid=user_id).scalar()


FINDING_CODES = ("environment", "order", "facilities", "greening", "parking")


def _daily(month, stations, user_id) -> list[tuple[int, dict]]:
    """社区每日巡查 of every compound on every working day and their findings (12 % with one or two), set-based;
    returns ~10 % of those findings with their inspection (to issue orders for)."""
    from pm.models import Finding, Inspection

    _sql("""
        INSERT INTO inspections (level, target_kind, target_name, inspected_on, created_by_id, created_at, street_id,
                                 community_id, compound_id, station_id)
        SELECT 'community_daily', 'compound', '小区', d::date, :uid, (d::date + time '03:00') AT TIME ZONE 'UTC',
               c.street_id, c.id, sc.compound_id, s.id
        FROM stations s JOIN communities c ON c.id = s.community_id
        JOIN station_compounds sc ON sc.station_id = s.id
        CROSS JOIN generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
        WHERE s.id = ANY(:stations) AND extract(isodow FROM d) < 6""",
         first=month.first_day, last=month.last_day, stations=stations, uid=user_id)
    _sql("""
        WITH p AS (SELECT id, created_at, random() AS r, random() AS r2 FROM inspections
                   WHERE level = 'community_daily' AND station_id = ANY(:stations)
                     AND inspected_on BETWEEN :first AND :last)
        INSERT INTO findings (inspection_id, item_code, deduction, note, created_at)
        SELECT p.id, (ARRAY['environment','order','facilities','greening','parking'])[1 + floor(random() * 5)::int],
               (ARRAY[0.2, 0.5, 1])[1 + floor(random() * 3)::int], '问题', p.created_at
        FROM p CROSS JOIN LATERAL generate_series(1, CASE WHEN p.r2 < 0.5 + 0 * p.id THEN 1 ELSE 2 END) g
        WHERE p.r < 0.12""", first=month.first_day, last=month.last_day, stations=stations)
    from sqlalchemy import func, select

    from pm.extensions import db

    cols = ("level", "inspected_on", "created_at", "street_id", "community_id", "compound_id", "station_id")
    rows = db.session.execute(
        select(Finding.id, *(getattr(Inspection, c) for c in cols)).join(Inspection, Inspection.id == Finding.inspection_id)
        .where(Inspection.level == "community_daily", Inspection.station_id.in_(stations),
               Inspection.inspected_on.between(month.first_day, month.last_day), func.random() < 0.1)).all()
    return [(r[0], dict(zip(cols, r[1:]))) for r in rows]


def _inspections(rng, month, places, street_ids, user_id) -> tuple[int, int, int]:
    """Daily ones set-based (_daily); weekly ones per station (Tuesdays, 0–2 findings); the county's spot check
    of every street office and two of its stations (1–3 findings); orders from 40 % of those findings."""
    from sqlalchemy import func, select

    from pm.extensions import db
    from pm.models import Finding, Inspection

    daily_orders = _daily(month, [p[0] for p in places], user_id)
    rows = []
    tuesdays = [d for d in month.days() if d.weekday() == 1]
    for station_id, compound_id, community_id, street_id in places:
        for day in tuesdays:
            rows.append({"level": "street_weekly", "target_kind": "station", "target_name": "站",
                         "inspected_on": day, "created_by_id": user_id, "created_at": _at(day, 5),
                         "street_id": street_id, "community_id": community_id, "compound_id": compound_id,
                         "station_id": station_id})
    by_street: dict[int, list] = {}
    for p in places:
        by_street.setdefault(p[3], []).append(p)
    for street_id in street_ids:
        day = date(*MONTH, 16)
        rows.append({"level": "county_monthly", "target_kind": "street", "target_name": "街道", "inspected_on": day,
                     "created_by_id": user_id, "street_id": street_id, "community_id": None, "compound_id": None,
                     "station_id": None, "created_at": _at(day, 6)})
        for station_id, compound_id, community_id, _s in rng.sample(by_street[street_id], min(2, len(by_street[street_id]))):
            rows.append({"level": "county_monthly", "target_kind": "station", "target_name": "站", "inspected_on": day,
                         "created_by_id": user_id, "street_id": street_id, "community_id": community_id,
                         "compound_id": compound_id, "station_id": station_id, "created_at": _at(day, 6)})
    ids = [r[0] for r in _put(Inspection, rows, returning=(Inspection.id,))]
    findings = []
    for iid, row in zip(ids, rows):
        for _ in range(rng.randint(0, 2) + (row["level"] == "county_monthly")):
            findings.append({"inspection_id": iid, "item_code": rng.choice(FINDING_CODES),
                             "deduction": rng.choice(("0.5", "1", "2")), "note": "问题",
                             "created_at": row["created_at"], "_row": row})
    fids = [r[0] for r in _put(Finding, [{k: v for k, v in f.items() if k != "_row"} for f in findings],
                               returning=(Finding.id,))]
    orders = _orders(rng, [(fid, f["_row"]) for fid, f in zip(fids, findings) if rng.random() < 0.4] + daily_orders,
                     user_id)
    total = db.session.scalar(select(func.count()).select_from(Inspection).where(
        Inspection.street_id.in_(street_ids)))
    found = db.session.scalar(select(func.count()).select_from(Finding).join(Inspection).where(
        Inspection.street_id.in_(street_ids)))
    return total, found, orders


def _orders(rng, found, user_id) -> int:
    """整改单 with their timeline and deadline records (some extended, some late, some still open)."""
    from pm.models import RectificationDeadline, RectificationEvent, RectificationOrder
    from pm.services.inspections.deadlines import overdue_from

    cutoff = datetime(2026, 3, 31, 18, tzinfo=UTC)
    rows, steps, deadlines = [], [], []
    for fid, insp in found:
        opened = insp["created_at"] + timedelta(hours=1)
        due = insp["inspected_on"] + timedelta(days=rng.choice((3, 5, 7, 10)))
        kind = "station" if insp["station_id"] else "street"
        row = {"source": "inspection", "finding_id": fid, "responsible_kind": kind, "responsible_name": "责任单位",
               "problem": "问题", "measure": "整改", "due_on": due, "status": "open", "issued_by_id": user_id,
               "created_at": opened, "return_count": 0, "street_id": insp["street_id"],
               "community_id": insp["community_id"], "compound_id": insp["compound_id"],
               "station_id": insp["station_id"]}
        mine_steps = [("opened", opened)]
        mine_deadlines = [(due, opened, None)]
        fate = rng.random()
        if fate < 0.15:  # extended once
            when = opened + timedelta(days=rng.randint(1, 3))
            due = due + timedelta(days=rng.randint(3, 7))
            mine_deadlines.append((due, when, "延期"))
            row["due_on"] = due
        if fate < 0.8:  # reported: on time mostly, late for ~20 %
            late = rng.random() < 0.2
            reported = overdue_from(due) + timedelta(days=rng.randint(1, 5)) if late else \
                opened + timedelta(hours=rng.uniform(6, 48))
            if reported <= cutoff:
                mine_steps.append(("reported", reported))
                row.update(status="reported", reported_at=reported)
                closed = reported + timedelta(days=1)
                if closed <= cutoff and rng.random() < 0.9:
                    mine_steps.append(("closed", closed))
                    row.update(status="closed", closed_at=closed)
        rows.append(row)
        steps.append(mine_steps)
        deadlines.append(mine_deadlines)
    ids = [r[0] for r in _put(RectificationOrder, rows, returning=(RectificationOrder.id,))]
    _put(RectificationEvent, [{"order_id": oid, "kind": kind, "actor_id": user_id, "at": at}
                              for oid, mine in zip(ids, steps) for kind, at in mine])
    _put(RectificationDeadline, [{"order_id": oid, "due_on": due, "overdue_from_at": overdue_from(due),
                                  "changed_at": at, "changed_by_id": user_id, "reason": reason}
                                 for oid, mine in zip(ids, deadlines) for due, at, reason in mine])
    return len(rows)


def _surveys(rng, month, places, user_id) -> int:
    """A closed survey for ~60 % of the compounds, each with 40 households of which 6–35 answered six questions
    (some surveys stay below the scheme's minimum of 10 responses); households, responses and answers set-based."""
    from pm.models import Building, Survey, Unit

    homes = 40
    compounds = [p[1] for p in places if rng.random() < 0.6]
    buildings = [r[0] for r in _put(Building, [{"compound_id": c, "name": "1号楼", "has_elevator": False}
                                               for c in compounds], returning=(Building.id,))]
    units = [r[0] for r in _put(Unit, [{"building_id": b, "compound_id": c, "name": "1单元"}
                                       for b, c in zip(buildings, compounds)], returning=(Unit.id,))]
    _sql("""
        INSERT INTO households (compound_id, building_id, unit_id, room_no, floor, area_m2, status,
                                is_sold_public_housing, created_at, updated_at)
        SELECT c, b, u, (100 + k)::text, 1 + k / 4, 70, 'active', false, now(), now()
        FROM unnest(CAST(:compounds AS int[]), CAST(:buildings AS int[]), CAST(:units AS int[])) AS x(c, b, u)
        CROSS JOIN generate_series(0, :homes - 1) k""", compounds=compounds, buildings=buildings, units=units,
         homes=homes)
    surveys = [r[0] for r in _put(Survey, [
        {"compound_id": c, "month": str(month), "status": "closed", "questions": ["问题"] * 6, "opened_by_id": user_id,
         "opened_at": _at(date(*MONTH, 10), 1), "closed_at": _at(date(*MONTH, 28), 1)} for c in compounds],
        returning=(Survey.id,))]
    return _sql("""
        WITH v AS (SELECT s, c, 6 + floor(random() * 30 + 0 * s)::int AS wanted
                   FROM unnest(CAST(:surveys AS int[]), CAST(:compounds AS int[])) AS x(s, c)),
        h AS (SELECT v.s, v.c, v.wanted, h.id AS hid,
                     row_number() OVER (PARTITION BY v.s ORDER BY random()) AS n
              FROM v JOIN households h ON h.compound_id = v.c),
        r AS (
            INSERT INTO survey_responses (survey_id, household_id, compound_id, is_paper, entered_by_id, created_at)
            SELECT s, hid, c, n % 3 = 0, :uid, :answered + random() * interval '100 hours'
            FROM h WHERE n <= wanted RETURNING id),
        a AS (
            INSERT INTO survey_answers (response_id, position, value)
            SELECT r.id, p, CASE WHEN x < 0.5 THEN 5 WHEN x < 0.8 THEN 4 WHEN x < 0.92 THEN 3 WHEN x < 0.97 THEN 2
                                 ELSE 1 END
            FROM (SELECT r.id, p, random() AS x FROM r CROSS JOIN generate_series(0, 5) p) r)
        SELECT count(*) FROM r""", surveys=surveys, compounds=compounds, uid=user_id,
                answered=_at(date(*MONTH, 20), 0)).scalar()


def _events(county_id, street_ids, places, per_street, user_id, bonus, veto) -> None:
    from pm.models import AssessmentEvent

    rows = [{"county_id": county_id, "item_id": bonus, "unit_kind": "station", "unit_id": places[k * per_street][0],
             "street_id": s, "community_id": places[k * per_street][2], "station_id": places[k * per_street][0],
             "happened_on": date(*MONTH, 12), "points": 1, "note": "锦旗", "recorded_by_id": user_id,
             "created_at": datetime(*MONTH, 12, tzinfo=UTC)} for k, s in enumerate(street_ids)]
    last = places[-1]
    rows.append({"county_id": county_id, "item_id": veto, "unit_kind": "station", "unit_id": last[0],
                 "street_id": last[3], "community_id": last[2], "station_id": last[0],
                 "happened_on": date(*MONTH, 20), "points": 0, "note": "重大安全事故", "recorded_by_id": user_id,
                 "created_at": datetime(*MONTH, 21, tzinfo=UTC)})
    _put(AssessmentEvent, rows)
