"""定时任务: the JOBS registry, exactly-once runs recorded in JobRun, the scheduler lock, import housekeeping."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from pm.models import AuditLog, County, ImportJob, ImportStatus, JobRun, RunStatus
from pm.tasks import JOBS, Daily, JobSpec, Monthly, find_job, imports
from pm.tasks import scheduler as sched
from pm.timeutil import LOCAL_TZ
from tests.factories import make_compound, make_user

# Job runs are upserts per period and the scheduler holds an advisory lock: both backends.
pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 10, 3, 15, tzinfo=LOCAL_TZ)  # a housekeeping time, Beijing

calls: list[datetime] = []


def counting_job(now: datetime) -> dict[str, int]:
    """A job that only counts its calls."""
    calls.append(now)
    return {"calls": len(calls)}


def half_done_job(now: datetime) -> dict[str, int]:
    """A job that writes a row and then fails."""
    from pm.extensions import db

    db.session.add(County(name="半途县"))
    db.session.flush()
    raise RuntimeError("disk full")


fail_next: list[bool] = []


def flaky_job(now: datetime) -> dict[str, int]:
    """A job that writes a row, and fails when told to."""
    from pm.extensions import db

    db.session.add(County(name="重试县"))
    db.session.flush()
    if fail_next:
        fail_next.pop()
        raise RuntimeError("network down")
    return {"calls": 1}


COUNTING = JobSpec(func=counting_job, cadence=Daily(3), misfire_grace_time=3600, description="counting")
HALF_DONE = JobSpec(func=half_done_job, cadence=Daily(3), misfire_grace_time=3600, description="half done")
FLAKY = JobSpec(func=flaky_job, cadence=Daily(3), misfire_grace_time=3600, description="flaky")


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()
    fail_next.clear()
    yield
    calls.clear()
    fail_next.clear()


def _runs(db, job_id: str) -> list[JobRun]:
    return db.session.scalars(select(JobRun).where(JobRun.job == job_id).order_by(JobRun.id)).all()


# -- the registry ------------------------------------------------------------------------------
def test_job_ids_are_the_dotted_function_names():
    """Every job's id is the dotted name of its function, or the name it was deployed under; ids are unique."""
    assert JOBS
    for spec in JOBS:
        assert spec.id == (spec.name or f"{spec.func.__module__}.{spec.func.__name__}")
    assert len({spec.id for spec in JOBS}) == len(JOBS)
    assert find_job("pm.tasks.imports.housekeeping") is JOBS[0]
    assert find_job("imports.housekeeping") is JOBS[0]
    assert find_job("housekeeping") is JOBS[0]


def test_a_moved_job_keeps_the_id_its_runs_are_recorded_under():
    """The fund jobs moved from pm/tasks/funds.py to fund.py: their ids (and run records) stay; both names find them."""
    spec = find_job("fund.low_balance")
    assert spec is not None and spec.func.__module__ == "pm.tasks.fund"
    assert spec.id == "pm.tasks.funds.low_balance"
    assert find_job("funds.low_balance") is spec
    assert find_job("pm.tasks.fund.low_balance") is spec
    assert find_job("nope") is None


def test_jobs_have_hours_of_grace():
    """No job keeps APScheduler's 1-second misfire grace: a late wake-up still runs."""
    for spec in JOBS:
        assert spec.misfire_grace_time >= 3600


def test_scheduler_registers_jobs_with_explicit_ids_and_options(app):
    """The scheduler gets every job by id, coalesced, one instance, its grace time, in Beijing time."""
    scheduler = sched.build_scheduler(app, BackgroundScheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {spec.id for spec in JOBS}
    for spec in JOBS:
        job = jobs[spec.id]
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.misfire_grace_time == spec.misfire_grace_time
        assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert str(scheduler.timezone) == "Asia/Shanghai"


def test_daily_period_is_the_beijing_date():
    """17:00 UTC on 1 March is already 2 March in Beijing."""
    assert Daily(3).period(datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc)) == "2026-03-02"
    assert Daily(3).period(datetime(2026, 3, 1, 15, 59, tzinfo=timezone.utc)) == "2026-03-01"


