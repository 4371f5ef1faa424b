"""考核结果的运用: the county's ladder settings (末位/阈值, steps) and year weights, ladder steps taken when a month is
published, and year-end items (年终考核加减分)."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pm.extensions import db
from pm.models.assessments import POINTS, UnitKind
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class LadderStep(enum.StrEnum):
    COMMENDED = "commended"  # 通报表扬 (top group)
    CRITICISM = "criticism"  # 通报批评 (first month at the bottom)
    YELLOW_CARD = "yellow_card"  # 黄牌警告 (second consecutive month)
    INTERVIEW = "interview"  # 约谈 (third and later; the service provider is flagged for replacement)


DEFAULT_STEPS = [LadderStep.CRITICISM.value, LadderStep.YELLOW_CARD.value, LadderStep.INTERVIEW.value]


class AssessmentSettings(db.Model):
    """One county's ladder (bottom group size and/or threshold, top group size, the steps in order) and the
    weights of the months in the year-end result (None: equal)."""

    __tablename__ = "assessment_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), unique=True)
    bottom_size: Mapped[int] = mapped_column(Integer, default=1)
    top_size: Mapped[int] = mapped_column(Integer, default=1)
    threshold: Mapped[Decimal | None] = mapped_column(POINTS)
    steps: Mapped[list] = mapped_column(JSON, default=lambda: list(DEFAULT_STEPS))
    month_weights: Mapped[dict | None] = mapped_column(JSON)  # {"01": 8.5, ..., "12": 8.5} summing to 100
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentLadderStepRecord(db.Model):
    """A step of the ladder a unit took in a published month, with the notices sent."""

    __tablename__ = "assessment_ladder_steps"
    __table_args__ = (UniqueConstraint("period_id", "unit_kind", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("assessment_periods.id"), index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    score_id: Mapped[int] = mapped_column(ForeignKey("assessment_scores.id"))
    unit_kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    unit_id: Mapped[int] = mapped_column(Integer)
    unit_name: Mapped[str] = mapped_column(String(120))
    street_id: Mapped[int] = mapped_column(ForeignKey("street_offices.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    step: Mapped[LadderStep] = mapped_column(str_enum(LadderStep))
    level: Mapped[int] = mapped_column(Integer, default=0)  # consecutive months at the bottom (0: commended)
    replace_provider: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[Decimal] = mapped_column(POINTS)
    rank: Mapped[int] = mapped_column(Integer)
    notified: Mapped[list] = mapped_column(JSON, default=list)  # user ids the notice went to
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentYearItem(db.Model):
    """年终考核项目: points a county adds to (or deducts from) a unit's year, with the reason."""

    __tablename__ = "assessment_year_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    unit_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int] = mapped_column(ForeignKey("street_offices.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    points: Mapped[Decimal] = mapped_column(POINTS)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentProblemTotal(db.Model):
    """A published month's deductions by street and category (主要问题), written once when it is published so
    that the county's and streets' bulletins read a few hundred rows instead of every line."""

    __tablename__ = "assessment_problem_totals"
    __table_args__ = (UniqueConstraint("period_id", "street_id", "category_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("assessment_periods.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street_offices.id"))
    category_name: Mapped[str] = mapped_column(String(80))
    lines: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(Integer)
    points_lost: Mapped[Decimal] = mapped_column(Numeric(10, 2))
