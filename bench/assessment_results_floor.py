"""The floor of bench/assessment_results_bench.py: the rows the bulletin and the unit score page show, read by
hand-written SQL behind a bare Flask route (no login, no scope, no ORM objects, no template): what those pages
cost at least on the same data in the same run."""
from __future__ import annotations

BULLETIN = [
    # 红榜/黑榜 and the count of every kind
    """SELECT * FROM (SELECT id, unit_kind, unit_name, rank, total, is_vetoed,
              row_number() OVER (PARTITION BY unit_kind ORDER BY rank, unit_id) AS up,
              row_number() OVER (PARTITION BY unit_kind ORDER BY rank DESC, unit_id DESC) AS down,
              count(*) OVER (PARTITION BY unit_kind) AS n
       FROM assessment_scores WHERE period_id = :p) x WHERE up <= :size OR down <= :size""",
    # 本月主要问题
    """SELECT category_name, SUM(lines), SUM(units), SUM(points_lost) FROM assessment_problem_totals
       WHERE period_id = :p GROUP BY category_name ORDER BY 4 DESC""",
    # 结果运用 (the ladder steps of the month)
    """SELECT unit_name, step, replace_provider, total FROM assessment_ladder_steps WHERE period_id = :p
       ORDER BY unit_kind, total, id""",
    # the distribution of the stations' scores
    """SELECT CASE WHEN total >= 90 THEN 'a' WHEN total >= 80 THEN 'b' WHEN total >= 70 THEN 'c'
                   WHEN total >= 60 THEN 'd' ELSE 'e' END AS band, COUNT(*)
       FROM assessment_scores WHERE period_id = :p AND unit_kind = 'station' GROUP BY band""",
    # 街道排名
    """SELECT id, unit_id, unit_name, rank, total FROM assessment_scores WHERE period_id = :p AND unit_kind = 'street'
       ORDER BY rank, unit_id""",
]
SCORE = [
    "SELECT id, period_id, unit_kind, unit_id, unit_name, total, rank, is_vetoed FROM assessment_scores WHERE id = :s",
    "SELECT id, month, status FROM assessment_periods WHERE id = (SELECT period_id FROM assessment_scores WHERE id = :s)",
    """SELECT id, category_name, item_name, points, computed_points, rule, refs, change_reason FROM assessment_lines
       WHERE score_id = :s ORDER BY position""",
    "SELECT id, points, reason, created_at FROM assessment_adjustments WHERE score_id = :s ORDER BY id",
    "SELECT id, line_id, status, decision FROM assessment_appeals WHERE score_id = :s",
]


def add_floor_routes(app) -> None:
    """/_bench/floor/bulletin/<period id> and /_bench/floor/score/<score id>: the rows as JSON."""
    from flask import jsonify
    from sqlalchemy import text

    from pm.extensions import db

    def run(statements, params):
        out = [[[str(v) for v in r] for r in db.session.execute(text(sql), params).all()] for sql in statements]
        db.session.rollback()
        return jsonify(out)

    app.add_url_rule("/_bench/floor/bulletin/<int:period_id>", "bench_floor_bulletin",
                     lambda period_id: run(BULLETIN, {"p": period_id, "size": 5}))
    app.add_url_rule("/_bench/floor/score/<int:score_id>", "bench_floor_score",
                     lambda score_id: run(SCORE, {"s": score_id}))