def test_daily_recent_periods_are_those_already_due():
    """Before today's fire time, the latest due period is yesterday's."""
    before = datetime(2026, 3, 10, 3, 0, tzinfo=LOCAL_TZ)
    after = datetime(2026, 3, 10, 3, 30, tzinfo=LOCAL_TZ)
    cadence = Daily(3, 15)
    assert [p for p, _ in cadence.recent(before, 2)] == ["2026-03-08", "2026-03-09"]
    assert cadence.recent(after, 1) == [("2026-03-10", datetime(2026, 3, 10, 3, 15, tzinfo=LOCAL_TZ))]


def test_monthly_recent_periods_cross_the_year():
    """A monthly job on the 1st at 02:00: on 1 Jan at 01:00 the last due period is December."""
    cadence = Monthly(day=1, hour=2)
    now = datetime(2026, 1, 1, 1, 0, tzinfo=LOCAL_TZ)
    assert [p for p, _ in cadence.recent(now, 3)] == ["2025-10", "2025-11", "2025-12"]
    assert cadence.period(now) == "2026-01"
    with pytest.raises(ValueError):
        Monthly(day=31, hour=2)


# -- running a job exactly once ----------------------------------------------------------------
def test_a_run_is_recorded_with_its_counts(app, db):
    """A run inserts a JobRun row for (job, period) and marks it done with the job's counts."""
    outcome = sched.run_job(COUNTING, T0)
    assert outcome.ran
    [run] = _runs(db, COUNTING.id)
    assert run.period == "2026-03-10"
    assert run.status == RunStatus.DONE
    assert run.counts == {"calls": 1}
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert calls == [T0]


def test_a_second_run_of_the_same_period_does_nothing(app, db):
    """The same period again (even later that day) is refused: the job is not called twice."""
    sched.run_job(COUNTING, T0)
    outcome = sched.run_job(COUNTING, T0 + timedelta(hours=5))
    assert not outcome.ran
    assert outcome.run.status == RunStatus.DONE
    assert len(calls) == 1
    assert len(_runs(db, COUNTING.id)) == 1


def test_the_next_period_runs_again(app, db):
    """The next day is a new period and runs."""
    sched.run_job(COUNTING, T0)
    sched.run_job(COUNTING, T0 + timedelta(days=1))
    assert [r.period for r in _runs(db, COUNTING.id)] == ["2026-03-10", "2026-03-11"]


def test_a_failed_run_leaves_status_failed_and_nothing_partial(app, db):
    """A job that raises half-way: its writes are rolled back, the run is failed with the error."""
    outcome = sched.run_job(HALF_DONE, T0)
    assert outcome.ran
    [run] = _runs(db, HALF_DONE.id)
    assert run.status == RunStatus.FAILED
    assert "disk full" in run.error
    assert db.session.scalar(select(func.count()).select_from(County)) == 0


def test_a_failed_period_can_be_retried(app, db):
    """After a failure the same period may run again, and then it is done without the old error."""
    fail_next.append(True)
    first = sched.run_job(FLAKY, T0)
    assert first.run.status == RunStatus.FAILED
    second = sched.run_job(FLAKY, T0)
    assert second.ran
    [run] = _runs(db, FLAKY.id)
    assert run.status == RunStatus.DONE and run.error is None and run.counts == {"calls": 1}
    assert db.session.scalar(select(func.count()).select_from(County)) == 1


def test_catch_up_runs_a_missed_period_once(app, db):
    """On start, a due period without a run record is run as of its scheduled time; a second start does nothing."""
    now = datetime(2026, 3, 10, 9, 0, tzinfo=LOCAL_TZ)
    sched.catch_up(now, jobs=(COUNTING,))
    sched.catch_up(now, jobs=(COUNTING,))
    assert calls == [datetime(2026, 3, 10, 3, 0, tzinfo=LOCAL_TZ)]
    assert [r.period for r in _runs(db, COUNTING.id)] == ["2026-03-10"]


