"""台账导入任务: running an import job (its commit boundary, inline or in a thread) and the daily housekeeping."""
# An import job commits its progress checkpoints so the browser can poll them, and the registry writes once
# at the end; any failure rolls the writes back and leaves the job FAILED with a message: nothing is half
# imported. The housekeeping (old upload files, imports stuck mid-way) acts on the whole database for no
# user, so it is not filtered by a scope; every change it makes is audit-logged with no actor.
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import and_, or_, select

from pm.errors import DomainError
from pm.extensions import db
from pm.models import Compound, ImportJob, ImportStatus
from pm.services import audit
from pm.services.imports import jobs, slots
from pm.services.imports.messages import M_PLAN_EXPIRED
from pm.services.repairs import importing as repair_imports
from pm.services.text import N_

logger = logging.getLogger(__name__)

UPLOAD_RETENTION = timedelta(days=1)
STUCK_AFTER = jobs.STALL_AFTER  # the page calls such a job interrupted; the housekeeping fails it
STUCK_MESSAGE = N_("导入超过 1 小时仍未完成（服务可能曾中断），已标记为失败，未导入任何数据，请重新上传")
IN_PROGRESS = slots.RUNNING
FINISHED = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED, ImportStatus.EXPIRED)


# -- running one import -----------------------------------------------------------------------------
def run_job(job_id: int) -> None:
    """Run one import job's next step to its end in the current app context and session: the dry run of a
    new upload (ends PLANNED or REJECTED), or the write of a confirmed one. Its slot is released at the end."""
    job = db.session.get(ImportJob, job_id)
    if job is None or not job.is_running:
        return
    config = current_app.config
    limits = {"max_rows": config["IMPORT_MAX_ROWS"], "max_bytes": config["MAX_CONTENT_LENGTH"]}
    try:
        if job.status == ImportStatus.CONFIRMED:
            jobs.run_write(job, checkpoint=db.session.commit, **limits)
        else:
            jobs.run_dry_run(job, checkpoint=db.session.commit, plan_ttl=config["IMPORT_PLAN_TTL"], **limits)
        slots.release(job_id)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the job must end FAILED, not hang
        db.session.rollback()
        if isinstance(exc, DomainError):
            logger.warning("import job %r failed: %s", job_id, exc)
        else:
            logger.exception("import job %r failed", job_id)
        job = db.session.get(ImportJob, job_id)
        jobs.mark_failed(job, exc)
        slots.release(job_id)
        db.session.commit()


def _thread_main(app: Flask, job_id: int) -> None:
    with app.app_context():  # its own app context, hence its own database session
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def start(job_id: int) -> threading.Thread | None:
    """Run the job in a background thread when IMPORT_ASYNC, else right now (tests, CLI)."""
    if not current_app.config.get("IMPORT_ASYNC", True):
        run_job(job_id)
        return None
    app = current_app._get_current_object()
    thread = threading.Thread(target=_thread_main, args=(app, job_id), name=f"import-{job_id}", daemon=True)
    thread.start()
    return thread


# -- housekeeping -----------------------------------------------------------------------------------
def _resolve(stored_path: str, upload_dir: Path) -> Path | None:
    """The file of a stored path (absolute, or relative to UPLOAD_DIR); None if it lies outside UPLOAD_DIR."""
    path = Path(stored_path)
    if not path.is_absolute():
        path = upload_dir / path
    path = path.resolve()
    return path if path.is_relative_to(upload_dir) else None


def housekeeping(now: datetime) -> dict[str, int]:
    """Delete upload files of imports finished over a day before `now`; fail imports stuck over an hour; delete the
    historical-repair dry runs nobody committed within a day (their files are kept in the row)."""
    upload_dir = Path(current_app.config["UPLOAD_DIR"]).resolve()
    counts = {"stuck_failed": 0, "plans_expired": 0, "files_deleted": 0, "files_missing": 0, "files_outside_upload_dir": 0,
              "repair_dry_runs_purged": repair_imports.purge_stale(now)}

    stuck = db.session.scalars(
        select(ImportJob)
        .where(ImportJob.status.in_(IN_PROGRESS), ImportJob.created_at < now - STUCK_AFTER)
        .order_by(ImportJob.id)
    ).all()
    for job in stuck:
        old_status = job.status
        job.status = ImportStatus.FAILED
        job.message = STUCK_MESSAGE
        job.finished_at = now
        audit.record(
            "import.expire", job, actor=None,
            changes={"status": [old_status, ImportStatus.FAILED], "message": [None, STUCK_MESSAGE]},
            place=db.session.get(Compound, job.compound_id),
        )
        counts["stuck_failed"] += 1

    expired = db.session.scalars(
        select(ImportJob)
        .where(ImportJob.status == ImportStatus.PLANNED, or_(ImportJob.expires_at.is_(None), ImportJob.expires_at <= now))
        .order_by(ImportJob.id)
    ).all()
    for job in expired:
        job.status = ImportStatus.EXPIRED
        job.message = M_PLAN_EXPIRED
        job.finished_at = now
        audit.record("import.expire", job, actor=None,
                     changes={"status": [ImportStatus.PLANNED, ImportStatus.EXPIRED], "message": [None, M_PLAN_EXPIRED]},
                     place=db.session.get(Compound, job.compound_id))
        counts["plans_expired"] += 1

    cutoff = now - UPLOAD_RETENTION
    old = db.session.scalars(
        select(ImportJob)
        .where(
            ImportJob.status.in_(FINISHED),
            ImportJob.stored_path.is_not(None),
            or_(ImportJob.finished_at < cutoff, and_(ImportJob.finished_at.is_(None), ImportJob.created_at < cutoff)),
        )
        .order_by(ImportJob.id)
    ).all()
    for job in old:
        path = _resolve(job.stored_path, upload_dir)
        if path is None:
            # Never delete outside the upload directory, whatever a row says.
            logger.warning("import %r stores a file outside UPLOAD_DIR: %r", job, job.stored_path)
            counts["files_outside_upload_dir"] += 1
            continue
        if path.exists():
            # A failure here aborts the run; the database is rolled back and the next run retries.
            path.unlink()
            counts["files_deleted"] += 1
        else:
            counts["files_missing"] += 1
        audit.record(
            "import.purge_file", job, actor=None, changes={"stored_path": [job.stored_path, None]},
            place=db.session.get(Compound, job.compound_id),
        )
        job.stored_path = None
    db.session.flush()
    logger.info("import housekeeping as of %s: %r", now.isoformat(), counts)
    return counts
