"""督查: inspections (巡查/督查/抽查) with findings, and rectification orders (整改单) closed after re-check."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.assessments import AssessmentSchemeItem
from pm.models.registry import Community, Compound, StreetOffice
from pm.models.stations import PatrolCheckin, Station
from pm.models.types import PhotoMixin, UTCDateTime, str_enum
from pm.timeutil import utcnow


class InspectionLevel(enum.StrEnum):
    """Who inspects and how often (domain.md, inspection cadence)."""

    COMMUNITY_DAILY = "community_daily"  # 社区每日巡查
    STREET_WEEKLY = "street_weekly"  # 街道每周督查
    COUNTY_MONTHLY = "county_monthly"  # 县每月抽查


class TargetKind(enum.StrEnum):
    COMPOUND = "compound"
    STATION = "station"
    COMMUNITY = "community"
    STREET = "street"


class ResponsibleKind(enum.StrEnum):
    """The body that must fix a defect (责任主体)."""

    STATION = "station"  # 物业服务站
    COMMUNITY = "community"  # 社区居委会 (compounds without a station)
    STREET = "street"  # 街道办事处


class OrderSource(enum.StrEnum):
    INSPECTION = "inspection"
    PATROL = "patrol"


class OrderStatus(enum.StrEnum):
    OPEN = "open"  # 待整改
    REPORTED = "reported"  # 已报整改完成，待复查
    RETURNED = "returned"  # 复查未通过，退回重改
    CLOSED = "closed"  # 复查通过，已闭合


class EventKind(enum.StrEnum):
    OPENED = "opened"
    REPORTED = "reported"
    RETURNED = "returned"
    CLOSED = "closed"
    ESCALATED = "escalated"


inspection_inspectors = Table(
    "inspection_inspectors",
    db.metadata,
    Column("inspection_id", ForeignKey("inspections.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class PlaceMixin:
    """Where a record sits in the tree, copied from its target so scoping is one indexed comparison."""

    street_id: Mapped[int] = mapped_column(ForeignKey("street_offices.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)


class Inspection(PlaceMixin, db.Model):
    """巡查/督查/抽查: one inspection of a target on a date by one or more inspectors."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_level_day", "level", "inspected_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[InspectionLevel] = mapped_column(str_enum(InspectionLevel))
    target_kind: Mapped[TargetKind] = mapped_column(str_enum(TargetKind))
    target_name: Mapped[str] = mapped_column(String(120))
    inspected_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    inspectors: Mapped[list[User]] = relationship(secondary=inspection_inspectors, order_by="User.display_name")
    findings: Mapped[list[Finding]] = relationship(order_by="Finding.id", back_populates="inspection")
    street: Mapped[StreetOffice] = relationship()
    community: Mapped[Community | None] = relationship()
    compound: Mapped[Compound | None] = relationship()
    station: Mapped[Station | None] = relationship()


class Finding(db.Model):
    """问题: one defect found, naming an item of the county's assessment scheme and its deduction (exact points)."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    scheme_item_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_scheme_items.id"), index=True)
    deduction: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    photos: Mapped[list[FindingPhoto]] = relationship(order_by="FindingPhoto.id")
    order: Mapped[RectificationOrder | None] = relationship(back_populates="finding", uselist=False)
    item: Mapped[AssessmentSchemeItem | None] = relationship()


class FindingPhoto(PhotoMixin, db.Model):
    __tablename__ = "finding_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)


class RectificationOrder(PlaceMixin, db.Model):
    """整改单: a defect to fix by a deadline, closed only after the inspector re-checks it (闭合管理)."""

    __tablename__ = "rectification_orders"
    __table_args__ = (Index("ix_rectification_orders_status_due", "status", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[OrderSource] = mapped_column(str_enum(OrderSource))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), unique=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_checkins.id"), unique=True)
    responsible_kind: Mapped[ResponsibleKind] = mapped_column(str_enum(ResponsibleKind))
    responsible_name: Mapped[str] = mapped_column(String(120))
    problem: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus), default=OrderStatus.OPEN)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_count: Mapped[int] = mapped_column(Integer, default=0)

    finding: Mapped[Finding | None] = relationship(back_populates="order")
    checkin: Mapped[PatrolCheckin | None] = relationship()
    issued_by: Mapped[User] = relationship()
    events: Mapped[list[RectificationEvent]] = relationship(order_by="RectificationEvent.id", back_populates="order")
    deadlines: Mapped[list[RectificationDeadline]] = relationship(
        order_by="(RectificationDeadline.changed_at, RectificationDeadline.id)", viewonly=True)

    def is_overdue(self, today: date) -> bool:
        """Overdue while the responsible body still owes the fix and the deadline has passed (read time)."""
        return self.status in (OrderStatus.OPEN, OrderStatus.RETURNED) and self.due_on < today


class RectificationEvent(db.Model):
    """One step of an order's timeline (opened, reported with evidence, returned, closed, escalated)."""

    __tablename__ = "rectification_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_orders.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)  # what the actor typed
    message: Mapped[dict | None] = mapped_column(JSON)  # what the system wrote: a msgid and parameters (pm.services.messages)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[RectificationOrder] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    photos: Mapped[list[RectificationPhoto]] = relationship(order_by="RectificationPhoto.id")


class RectificationPhoto(PhotoMixin, db.Model):
    """整改证据: a photo attached to a timeline step (usually the station's report)."""

    __tablename__ = "rectification_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("rectification_events.id"), index=True)


class RectificationDeadline(db.Model):
    """整改期限记录: an order's original deadline and every change of it (who, when, why), so that a past month's
    overdue orders can be rebuilt from the deadlines as they stood at any time."""

    __tablename__ = "rectification_deadlines"
    __table_args__ = (Index("ix_rectification_deadlines_order_changed", "order_id", "changed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_orders.id"))
    due_on: Mapped[date] = mapped_column(Date)
    # Beijing midnight after due_on, in UTC: the instant the order becomes overdue under this deadline (stored so
    # that SQL compares instants on every backend without time-zone arithmetic).
    overdue_from_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    changed_by: Mapped[User | None] = relationship()
