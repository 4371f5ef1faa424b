"""站内通知: in-app notifications (the bell with an unread count), written by services and jobs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pm.extensions import db
from pm.models.types import UTCDateTime
from pm.timeutil import utcnow


class Notification(db.Model):
    """One message to one user. dedupe_key makes a job's reminder idempotent (one per user and key); a to-do
    (please rate, please re-check) is marked done by the service that does the thing (mark_done)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_kind_subject", "kind", "subject"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(48))  # e.g. fund.low_balance, repair.overdue
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))  # a path inside the app
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    # What the notification is about ("repair:12", "rectification:3"): a to-do is marked done through it.
    subject: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # what it asked for was done (also read then)
    # The title and body as msgids with parameters (pm.services.messages), shown in the reader's language; title and
    # body keep the platform language's text (the API's, and what rows from before messages show).
    message: Mapped[dict | None] = mapped_column(JSON)
