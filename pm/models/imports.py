"""台账导入: an uploaded registry workbook and the progress of its import."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.registry import Compound
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class ImportStatus(enum.StrEnum):
    PENDING = "pending"
    VALIDATING = "validating"
    PLANNED = "planned"  # the dry run's plan waits for the uploader's confirmation; nothing written yet
    CONFIRMED = "confirmed"  # confirmed, waiting to write
    WRITING = "writing"
    DONE = "done"
    REJECTED = "rejected"  # validation found bad rows; nothing imported
    FAILED = "failed"  # unexpected error; nothing imported
    EXPIRED = "expired"  # the plan was not confirmed in time, or the registry changed since; nothing imported


class ImportJob(db.Model):
    """One upload: first a dry run (its plan: counts and the list of changes, the registry's fingerprint, the
    uploader's scope, an expiry), then, once the uploader confirms, the write. errors lists every bad cell,
    counts what was created/updated/unchanged."""

    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus), default=ImportStatus.PENDING)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list | None] = mapped_column(JSON)
    counts: Mapped[dict | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    plan: Mapped[dict | None] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    scope_key: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    compound: Mapped[Compound] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED, ImportStatus.EXPIRED)

    @property
    def is_running(self) -> bool:
        """Reading, planning or writing (or queued to): the browser polls its progress."""
        return not self.is_finished and self.status != ImportStatus.PLANNED

    @property
    def percent(self) -> int:
        if not self.is_running:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)


class ImportSlot(db.Model):
    """One of the IMPORT_MAX_RUNNING places for an import that reads or writes (shared by all workers): taking
    a slot is inserting its number, which the primary key lets only one job do at a time."""

    __tablename__ = "import_slots"
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id"), unique=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
