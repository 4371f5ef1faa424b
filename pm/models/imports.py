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
    WRITING = "writing"
    DONE = "done"
    REJECTED = "rejected"  # validation found bad rows; nothing imported
    FAILED = "failed"  # unexpected error; nothing imported


class ImportJob(db.Model):
    """One upload; errors lists every bad cell, counts what was created/updated/unchanged."""

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

    compound: Mapped[Compound] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
