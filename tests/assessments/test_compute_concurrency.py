"""The monthly compute job exactly once on PostgreSQL: two runs at once leave one score set; a run killed half-way
leaves nothing, and the rerun one complete set. (SQLite has one writer: skipped there.)"""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict
from pm.extensions import db as database
from pm.models import AssessmentAppeal, AssessmentLine, AssessmentScore, JobRun, Role, RunStatus, User
from pm.services.assessments import compute, periods
from pm.services.periods import Month
from pm.tasks import JOBS
from pm.tasks.scheduler import run_job
from tests.factories import make_world
from tests.factories.assessments import station_finding

pytestmark = pytest.mark.pg_only

FIRE = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)  # 1 April 02:00 Beijing
SPEC = next(j for j in JOBS if j.id.endswith("assessments.compute_last_month"))


@pytest.fixture
def county(app, db, backend):
    if backend != "postgresql":
        pytest.skip("parallel runs need PostgreSQL")
    w = make_world()
    station_finding(w)
    database.session.commit()
    return w.county.id


def _counts():
    database.session.rollback()
    return (database.session.scalar(select(func.count()).select_from(AssessmentScore)),
            database.session.scalar(select(func.count()).select_from(AssessmentLine)))


def test_two_runs_at_once_leave_one_score_set(app, county):
    """Two `jobs run` of March at the same moment: one claims the period, one score set (6 units)."""
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes.append(run_job(SPEC, FIRE))
            except BaseException as err:  # noqa: BLE001
                errors.append(err)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(o.ran for o in outcomes) == [False, True]
    scores, lines = _counts()
    assert scores == 6 and lines > 0


def test_a_run_killed_half_way_leaves_nothing_and_the_rerun_one_set(app, county, monkeypatch):
    """The run dies after writing its scores (before telling the reviewers): nothing is kept; the retry writes one
    complete set."""
    real = compute.tell_reviewers
    calls = {"n": 0}

    def dying(period):
        calls["n"] += 1
        assert database.session.scalar(select(func.count()).select_from(AssessmentScore)) == 6  # written, then killed
        if calls["n"] == 1:
            raise RuntimeError("killed")
        return real(period)

    monkeypatch.setattr(compute, "tell_reviewers", dying)
    first = run_job(SPEC, FIRE)
    assert first.run.status == RunStatus.FAILED
    assert _counts() == (0, 0)
    second = run_job(SPEC, FIRE)
    assert second.ran and second.run.status == RunStatus.DONE
    scores, lines = _counts()
    assert scores == 6
    assert database.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.period == "2026-03")) == 1


def test_two_appeals_on_one_line_at_once_make_one(app, county):
    """Two parallel appeals of the same line: one is kept, the other is refused (409)."""
    period = compute.period_for(county, Month(2026, 3))
    compute.compute_month(period, now=FIRE)
    admin = database.session.scalar(select(User).where(User.role == Role.COUNTY_ADMIN, User.county_id == county))
    periods.start_review(period, admin, now=datetime(2026, 4, 2, 2, tzinfo=UTC))
    manager = database.session.scalar(select(User).where(User.role == Role.STATION_MANAGER))
    score = database.session.scalar(select(AssessmentScore).where(
        AssessmentScore.period_id == period.id, AssessmentScore.station_id == manager.station_id))
    line_id = next(ln.id for ln in score.lines if ln.points < 0)
    manager_id = manager.id
    database.session.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        with app.app_context():
            try:
                user = database.session.get(User, manager_id)
                line = database.session.get(AssessmentLine, line_id)
                barrier.wait(timeout=30)
                periods.file_appeal(line, user, scope=scope_for(user), reason="并发申诉",
                                    now=datetime(2026, 4, 2, 3, tzinfo=UTC))
                database.session.commit()
                outcomes.append("ok")
            except Conflict:
                database.session.rollback()
                outcomes.append("conflict")
            finally:
                database.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict", "ok"]
    database.session.rollback()
    assert database.session.scalar(select(func.count()).select_from(AssessmentAppeal)) == 1
