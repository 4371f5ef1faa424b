"""调度器: runs the JOBS registry exactly once per period, in one process.

- ``run_job(spec, at)`` is the one way a job runs (scheduler, catch-up, ``flask pm jobs run``): it
  claims the (job, period) row of JobRun with INSERT ... ON CONFLICT DO NOTHING, runs the job in the
  same transaction and marks the row done, then commits; so the job's effects and "done" commit
  together. A period already claimed is not run again. If the job raises, everything is rolled back
  and the failure is recorded in a separate transaction (status failed, the error); a later run of
  that period retries it.
- ``flask pm scheduler`` (run_blocking) runs a BlockingScheduler after taking the scheduler lock: a
  PostgreSQL advisory lock held on a dedicated connection, or on SQLite an exclusive lock on a file in
  the instance directory. A second scheduler exits with a message.
- ``maybe_start_embedded(app)`` starts a BackgroundScheduler for a one-machine `make run`, only when
  SCHEDULER_EMBEDDED is set and not under TESTING. Web workers under gunicorn never start one.
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import signal
import threading
from dataclasses import dataclass
from datetime import datetime

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from pm.extensions import db
from pm.models import JobRun, RunStatus
from pm.tasks import JOBS, JobSpec, find_job
from pm.timeutil import LOCAL_TZ, utcnow

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key of the scheduler ("PMSC" in ASCII); any constant works if nothing else uses it.
SCHEDULER_LOCK_KEY = 0x504D5343
ERROR_MAX_CHARS = 4000


class SchedulerLockHeld(RuntimeError):
    """Another scheduler process holds the lock."""


@dataclass
class RunOutcome:
    """What run_job did: ran (done or failed), or found the period already claimed."""

    period: str
    ran: bool
    run: JobRun | None


# -- running one job --------------------------------------------------------------------------
def _insert(dialect: str):
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"unsupported database {dialect!r}")


def _claim(job_id: str, period: str, started: datetime) -> int | None:
    """Insert the run row (status running), or take over a failed run of the period; None if claimed."""
    table = JobRun.__table__
    dialect = db.session.get_bind().dialect.name
    stmt = (
        _insert(dialect)(table)
        .values(job=job_id, period=period, status=RunStatus.RUNNING, started_at=started)
        .on_conflict_do_nothing(index_elements=["job", "period"])
        .returning(table.c.id)
    )
    run_id = db.session.execute(stmt).scalar()
    if run_id is not None:
        return run_id
    # A failed period may be retried; the guarded UPDATE lets exactly one runner take it over.
    retried = db.session.execute(
        update(table)
        .where(table.c.job == job_id, table.c.period == period, table.c.status == RunStatus.FAILED)
        .values(status=RunStatus.RUNNING, started_at=started, finished_at=None, error=None, counts=None)
        .returning(table.c.id)
    ).scalar()
    return retried


def _record_failure(job_id: str, period: str, started: datetime, error: str) -> None:
    """After the rollback: store status failed and the error (never over a run that is done)."""
    table = JobRun.__table__
    dialect = db.session.get_bind().dialect.name
    finished = utcnow()
    stmt = _insert(dialect)(table).values(
        job=job_id, period=period, status=RunStatus.FAILED, started_at=started, finished_at=finished, error=error
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["job", "period"],
        set_={"status": RunStatus.FAILED, "started_at": started, "finished_at": finished, "error": error,
              "counts": None},
        where=table.c.status != RunStatus.DONE,
    )
    db.session.execute(stmt)
    db.session.commit()


def _find_run(job_id: str, period: str) -> JobRun | None:
    return db.session.scalar(select(JobRun).where(JobRun.job == job_id, JobRun.period == period))


def run_job(spec: JobSpec, at: datetime) -> RunOutcome:
    """Run `spec` once as of `at` for the period `at` falls in; commit its effects with the done mark."""
    if at.tzinfo is None:
        raise ValueError("run_job needs an aware datetime")
    period = spec.cadence.period(at)
    started = utcnow()
    db.session.rollback()  # start from a clean transaction: nothing else may ride on this commit
    try:
        run_id = _claim(spec.id, period, started)
        if run_id is None:
            db.session.rollback()
            run = _find_run(spec.id, period)
            logger.info("job %s period %s already claimed (%s); not run again", spec.id, period,
                        run.status if run else "?")
            return RunOutcome(period=period, ran=False, run=run)
        counts = spec.func(at)
        db.session.execute(
            update(JobRun.__table__)
            .where(JobRun.__table__.c.id == run_id)
            .values(status=RunStatus.DONE, finished_at=utcnow(), counts=counts)
        )
        db.session.commit()
    except Exception as err:  # noqa: BLE001 - any failure of a job is recorded, never half-applied
        db.session.rollback()
        logger.exception("job %s period %s failed", spec.id, period)
        _record_failure(spec.id, period, started, f"{type(err).__name__}: {err}"[:ERROR_MAX_CHARS])
        return RunOutcome(period=period, ran=True, run=_find_run(spec.id, period))
    logger.info("job %s period %s done: %r", spec.id, period, counts)
    return RunOutcome(period=period, ran=True, run=_find_run(spec.id, period))


def catch_up(now: datetime, jobs: tuple[JobSpec, ...] | None = None) -> list[RunOutcome]:
    """Run, as of their scheduled time, the recent periods (spec.catch_up of them) that are not done."""
    outcomes = []
    for spec in JOBS if jobs is None else jobs:
        for period, fire_at in spec.cadence.recent(now, spec.catch_up):
            run = _find_run(spec.id, period)
            if run is None or run.status == RunStatus.FAILED:
                outcomes.append(run_job(spec, fire_at))
    db.session.rollback()
    return outcomes


# -- the scheduler lock -------------------------------------------------------------------------
class SchedulerLock:
    """Held for the scheduler's lifetime: a PostgreSQL advisory lock, or an flock on SQLite."""

    def __init__(self, app: Flask):
        self.app = app
        self._conn = None
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise SchedulerLockHeld."""
        engine = db.engine
        if engine.dialect.name == "postgresql":
            # The lock belongs to the database session: hold a connection of our own for the scheduler's
            # lifetime, detached from the pool (closing it really ends the session and its lock), in
            # autocommit so it never sits idle inside a transaction.
            conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            conn.detach()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK_KEY}).scalar()
            if not got:
                conn.close()
                raise SchedulerLockHeld("另一个调度器进程正在运行（PostgreSQL 咨询锁已被占用），本进程退出。")
            self._conn = conn
            return
        path = os.path.join(self.app.config["INSTANCE_DIR"], "scheduler.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SchedulerLockHeld(f"另一个调度器进程正在运行（{path} 已被锁定），本进程退出。") from None
        self._fd = fd

    def release(self) -> None:
        """Give the lock back (it is also released when the process dies)."""
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK_KEY})
            self._conn.close()
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# -- the scheduler ---------------------------------------------------------------------------------
def _execute(app: Flask, job_id: str) -> None:
    """APScheduler's entry point: run a job as of now inside an app context."""
    spec = find_job(job_id)
    with app.app_context():
        run_job(spec, utcnow())


