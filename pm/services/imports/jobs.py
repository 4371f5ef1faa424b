"""导入任务: an upload stored and queued, run (validate everything, then write all or nothing), and its progress."""
from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise, scope_for
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import Compound, ImportJob, ImportStatus, User
from pm.services import audit
from pm.services.imports import preview, slots
from pm.services.imports.messages import (
    E_NOT_SUPPORTED,
    E_XLS,
    M_CANNOT_STORE,
    M_FAILED,
    M_FILE_MISSING,
    M_NOT_PLANNED,
    M_NOT_YOURS,
    M_PLAN_EXPIRED,
    M_REGISTRY_CHANGED,
    M_REJECTED,
    M_SCOPE_CHANGED,
    M_UPLOADER_DISABLED,
    ImportRejected,
    sorted_errors,
)
from pm.services.imports.planning import plan
from pm.services.imports.reading import read_file
from pm.services.imports.snapshot import load_snapshot
from pm.services.imports.validating import parse
from pm.services.imports.writing import apply_plan
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 500  # a file with thousands of bad rows keeps the first 500 (the count is kept too)
STALL_AFTER = timedelta(hours=1)  # an unfinished job this old was interrupted (the housekeeping job fails it)


def file_extension(filename: str | None) -> str:
    """'xlsx' or 'csv' from an upload's name, else DomainError (field 'file')."""
    name = (filename or "").strip().lower()
    if name.endswith(".xls"):
        raise DomainError(E_XLS, field="file")
    for ext in ("xlsx", "csv"):
        if name.endswith("." + ext):
            return ext
    raise DomainError(E_NOT_SUPPORTED, field="file")


def create_job(compound_id: int, upload: Any, *, scope: Scope, actor: User, upload_dir: str,
               max_running: int) -> ImportJob:
    """Store an uploaded file for a compound in the user's scope and queue its dry run, in one of the
    max_running import slots (ImportsBusy when all are taken; the caller commits at once).

    The workbook is stored as uploaded (xlsx and csv are not the images and PDFs the shared store sniffs), under
    a random name, never the user's."""
    authorise(scope, actor, "registry.import")
    compound = scope.get(Compound, compound_id)
    ext = file_extension(getattr(upload, "filename", None))
    folder = os.path.join(upload_dir, "imports")
    stored = os.path.join(folder, f"{uuid.uuid4().hex}.{ext}")
    try:
        os.makedirs(folder, exist_ok=True)
        upload.save(stored)
    except OSError:
        logger.exception("cannot store upload in %s", folder)
        raise DomainError(M_CANNOT_STORE, field="file") from None
    shown_name = os.path.basename(upload.filename.replace("\\", "/").strip())[-200:] or "upload"
    job = ImportJob(
        compound_id=compound.id, user_id=actor.id, filename=shown_name, stored_path=stored,
        status=ImportStatus.PENDING, total_rows=0, processed_rows=0,
    )
    db.session.add(job)
    db.session.flush()
    try:
        slots.acquire(job, limit=max_running, now=utcnow())
    except slots.ImportsBusy:
        os.remove(stored)
        raise
    logger.info("import job %r queued by %r for %r", job.id, actor, compound)
    return job


def _finish(job: ImportJob, status: ImportStatus, *, errors: list | None = None, counts: dict | None = None,
            message: str | None = None) -> None:
    job.status = status
    job.errors = errors
    job.counts = counts
    job.message = message
    job.finished_at = utcnow()
    if status == ImportStatus.DONE:
        job.processed_rows = job.total_rows


def _reject(job: ImportJob, errors: list[dict]) -> None:
    _finish(job, ImportStatus.REJECTED, errors=errors[:MAX_STORED_ERRORS], counts={"error_count": len(errors)},
            message=M_REJECTED)


def _context(job: ImportJob) -> tuple[User, Scope, Compound]:
    """The job acts for its uploader, within the uploader's scope as it is now."""
    actor = job.user
    if not actor.is_active:
        raise Forbidden(M_UPLOADER_DISABLED)
    scope = scope_for(actor)
    authorise(scope, actor, "registry.import")
    return actor, scope, scope.get(Compound, job.compound_id)


def _read(job: ImportJob, max_rows: int, max_bytes: int) -> dict | None:
    """The stored file's tables, or None when the job ended (file gone: FAILED; unreadable: REJECTED)."""
    if not job.stored_path or not os.path.exists(job.stored_path):
        _finish(job, ImportStatus.FAILED, message=M_FILE_MISSING)
        return None
    try:
        return read_file(job.stored_path, max_rows=max_rows, max_bytes=max_bytes)
    except ImportRejected as exc:
        _reject(job, exc.errors)
        return None


def run_dry_run(job: ImportJob, *, checkpoint: Callable[[], None], max_rows: int, max_bytes: int,
                plan_ttl: timedelta, today: date | None = None, now: datetime | None = None) -> None:
    """Read and validate the job's file and plan it against the registry, writing nothing to the registry.

    Ends REJECTED (every error listed) or PLANNED: the plan (counts and changes), the registry's fingerprint,
    the uploader's scope and an expiry are kept for the confirmation. checkpoint() is called after progress
    changes; the caller commits there and once more at the end."""
    today = today or local_today()
    _actor, scope, compound = _context(job)
    job.status = ImportStatus.VALIDATING
    checkpoint()
    tables = _read(job, max_rows, max_bytes)
    if tables is None:
        return
    job.total_rows = sum(len(t.rows) for t in tables.values())
    checkpoint()

    def progress(done: int) -> None:
        job.processed_rows = done
        checkpoint()

    parsed, errors = parse(tables, today=today, progress=progress)
    snap = load_snapshot(compound, scope)
    result, more = plan(parsed, snap, today=today)
    if errors or more:
        _reject(job, sorted_errors(errors + more))
        return
    job.plan = preview.describe(result, parsed, snap, on=today)
    job.fingerprint = preview.fingerprint(snap)
    job.scope_key = preview.scope_key(job.user)
    job.expires_at = (now or utcnow()) + plan_ttl
    job.processed_rows = job.total_rows
    job.status = ImportStatus.PLANNED