# -- the scheduler lock and the embedded scheduler ------------------------------------------------
def test_a_second_scheduler_cannot_take_the_lock(app, db):
    """While one scheduler holds the lock (advisory lock / lock file) a second is refused, then may take it."""
    first = sched.SchedulerLock(app)
    first.acquire()
    try:
        with pytest.raises(sched.SchedulerLockHeld):
            sched.SchedulerLock(app).acquire()
    finally:
        first.release()
    again = sched.SchedulerLock(app)
    again.acquire()
    again.release()


def test_scheduler_command_exits_when_another_holds_the_lock(app, runner):
    """`flask pm scheduler` exits with a message when another scheduler is running."""
    lock = sched.SchedulerLock(app)
    lock.acquire()
    try:
        result = runner.invoke(args=["pm", "scheduler"])
    finally:
        lock.release()
    assert result.exit_code == 1
    assert "另一个调度器进程正在运行" in result.output


def test_no_embedded_scheduler_under_testing_or_when_off(app):
    """The web process starts a scheduler only when SCHEDULER_EMBEDDED is set and not under TESTING."""
    app.config["SCHEDULER_EMBEDDED"] = True
    assert sched.maybe_start_embedded(app) is None  # TESTING
    app.config.update(SCHEDULER_EMBEDDED=False, TESTING=False)
    try:
        assert sched.maybe_start_embedded(app) is None
    finally:
        app.config["TESTING"] = True


def test_no_embedded_scheduler_in_other_flask_commands(app):
    """`flask db upgrade` or `flask pm ...` loading the app never starts the embedded scheduler; `flask run` does."""
    import click

    app.config.update(SCHEDULER_EMBEDDED=True, TESTING=False)
    try:
        with click.Context(click.Command("upgrade"), info_name="upgrade"):
            assert sched.maybe_start_embedded(app) is None
        with click.Context(click.Command("run"), info_name="run"):
            assert sched.maybe_start_embedded(app) is not None
    finally:
        sched.stop_embedded()
        app.config["TESTING"] = True


def test_embedded_scheduler_starts_with_every_job(app):
    """With SCHEDULER_EMBEDDED and not testing, a background scheduler runs every job and holds the lock."""
    app.config.update(SCHEDULER_EMBEDDED=True, TESTING=False)
    try:
        scheduler = sched.maybe_start_embedded(app)
        assert scheduler is not None and scheduler.running
        ids = {job.id for job in scheduler.get_jobs()}
        assert {spec.id for spec in JOBS} <= ids
        with pytest.raises(sched.SchedulerLockHeld):
            sched.SchedulerLock(app).acquire()
    finally:
        sched.stop_embedded()
        app.config["TESTING"] = True
    lock = sched.SchedulerLock(app)
    lock.acquire()
    lock.release()


# -- import housekeeping ---------------------------------------------------------------------------
def _upload(app, name: str) -> str:
    folder = Path(app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"PK fake workbook")
    return str(path)


def _job(compound, user, status, *, created, finished=None, stored_path=None) -> ImportJob:
    from pm.extensions import db

    job = ImportJob(
        compound_id=compound.id, user_id=user.id, filename="台账.xlsx", stored_path=stored_path, status=status,
        total_rows=0, processed_rows=0, created_at=created, finished_at=finished,
    )
    db.session.add(job)
    db.session.flush()
    return job


@pytest.fixture
def import_jobs(app, db):
    """Imports of every kind around the housekeeping time T0."""
    compound = make_compound()
    user = make_user("county_admin", compound.community.street.county)
    day = timedelta(days=1)
    jobs = {
        "old_done": _job(compound, user, ImportStatus.DONE, created=T0 - 3 * day, finished=T0 - 2 * day,
                         stored_path=_upload(app, "old_done.xlsx")),
        "old_rejected": _job(compound, user, ImportStatus.REJECTED, created=T0 - 2 * day, finished=T0 - 25 * timedelta(hours=1),
                             stored_path=_upload(app, "old_rejected.xlsx")),
        "recent_done": _job(compound, user, ImportStatus.DONE, created=T0 - timedelta(hours=3),
                            finished=T0 - timedelta(hours=2), stored_path=_upload(app, "recent_done.xlsx")),
        "stuck": _job(compound, user, ImportStatus.WRITING, created=T0 - timedelta(hours=2),
                      stored_path=_upload(app, "stuck.xlsx")),
        "running": _job(compound, user, ImportStatus.VALIDATING, created=T0 - timedelta(minutes=20),
                        stored_path=_upload(app, "running.xlsx")),
        "gone": _job(compound, user, ImportStatus.DONE, created=T0 - 3 * day, finished=T0 - 2 * day,
                     stored_path=str(Path(app.config["UPLOAD_DIR"]) / "imports" / "already-deleted.xlsx")),
    }
    db.session.commit()
    return jobs


