"""联席会议: joint meetings of the four bodies and the action items (督办事项) their decisions become."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.types import PhotoMixin, UTCDateTime, str_enum
from pm.timeutil import utcnow


class BodyKind(enum.StrEnum):
    """The four bodies of 四位一体, named by the node they belong to (community, compound or station id)."""

    PARTY_BRANCH = "party_branch"  # 社区党组织 (its community)
    RESIDENTS_COMMITTEE = "residents_committee"  # 居委会 (its community)
    OWNERS_COMMITTEE = "owners_committee"  # 业委会 or 物业管理委员会 (its compound)
    STATION = "station"  # 物业服务站 (its station)


class ItemStatus(enum.StrEnum):
    OPEN = "open"  # 待办
    REPORTED = "reported"  # 已报告完成，待召集人确认
    CONFIRMED = "confirmed"  # 召集人确认办结


class JointMeeting(db.Model):
    """One joint meeting of a community (compound_id null) or about one compound of it."""

    __tablename__ = "joint_meetings"
    __table_args__ = (Index("ix_joint_meetings_community_held", "community_id", "held_on"),
                      Index("ix_joint_meetings_compound_held", "compound_id", "held_on"))
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"))
    held_on: Mapped[date] = mapped_column(Date)
    convener_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topics: Mapped[str] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    convener: Mapped[User] = relationship()
    attendees: Mapped[list[MeetingAttendee]] = relationship(order_by="MeetingAttendee.id",
                                                            cascade="all, delete-orphan")
    attachments: Mapped[list[MeetingAttachment]] = relationship(order_by="MeetingAttachment.id",
                                                                cascade="all, delete-orphan")
    items: Mapped[list[ActionItem]] = relationship(back_populates="meeting", order_by="ActionItem.id")


class MeetingAttendee(db.Model):
    """Who attended for one body (names as the minutes give them)."""

    __tablename__ = "meeting_attendees"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meetings.id"), index=True)
    body_kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind))
    body_id: Mapped[int] = mapped_column(Integer)
    names: Mapped[str] = mapped_column(String(400))


class MeetingAttachment(PhotoMixin, db.Model):
    """A file of the meeting (minutes scan, sign-in sheet, photo)."""

    __tablename__ = "meeting_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meetings.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class ActionItem(db.Model):
    """A decision to carry out: a responsible body and person, a deadline; reported done, confirmed by the
    convener. Overdue is computed at read time (is_overdue)."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_status_due", "status", "due_on"),
                      CheckConstraint("responsible_id > 0", name="responsible_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("joint_meetings.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)  # for scoping
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    decision: Mapped[str] = mapped_column(Text)
    responsible_kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind))
    responsible_id: Mapped[int] = mapped_column(Integer)  # community, compound or station id per the kind
    responsible_name: Mapped[str] = mapped_column(String(120))
    person_name: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus), default=ItemStatus.OPEN)
    report_note: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[JointMeeting] = relationship(back_populates="items")
    evidence: Mapped[list[ActionEvidence]] = relationship(order_by="ActionEvidence.id", cascade="all, delete-orphan")
    returns: Mapped[list[ActionItemReturn]] = relationship(order_by="ActionItemReturn.id", cascade="all, delete-orphan")

    def is_overdue(self, today: date) -> bool:
        return self.status == ItemStatus.OPEN and self.due_on < today


class ActionEvidence(PhotoMixin, db.Model):
    """Evidence that an action item was done (a photo or PDF)."""

    __tablename__ = "action_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class ActionItemReturn(db.Model):
    """The convener sent a reported item back (退回重办): the reason, who and when, and the report it answered
    (the responsible person's note as typed). The item's own report_note is never altered by a return.
    Rows recovered by migration 0028 from notes that had "退回：…" appended have no returned_at/by."""

    __tablename__ = "action_item_returns"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id"), index=True)
    reason: Mapped[str] = mapped_column(String(400))
    report_note: Mapped[str | None] = mapped_column(Text)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    returned_by: Mapped[User | None] = relationship()
