"""同时导入的上限: at most IMPORT_MAX_RUNNING imports read or write at once, across every worker and process.

A running import holds one row of import_slots, numbered 0 … limit-1. Taking a slot is inserting its number:
the primary key lets only one job have it, and on PostgreSQL a second worker inserting the same number waits
for the first one's transaction, then fails over to the next number, so the count holds under concurrency
without a table lock. The caller commits right after taking a slot (so other workers see it) and releases it
when the job stops running. Slots of jobs that ended, or taken longer ago than SLOT_STALE_AFTER (a worker
that died mid-import), are freed by the next taker.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import IntegrityError

from pm.errors import DomainError
from pm.extensions import db
from pm.models import ImportJob, ImportSlot, ImportStatus
from pm.services.text import N_

SLOT_STALE_AFTER = timedelta(minutes=30)
RUNNING = (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.CONFIRMED, ImportStatus.WRITING)
M_BUSY = N_("同时进行的导入已达上限（%(limit)s 个），请一两分钟后再试")


class ImportsBusy(DomainError):
    """Every slot is taken: try again shortly (503, with Retry-After)."""

    status = 503
    retry_after = 60


def acquire(job: ImportJob, *, limit: int, now: datetime) -> int:
    """A slot for a running job (its own if it has one), or ImportsBusy. Flushes; the caller commits."""
    db.session.execute(delete(ImportSlot).where(or_(
        ImportSlot.job_id.not_in(select(ImportJob.id).where(ImportJob.status.in_(RUNNING))),
        ImportSlot.taken_at < now - SLOT_STALE_AFTER,
    )).execution_options(synchronize_session=False))
    held = db.session.scalar(select(ImportSlot.slot).where(ImportSlot.job_id == job.id))
    if held is not None:
        return held
    taken = set(db.session.scalars(select(ImportSlot.slot)))
    for number in range(limit):
        if number in taken:
            continue
        try:
            with db.session.begin_nested():
                db.session.execute(insert(ImportSlot).values(slot=number, job_id=job.id, taken_at=now))
        except IntegrityError:
            continue  # another worker took it meanwhile
        return number
    raise ImportsBusy(M_BUSY, field="file", limit=limit)


def release(job_id: int) -> None:
    """Free the job's slot, if it holds one (flushes; the caller commits)."""
    db.session.execute(delete(ImportSlot).where(ImportSlot.job_id == job_id)
                       .execution_options(synchronize_session=False))


def running_count() -> int:
    """How many slots are held now."""
    return len(db.session.scalars(select(ImportSlot.slot)).all())