def _catch_up_in_app(app: Flask) -> None:
    with app.app_context():
        catch_up(utcnow())


def build_scheduler(app: Flask, scheduler_class: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    """A scheduler with every job of JOBS registered from code (memory store, explicit ids)."""
    scheduler = scheduler_class(
        timezone=LOCAL_TZ, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    )
    for spec in JOBS:
        scheduler.add_job(
            _execute,
            trigger=spec.cadence.trigger(),
            args=(app, spec.id),
            id=spec.id,
            name=spec.description,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=spec.misfire_grace_time,
            replace_existing=True,
        )
    return scheduler


def run_blocking(app: Flask) -> None:
    """`flask pm scheduler`: take the lock, catch up missed periods, then run jobs until stopped."""
    stop_embedded()  # this process is the scheduler now
    lock = SchedulerLock(app)
    lock.acquire()
    try:
        catch_up(utcnow())
        scheduler = build_scheduler(app, BlockingScheduler)

        def _terminate(signum, frame):  # SIGTERM from systemd/docker: let a running job finish
            logger.info("scheduler received signal %s; stopping", signum)
            scheduler.shutdown(wait=True)

        signal.signal(signal.SIGTERM, _terminate)
        logger.info("scheduler started with jobs: %s", ", ".join(spec.id for spec in JOBS))
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            logger.info("scheduler stopped")
    finally:
        lock.release()


_embedded: tuple[BackgroundScheduler, SchedulerLock, Flask, threading.Thread] | None = None


def _in_other_cli_command() -> bool:
    """True while a `flask` command other than `run` loads the app (`flask db upgrade`, `flask pm ...`)."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.info_name != "run"


def maybe_start_embedded(app: Flask) -> BackgroundScheduler | None:
    """Start a BackgroundScheduler in this process when SCHEDULER_EMBEDDED is set (not under TESTING).

    For `make run` (`flask run --no-reload`, one process); call it once after create_app(). Returns
    None when not enabled, when already started, or when another scheduler holds the lock.
    """
    global _embedded
    if not app.config.get("SCHEDULER_EMBEDDED") or app.config.get("TESTING"):
        return None
    if _embedded is not None or _in_other_cli_command():
        return None
    lock = SchedulerLock(app)
    with app.app_context():
        try:
            lock.acquire()
        except SchedulerLockHeld as err:
            logger.warning("embedded scheduler not started: %s", err)
            return None
    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start()
    # Catch up in a thread of its own so that serving starts at once.
    catching_up = threading.Thread(target=_catch_up_in_app, args=(app,), name="pm-catch-up", daemon=True)
    catching_up.start()
    _embedded = (scheduler, lock, app, catching_up)
    atexit.register(stop_embedded)
    logger.info("embedded scheduler started with jobs: %s", ", ".join(spec.id for spec in JOBS))
    return scheduler


def stop_embedded() -> None:
    """Stop the embedded scheduler (waiting for a running job) and release its lock."""
    global _embedded
    if _embedded is None:
        return
    scheduler, lock, app, catching_up = _embedded
    _embedded = None
    catching_up.join()
    if scheduler.running:
        scheduler.shutdown(wait=True)
    with app.app_context():
        lock.release()
