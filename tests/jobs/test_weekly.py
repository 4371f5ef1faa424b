"""Weekly cadence, the Monday reminder of street-weekly inspections, and `jobs run` refusing future times."""
from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.extensions import db as _db
from pm.models import JobRun, Notification, Role, RunStatus
from pm.services.inspections import inspections, reminders
from pm.tasks import JOBS, Weekly, find_job
from pm.tasks.scheduler import run_job
from pm.timeutil import utcnow
from tests.factories import make_user, make_world

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 23 Nov 2026, 08:00 Beijing (ISO week 48)
SPEC = find_job("inspections.remind_weekly_inspections")


def told(db) -> list[int]:
    return sorted(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "inspection.weekly_missing")))


def test_weekly_period_is_the_iso_week_in_beijing_time():
    """Sunday 23:30 Beijing is still the old week; Monday 00:30 Beijing (Sunday UTC) the new one."""
    weekly = Weekly(weekday=0, hour=8)
    assert weekly.period(datetime(2026, 11, 22, 15, 30, tzinfo=UTC)) == "2026-W47"
    assert weekly.period(datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == "2026-W48"
    assert weekly.period(datetime(2027, 1, 1, 4, tzinfo=UTC)) == "2026-W53"


def test_weekly_recent_periods_are_those_already_due():
    """Before Monday 08:00 the last due run is the previous Monday's; afterwards this Monday's."""
    weekly = Weekly(weekday=0, hour=8)
    assert weekly.recent(MONDAY - timedelta(minutes=1), 2) == [
        ("2026-W46", MONDAY - timedelta(days=14)), ("2026-W47", MONDAY - timedelta(days=7))]
    assert weekly.recent(MONDAY, 1) == [("2026-W48", MONDAY)]
    assert weekly.describe() == "每周一 08:00（北京时间）"
    with pytest.raises(ValueError):
        Weekly(weekday=7, hour=8)


def test_the_weekly_reminder_is_registered_on_monday_morning():
    """The job is in the one registry, on a Weekly cadence, with hours of grace."""
    assert SPEC in JOBS and SPEC.cadence == Weekly(weekday=0, hour=8) and SPEC.misfire_grace_time >= 3600


def test_streets_without_last_weeks_inspection_are_reminded_once(app, db):
    """Street a inspected last week (Sunday counts), street b did not: only b's officer is told, once per week."""
    w = make_world()
    officer_a, officer_b = w.users[Role.STREET_OFFICER], make_user(Role.STREET_OFFICER, w.streets["b"])
    inspections.create_inspection(officer_a, scope=scope_for(officer_a), level="street_weekly",
                                  target_kind="compound", target_id=w.compounds["a"][0].id,
                                  inspected_on=date(2026, 11, 22), now=MONDAY)
    inspections.create_inspection(officer_b, scope=scope_for(officer_b), level="street_weekly",
                                  target_kind="compound", target_id=w.compounds["b"][0].id,
                                  inspected_on=date(2026, 11, 15), now=MONDAY)  # the week before last
    db.session.commit()
    assert reminders.past_week(MONDAY) == (date(2026, 11, 16), date(2026, 11, 22), "2026-W47")
    outcome = run_job(SPEC, MONDAY)
    assert outcome.ran and outcome.run.status == RunStatus.DONE and outcome.period == "2026-W48"
    assert outcome.run.counts == {"streets_without_inspection": 1, "notified": 1}
    assert told(db) == [officer_b.id]
    assert run_job(SPEC, MONDAY + timedelta(hours=3)).ran is False
    assert told(db) == [officer_b.id]


def test_jobs_run_refuses_a_future_time_and_records_nothing(runner, db):
    """`jobs run NAME --at` a future time is a clear error; no period is claimed."""
    future = (utcnow() + timedelta(hours=2)).isoformat()
    result = runner.invoke(args=["pm", "jobs", "run", "imports.housekeeping", "--at", future])
    assert result.exit_code == 2 and "在将来" in result.output
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
    past = (utcnow() - timedelta(days=1)).isoformat()
    assert runner.invoke(args=["pm", "jobs", "run", "imports.housekeeping", "--at", past]).exit_code == 0


@pytest.mark.pg_only
def test_two_runs_of_the_weekly_job_at_once_make_one_run(app, db, backend):
    """Two schedulers (or a scheduler and `jobs run`) firing the same week at once: one run, one reminder each."""
    if backend != "postgresql":
        pytest.skip("parallel writers need PostgreSQL")
    w = make_world()
    make_user(Role.STREET_OFFICER, w.streets["b"])
    db.session.commit()
    barrier = threading.Barrier(4)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                ran = run_job(SPEC, MONDAY + timedelta(minutes=i)).ran
            finally:
                _db.session.remove()
            with lock:
                outcomes.append(ran)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == [False, False, False, True]
    db.session.expire_all()
    runs = db.session.scalars(select(JobRun).where(JobRun.job == SPEC.id)).all()
    assert [(r.period, r.status) for r in runs] == [("2026-W48", RunStatus.DONE)]
    assert len(told(db)) == 2  # the officers of both streets, once each
