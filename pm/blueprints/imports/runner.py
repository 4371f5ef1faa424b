"""台账导入任务: the commit boundary of an import job, inline or in a background thread.

The service (pm.services.imports.jobs.run_import) flushes only; here progress checkpoints are committed so
the browser can poll them, and the registry writes are committed once at the end. Any failure rolls
the writes back and leaves the job FAILED with a message: nothing is half imported.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from pm.errors import DomainError
from pm.extensions import db
from pm.models import ImportJob
from pm.services.imports import jobs

logger = logging.getLogger(__name__)


def run_job(job_id: int) -> None:
    """Run one import job to its end in the current app context and session."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.is_finished:
        return
    try:
        jobs.run_import(job, checkpoint=db.session.commit, max_rows=current_app.config["IMPORT_MAX_ROWS"],
                        max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the job must end FAILED, not hang
        db.session.rollback()
        if isinstance(exc, DomainError):
            logger.warning("import job %r failed: %s", job_id, exc)
        else:
            logger.exception("import job %r failed", job_id)
        job = db.session.get(ImportJob, job_id)
        jobs.mark_failed(job, exc)
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
