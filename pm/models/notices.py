"""公告/公示: notices to a compound, a building or a unit, with attachments and who has read them (per household)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.types import PhotoMixin, UTCDateTime, str_enum
from pm.timeutil import utcnow


class NoticeKind(enum.StrEnum):
    NOTICE = "notice"  # 公告
    PUBLICITY = "publicity"  # 公示 (with a publicity period)


class Notice(db.Model):
    """One notice. compound_id is the scope; building_id / unit_id narrow the audience. A notice posted by another
    feature (a plan in publicity, a statement) links to its page and names its source. A street notice (an
    assessment bulletin) has no compound but a street_id: only officials and station staff of that street see it."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
        Index("ix_notices_compound_starts", "compound_id", "starts_on", "id"),
        Index("ix_notices_source", "source", "source_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street_offices.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind), default=NoticeKind.NOTICE)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    link: Mapped[str | None] = mapped_column(String(300))  # the source's own page (its content stays there)
    source: Mapped[str | None] = mapped_column(String(32))  # "plan", "statement", "election", "assessment"
    source_id: Mapped[int | None] = mapped_column(Integer)
    # A notice the system words (a plan's 公示): {"title": msgid+params, "body": ...}, shown in the reader's language.
    message: Mapped[dict | None] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[NoticeAttachment]] = relationship(order_by="NoticeAttachment.id",
                                                                cascade="all, delete-orphan")


class NoticeAttachment(PhotoMixin, db.Model):
    __tablename__ = "notice_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class NoticeRead(db.Model):
    """A household has read a notice (the first of its people to open it)."""

    __tablename__ = "notice_reads"
    __table_args__ = (UniqueConstraint("notice_id", "household_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