def confirm(job_id: int, *, scope: Scope, actor: User, max_running: int, now: datetime | None = None) -> ImportJob:
    """The uploader confirms a dry run: refused (Conflict) when it is not waiting for confirmation, has
    expired, was made under another scope, or the registry changed since; another user's dry run is
    Forbidden; ImportsBusy when every import slot is taken. The job is then CONFIRMED and holds a slot (the
    caller commits at once and runs the write)."""
    now = now or utcnow()
    job = get_job(scope, actor, job_id)
    if job.user_id != actor.id:
        raise Forbidden(M_NOT_YOURS)
    if job.status != ImportStatus.PLANNED:
        raise Conflict(M_NOT_PLANNED)
    if job.scope_key != preview.scope_key(actor):
        raise Conflict(M_SCOPE_CHANGED)
    if is_expired(job, now):
        raise Conflict(M_PLAN_EXPIRED)
    if preview.fingerprint(load_snapshot(scope.get(Compound, job.compound_id), scope)) != job.fingerprint:
        raise Conflict(M_REGISTRY_CHANGED)
    job.status = ImportStatus.CONFIRMED
    job.confirmed_at = now
    db.session.flush()
    slots.acquire(job, limit=max_running, now=now)
    return job


def is_expired(job: ImportJob, now: datetime | None = None) -> bool:
    """A plan past its expiry (the housekeeping then marks it EXPIRED)."""
    return job.status == ImportStatus.PLANNED and (job.expires_at is None or (now or utcnow()) >= job.expires_at)


def run_write(job: ImportJob, *, checkpoint: Callable[[], None], max_rows: int, max_bytes: int) -> None:
    """Write a confirmed job (one transaction): read the file again, check the registry is still the one the
    plan was made on (else EXPIRED, nothing written), plan for the plan's day and write exactly that."""
    actor, scope, compound = _context(job)
    job.status = ImportStatus.WRITING
    checkpoint()
    # From here on one transaction: the fingerprint is checked on the data the write plans on.
    tables = _read(job, max_rows, max_bytes)
    if tables is None:
        return
    on = date.fromisoformat((job.plan or {}).get("on") or local_today().isoformat())
    parsed, errors = parse(tables, today=on)
    snap = load_snapshot(compound, scope)
    if preview.fingerprint(snap) != job.fingerprint or preview.scope_key(actor) != job.scope_key:
        _finish(job, ImportStatus.EXPIRED, message=M_REGISTRY_CHANGED)
        return
    result, more = plan(parsed, snap, today=on)
    if errors or more:
        _reject(job, sorted_errors(errors + more))
        return
    counts = apply_plan(result, compound, actor=actor)
    audit.record("registry.import", compound, actor=actor,
                 changes={"import_job_id": job.id, "filename": job.filename, **counts})
    _finish(job, ImportStatus.DONE, counts=counts)


def mark_failed(job: ImportJob, exc: Exception) -> None:
    """Record why a job failed after its transaction was rolled back (nothing was written)."""
    message = exc.message if isinstance(exc, DomainError) else M_FAILED
    _finish(job, ImportStatus.FAILED, message=message[:400])


def error_count(job: ImportJob) -> int:
    """How many errors a rejected job found (more than are stored when there were very many)."""
    if job.status != ImportStatus.REJECTED:
        return 0
    return int((job.counts or {}).get("error_count", len(job.errors or [])))


def is_stalled(job: ImportJob, now: datetime | None = None) -> bool:
    """A running job this old was interrupted (its transaction was never committed)."""
    return job.is_running and (now or utcnow()) - job.created_at > STALL_AFTER


def job_status(job: ImportJob, now: datetime | None = None) -> dict[str, Any]:
    """The progress of a job as the browser polls it."""
    return {
        "id": job.id,
        "status": job.status.value,
        "percent": job.percent,
        "processed_rows": job.processed_rows,
        "total_rows": job.total_rows,
        "counts": job.counts if job.status == ImportStatus.DONE else None,
        "error_count": error_count(job),
        "finished": not job.is_running,  # (a plan waiting for confirmation is shown, not polled)
        "stalled": is_stalled(job, now),
    }


def get_job(scope: Scope, actor: User, job_id: int) -> ImportJob:
    """A job in scope (NotFound otherwise) for a user who may import."""
    authorise(scope, actor, "registry.import")
    return scope.get(ImportJob, job_id)


def recent_jobs(scope: Scope) -> Select:
    """Import jobs in scope, newest first, with their compound and user loaded (paginated by the caller)."""
    return (scope.select(ImportJob).options(joinedload(ImportJob.compound), joinedload(ImportJob.user))
            .order_by(ImportJob.id.desc()))


def importable_compounds(scope: Scope) -> list[Compound]:
    """Compounds the user may import into (their scope), with the community for a readable label."""
    return list(db.session.scalars(
        scope.select(Compound).options(joinedload(Compound.community)).order_by(Compound.name, Compound.id)
    ))