def test_housekeeping_deletes_files_of_imports_finished_over_a_day_ago(app, db, import_jobs):
    """Files of finished imports older than a day are deleted and stored_path cleared; newer ones are kept."""
    paths = {k: j.stored_path for k, j in import_jobs.items()}
    outcome = sched.run_job(find_job("imports.housekeeping"), T0)
    assert outcome.run.status == RunStatus.DONE
    for key in ("old_done", "old_rejected", "gone"):
        db.session.refresh(import_jobs[key])
        assert import_jobs[key].stored_path is None
        assert not os.path.exists(paths[key])
    for key in ("recent_done", "running", "stuck"):
        db.session.refresh(import_jobs[key])
        assert import_jobs[key].stored_path == paths[key]
        assert os.path.exists(paths[key])
    assert outcome.run.counts["files_deleted"] == 2
    assert outcome.run.counts["files_missing"] == 1


def test_housekeeping_fails_imports_stuck_over_an_hour(app, db, import_jobs):
    """An import in progress for over an hour is marked failed with a message; a younger one is left alone."""
    outcome = sched.run_job(find_job("imports.housekeeping"), T0)
    stuck, running = import_jobs["stuck"], import_jobs["running"]
    db.session.refresh(stuck)
    db.session.refresh(running)
    assert stuck.status == ImportStatus.FAILED
    assert stuck.message == imports.STUCK_MESSAGE
    assert stuck.finished_at == T0
    assert running.status == ImportStatus.VALIDATING
    assert outcome.run.counts["stuck_failed"] == 1
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "ImportJob")).all()
    assert sorted(actions) == ["import.expire"] + ["import.purge_file"] * 3


def test_housekeeping_never_deletes_outside_the_upload_dir(app, db, import_jobs, tmp_path):
    """A stored path outside UPLOAD_DIR is neither deleted nor cleared."""
    outside = tmp_path / "elsewhere.xlsx"
    outside.write_bytes(b"keep me")
    import_jobs["old_done"].stored_path = str(outside)
    db.session.commit()
    outcome = sched.run_job(find_job("imports.housekeeping"), T0)
    assert outside.exists()
    db.session.refresh(import_jobs["old_done"])
    assert import_jobs["old_done"].stored_path == str(outside)
    assert outcome.run.counts["files_outside_upload_dir"] == 1


def test_housekeeping_failure_changes_nothing_in_the_database(app, db, import_jobs, monkeypatch):
    """If deleting a file fails, the run is failed and no import row is changed."""
    def refuse(self, missing_ok=False):
        raise PermissionError(f"cannot delete {self.name}")

    monkeypatch.setattr(Path, "unlink", refuse)
    outcome = sched.run_job(find_job("imports.housekeeping"), T0)
    assert outcome.run.status == RunStatus.FAILED
    assert "PermissionError" in outcome.run.error
    for job in import_jobs.values():
        db.session.refresh(job)
    assert import_jobs["stuck"].status == ImportStatus.WRITING
    assert import_jobs["old_done"].stored_path is not None
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.object_type == "ImportJob")) == 0


def test_housekeeping_uses_the_time_it_is_given(app, db, import_jobs):
    """As of a time before the imports finished, nothing is old enough to clean."""
    counts = imports.housekeeping(T0 - timedelta(days=5))
    assert counts == {"stuck_failed": 0, "plans_expired": 0, "files_deleted": 0, "files_missing": 0,
                      "files_outside_upload_dir": 0, "repair_dry_runs_purged": 0}
    db.session.rollback()
