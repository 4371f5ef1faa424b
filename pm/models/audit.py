"""审计日志: who did what to which record, when, with the changed values. Append-only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.types import UTCDateTime
from pm.timeutil import utcnow


class AuditLog(db.Model):
    """One audited action. The node columns place it in the tree so admins see only their scope."""

    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_object", "object_type", "object_id"),
        Index("ix_audit_logs_created_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None]
    changes: Mapped[dict | None] = mapped_column(JSON)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street_offices.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    request_id: Mapped[str | None] = mapped_column(String(36))
    ip: Mapped[str | None] = mapped_column(String(45))
    # The API token the call was made with (None on the web, in jobs and the CLI); its name as it was then.
    token_id: Mapped[int | None] = mapped_column(Integer, index=True)
    token_name: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()
