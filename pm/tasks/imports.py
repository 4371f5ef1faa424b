"""台账导入清理: daily housekeeping of registry imports (old upload files, imports stuck mid-way).

A system job: it acts on the whole database, on behalf of no user, so it is not filtered by a
user's scope; every change it makes is audit-logged with no actor.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select

from pm.extensions import db
from pm.models import Compound, ImportJob, ImportStatus
from pm.services import audit
from pm.services.text import N_

logger = logging.getLogger(__name__)

UPLOAD_RETENTION = timedelta(days=1)
STUCK_AFTER = timedelta(hours=1)
STUCK_MESSAGE = N_("导入超过 1 小时仍未完成（服务可能曾中断），已标记为失败，未导入任何数据，请重新上传")
IN_PROGRESS = (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.WRITING)
FINISHED = (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)


def _resolve(stored_path: str, upload_dir: Path) -> Path | None:
    """The file of a stored path (absolute, or relative to UPLOAD_DIR); None if it lies outside UPLOAD_DIR."""
    path = Path(stored_path)
    if not path.is_absolute():
        path = upload_dir / path
    path = path.resolve()
    return path if path.is_relative_to(upload_dir) else None


def housekeeping(now: datetime) -> dict[str, int]:
    """Delete upload files of imports finished over a day before `now`; fail imports stuck over an hour."""
    upload_dir = Path(current_app.config["UPLOAD_DIR"]).resolve()
    counts = {"stuck_failed": 0, "files_deleted": 0, "files_missing": 0, "files_outside_upload_dir": 0}

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
