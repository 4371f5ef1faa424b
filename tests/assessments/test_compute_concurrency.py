"""The monthly compute job exactly once on PostgreSQL: two runs at once leave one score set; a run killed half-way
leaves nothing, and the rerun one complete set. (SQLite has one writer: skipped there.)"""
from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pm.extensions import db as database
from pm.models import AssessmentLine, AssessmentScore, JobRun, RunStatus
from pm.services.assessments import compute
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
