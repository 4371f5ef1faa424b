"""报事报修: residents' repair requests, their timeline, photos, deadline rules and the working-day calendar."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    LargeBinary,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.registry import Building, Compound, Household, Unit
from pm.models.stations import Station, Team
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class RepairCategory(enum.StrEnum):
    """报修类别 (issue 4: the thirteen categories)."""

    WATER_SUPPLY = "water_supply"  # 供水
    DRAINAGE = "drainage"  # 排水
    POWER = "power"  # 供电
    LIGHTING = "lighting"  # 照明
    ROAD = "road"  # 道路
    ELEVATOR = "elevator"  # 电梯
    DOOR_ACCESS = "door_access"  # 门禁
    LEAK = "leak"  # 墙面/屋面渗漏
    GREENING = "greening"  # 绿化
    GARBAGE = "garbage"  # 垃圾
    ILLEGAL_BUILDING = "illegal_building"  # 违章搭建
    PARKING = "parking"  # 停车
    OTHER = "other"  # 其他


class Urgency(enum.StrEnum):
    """紧急程度."""

    NORMAL = "normal"  # 一般
    URGENT = "urgent"  # 紧急
    EMERGENCY = "emergency"  # 特急 (burst pipe, power cut, gas, people trapped, fire system)


class RepairStatus(enum.StrEnum):
    """工单状态."""

    SUBMITTED = "submitted"  # 已提交
    ACCEPTED = "accepted"  # 已受理
    DISPATCHED = "dispatched"  # 已派单
    IN_PROGRESS = "in_progress"  # 处理中
    COMPLETED = "completed"  # 已完工（待确认）
    CONFIRMED = "confirmed"  # 已确认（已评价）
    CLOSED = "closed"  # 已关闭
    REJECTED = "rejected"  # 不予受理


# Statuses in which the work is still owed (overdue is computed against these at read time).
OPEN_STATUSES = (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED, RepairStatus.DISPATCHED, RepairStatus.IN_PROGRESS)


class PhotoStage(enum.StrEnum):
    FILING = "filing"  # 报修时
    COMPLETION = "completion"  # 完工时


class RepairRequest(db.Model):
    """One repair request (工单), from filing to closing."""

    __tablename__ = "repair_requests"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint("reopen_count >= 0", name="reopen_count"),
        # The station queue: by station, status, then deadline.
        Index("ix_repair_requests_station_status_due", "station_id", "status", "completion_due_at"),
        Index("ix_repair_requests_station_submitted", "station_id", "submitted_at"),
        Index("ix_repair_requests_assignee_status", "assignee_id", "status"),
        Index("ix_repair_requests_phone_submitted", "filer_phone", "submitted_at"),
        Index("ix_repair_requests_ip_submitted", "filer_ip", "submitted_at"),
        # The home pages' counts over an area, read from the indexes alone: open requests by status and compound
        # (with the deadlines and the filer the counts test), the last days' requests per compound (a small area)
        # or by filing time (a county's).
        Index("ix_repair_requests_status_compound_due", "status", "compound_id", "completion_due_at", "response_due_at",
              "onsite_due_at", "filer_user_id"),
        Index("ix_repair_requests_compound_submitted", "compound_id", "submitted_at"),
        Index("ix_repair_requests_submitted_compound", "submitted_at", "compound_id"),
        # 历史工单导入: the previous system's number is unique per station (the import's idempotency key).
        UniqueConstraint("station_id", "external_id", name="uq_repair_requests_station_external"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    # Location: the filer's own household, or a common area (the compound, a building or a unit).
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    location_note: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[RepairCategory] = mapped_column(str_enum(RepairCategory))
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency), default=Urgency.NORMAL)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[RepairStatus] = mapped_column(str_enum(RepairStatus), default=RepairStatus.SUBMITTED)
    # Who filed: an account, or a phone number on the public (QR code) page.
    filer_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    filer_name: Mapped[str | None] = mapped_column(String(64))
    filer_phone: Mapped[str | None] = mapped_column(String(20))
    filer_ip: Mapped[str | None] = mapped_column(String(45))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Timeline (every step also has a RepairEvent row).
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 到场
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    # Deadlines (时限), fixed at filing from the county's rules; a year without a holiday schedule is flagged.
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    onsite_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_deadline_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    is_time_agreed: Mapped[bool] = mapped_column(Boolean, default=False)  # completion at a time agreed with the filer
    completion_note: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 回访
    followup_note: Mapped[str | None] = mapped_column(String(500))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)  # 0 none, 1 community, 2 street office
    needs_fund: Mapped[bool] = mapped_column(Boolean, default=False)  # 需动用维修资金 (shared parts only)
    use_plan_id: Mapped[int | None] = mapped_column(ForeignKey("use_plans.id"))
    # Imported from a previous system (历史工单导入): source "import", its number there and a hash of its row.
    source: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64))
    external_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    compound: Mapped[Compound] = relationship()
    station: Mapped[Station | None] = relationship()
    household: Mapped[Household | None] = relationship()
    building: Mapped[Building | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    filer: Mapped[User | None] = relationship(foreign_keys=[filer_user_id])
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[RepairEvent]] = relationship(back_populates="request", order_by="RepairEvent.id")
    photos: Mapped[list[RepairPhoto]] = relationship(back_populates="request", order_by="RepairPhoto.id")

    @property
    def is_common_area(self) -> bool:
        return self.household_id is None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_response_overdue(self, now: datetime) -> bool:
        """Not yet accepted after the response deadline."""
        return (self.status == RepairStatus.SUBMITTED and self.response_due_at is not None
                and self.response_due_at < now)

    def missed_deadline(self, now: datetime) -> str | None:
        """Which deadline an open request has missed at `now`: "response" (not accepted in time), "onsite" (nobody
        on site in time, emergencies), "completion" — the first missed in that order; None when not overdue."""
        if not self.is_open:
            return None
        if self.is_response_overdue(now):
            return "response"
        if self.status != RepairStatus.IN_PROGRESS and self.onsite_due_at is not None and self.onsite_due_at < now:
            return "onsite"
        if self.completion_due_at is not None and self.completion_due_at < now:
            return "completion"
        return None

    def is_overdue(self, now: datetime) -> bool:
        """超时: still open past the response, on-site or completion deadline (computed at read time)."""
        return self.missed_deadline(now) is not None

    def __repr__(self) -> str:
        return f"<RepairRequest {self.id} {self.status}>"


class RepairEvent(db.Model):
    """One step of a request's timeline (append-only)."""

    __tablename__ = "repair_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # submitted, accepted, dispatched, transferred, ...
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)  # what the actor typed (a reason, a completion note)
    message: Mapped[dict | None] = mapped_column(JSON)  # what the system wrote: a msgid and parameters (pm.services.messages)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[RepairRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class RepairPhoto(db.Model):
    """A photo of a request (at filing or at completion), stored under UPLOAD_DIR."""

    __tablename__ = "repair_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_requests.id"), index=True)
    stage: Mapped[PhotoStage] = mapped_column(str_enum(PhotoStage))
    path: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[RepairRequest] = relationship(back_populates="photos")


