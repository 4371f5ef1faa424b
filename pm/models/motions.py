"""业主表决事项: owner motions of a compound (ordinary, special, property service, common-part income) and unit
consent for elevator retrofits (加装电梯) with its cost-sharing table by floor (费用共担). Voted through the vote
engine (pm.models.votes.Decision); the county's settings for elevator consent live in MotionPolicy."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.registry import Compound, Household, Unit
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class MotionKind(enum.StrEnum):
    ORDINARY = "ordinary"  # 一般事项: > 1/2 of the participating area and heads
    SPECIAL = "special"  # 重大事项: ≥ 3/4 of the participating area and heads
    PROPERTY_SERVICE = "property_service"  # 选聘、解聘物业服务企业 (art. 278: > 1/2)
    COMMON_INCOME = "common_income"  # 利用共有部分经营及其收益 (art. 278: ≥ 3/4)
    ELEVATOR = "elevator"  # 加装电梯: the owners of one unit, ≥ 3/4


class MotionStatus(enum.StrEnum):
    DRAFT = "draft"  # 草稿
    PUBLICITY = "publicity"  # 公示中
    VOTING = "voting"  # 表决中
    CLOSED = "closed"  # 已公布结果
    CANCELLED = "cancelled"  # 已撤销


class Motion(db.Model):
    """表决事项 of one compound (an elevator motion: of one unit), filed by the owners' committee (or the community /
    street office where the compound has none)."""

    __tablename__ = "motions"
    __table_args__ = (
        CheckConstraint("total_cost_fen IS NULL OR total_cost_fen > 0", name="cost_positive"),
        CheckConstraint("kind <> 'elevator' OR unit_id IS NOT NULL", name="elevator_unit"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # elevator: the unit voting
    kind: Mapped[MotionKind] = mapped_column(str_enum(MotionKind))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MotionStatus] = mapped_column(str_enum(MotionStatus), default=MotionStatus.DRAFT)
    total_cost_fen: Mapped[int | None] = mapped_column(BigInteger)  # elevator: the cost shared by the unit
    cost_by_area: Mapped[bool] = mapped_column(Boolean, default=False)  # weight = coefficient × area (county)
    consent_required: Mapped[bool] = mapped_column(Boolean, default=False)  # every affected household must agree
    publicity_from: Mapped[date | None] = mapped_column(Date)
    publicity_until: Mapped[date | None] = mapped_column(Date)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the result was published (closed)

    compound: Mapped[Compound] = relationship()
    unit: Mapped[Unit | None] = relationship()
    coefficients: Mapped[list[MotionCoefficient]] = relationship(
        order_by="MotionCoefficient.floor", cascade="all, delete-orphan")
    affected: Mapped[list[MotionAffected]] = relationship(cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Motion {self.id} {self.kind} {self.status}>"


class MotionCoefficient(db.Model):
    """费用共担系数 of one floor of an elevator motion (positive)."""

    __tablename__ = "motion_coefficients"
    __table_args__ = (CheckConstraint("coefficient > 0", name="coefficient_positive"),)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), primary_key=True)
    floor: Mapped[int] = mapped_column(Integer, primary_key=True)
    coefficient: Mapped[Decimal] = mapped_column(Numeric(8, 3))


class MotionAffected(db.Model):
    """A household directly affected by an elevator (e.g. ground and first floor), whose consent the county may
    require."""

    __tablename__ = "motion_affected"
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)

    household: Mapped[Household] = relationship()


class MotionShare(db.Model):
    """One household's part of the elevator cost, fixed when the motion is published (公示)."""

    __tablename__ = "motion_shares"
    __table_args__ = (CheckConstraint("share_fen >= 0", name="share_nonnegative"),)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    floor: Mapped[int] = mapped_column(Integer)
    coefficient: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    share_fen: Mapped[int] = mapped_column(BigInteger)

    household: Mapped[Household] = relationship()


class MotionPolicy(db.Model):
    """The county's settings for elevator motions."""

    __tablename__ = "motion_policies"
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), primary_key=True)
    affected_consent: Mapped[bool] = mapped_column(Boolean, default=False)  # 受直接影响的住户须全部同意
    cost_by_area: Mapped[bool] = mapped_column(Boolean, default=False)  # 分摊 = 楼层系数 × 建筑面积
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