class DeadlineRule(db.Model):
    """处理时限: a county's deadlines for a category (or all), an urgency and a service grade (or all).

    The most specific matching row wins; with none, the defaults of domain.md apply (pm.services.repairs).
    """

    __tablename__ = "repair_deadline_rules"
    __table_args__ = (
        UniqueConstraint("county_id", "category", "urgency", "service_grade"),
        CheckConstraint("response_minutes > 0", name="response_positive"),
        CheckConstraint("onsite_minutes IS NULL OR onsite_minutes > 0", name="onsite_positive"),
        CheckConstraint("completion_workdays IS NULL OR completion_workdays > 0", name="workdays_positive"),
        CheckConstraint("completion_hours IS NULL OR completion_hours > 0", name="hours_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    category: Mapped[RepairCategory | None] = mapped_column(str_enum(RepairCategory))  # None: every category
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency))
    service_grade: Mapped[int | None] = mapped_column(Integer)  # None: every grade
    response_minutes: Mapped[int] = mapped_column(Integer)
    onsite_minutes: Mapped[int | None] = mapped_column(Integer)
    # Completion: in working days (calendar-aware) or in clock hours; neither means no completion deadline.
    completion_workdays: Mapped[int | None] = mapped_column(Integer)
    completion_hours: Mapped[int | None] = mapped_column(Integer)


class WorkCalendarDay(db.Model):
    """The county's official schedule (国务院放假安排): a holiday or a make-up working day (调休) that
    overrides the calendar library, or teaches it a year it does not know yet."""

    __tablename__ = "work_calendar_days"
    __table_args__ = (UniqueConstraint("county_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    day: Mapped[date] = mapped_column(Date)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(64))


class RepairPortal(db.Model):
    """The public filing page of a compound, reached by a printed QR code (the token is unguessable)."""

    __tablename__ = "repair_portals"
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), unique=True)
    token: Mapped[str] = mapped_column(String(48), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    compound: Mapped[Compound] = relationship()


class RepairImport(db.Model):
    """历史工单导入: one uploaded file of a compound's historical requests, checked (dry run, status "planned")
    and kept until its uploader commits it (status "done", with the counts). The file is kept in the row so that
    any worker can commit it; the commit checks every row again."""

    __tablename__ = "repair_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once committed
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned, done
    counts: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    compound: Mapped[Compound] = relationship()
