"""月度考核: versioned schemes (量化考核办法), bonus/veto events, monthly periods with scores, lines, appeals and
adjustments."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.accounts import User
from pm.models.types import PhotoMixin, UTCDateTime, str_enum
from pm.timeutil import utcnow

POINTS = Numeric(6, 2)


class UnitKind(enum.StrEnum):
    """Who is assessed (被考核单位): a station, a community (compounds without a station), a street office."""

    STATION = "station"
    COMMUNITY = "community"
    STREET = "street"


class SchemeStatus(enum.StrEnum):
    DRAFT = "draft"  # 草稿: editable
    ACTIVE = "active"  # 已启用 from active_from (a newer active version takes over from its own date)


class ItemSource(enum.StrEnum):
    """Where an item's points come from."""

    FINDING = "finding"  # 检查扣分: per defect, weighted by inspection level
    INDICATOR = "indicator"  # 指标: computed from records
    BONUS = "bonus"  # 加分 (capped)
    VETO = "veto"  # 一票否决


class PeriodStatus(enum.StrEnum):
    OPEN = "open"  # 未计算
    COMPUTED = "computed"  # 已计算（草稿）
    REVIEW = "review"  # 公示中（可申诉）
    DECIDED = "decided"  # 申诉已处理
    PUBLISHED = "published"  # 已发布
    LOCKED = "locked"  # 已锁定


class AppealStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # 申诉成立: the line changes
    REJECTED = "rejected"


class AssessmentScheme(db.Model):
    """量化考核办法: one version of a county's scheme for one kind of unit."""

    __tablename__ = "assessment_schemes"
    __table_args__ = (UniqueConstraint("county_id", "kind", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[SchemeStatus] = mapped_column(str_enum(SchemeStatus), default=SchemeStatus.DRAFT)
    active_from: Mapped[date | None] = mapped_column(Date)
    full_marks: Mapped[Decimal] = mapped_column(POINTS, default=Decimal(100))
    log_delay_days: Mapped[int] = mapped_column(Integer, default=2)  # a log entered later than this does not count
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    categories: Mapped[list[AssessmentCategory]] = relationship(
        order_by="AssessmentCategory.position", back_populates="scheme", cascade="all, delete-orphan")


class AssessmentCategory(db.Model):
    """考核类别 (e.g. 环境卫生/保洁, 20 points): deductions in it never exceed its points."""

    __tablename__ = "assessment_categories"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_schemes.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    max_points: Mapped[Decimal] = mapped_column(POINTS)
    position: Mapped[int] = mapped_column(Integer, default=0)

    scheme: Mapped[AssessmentScheme] = relationship(back_populates="categories")
    items: Mapped[list[AssessmentSchemeItem]] = relationship(
        order_by="AssessmentSchemeItem.position", back_populates="category", cascade="all, delete-orphan")


class AssessmentSchemeItem(db.Model):
    """考核项目: its points, monthly cap and where its points come from (`source` with `params`)."""

    __tablename__ = "assessment_scheme_items"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_schemes.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("assessment_categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    max_points: Mapped[Decimal] = mapped_column(POINTS)
    monthly_cap: Mapped[Decimal | None] = mapped_column(POINTS)
    source: Mapped[ItemSource] = mapped_column(str_enum(ItemSource))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)

    category: Mapped[AssessmentCategory] = relationship(back_populates="items")

    @property
    def cap(self) -> Decimal:
        """The most this item can move a month (its monthly cap, never above its points)."""
        return self.max_points if self.monthly_cap is None else min(self.monthly_cap, self.max_points)


class AssessmentEvent(db.Model):
    """加分/一票否决事件: recorded by an inspector with evidence, against a unit on a day."""

    __tablename__ = "assessment_events"
    __table_args__ = (Index("ix_assessment_events_county_day", "county_id", "happened_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_scheme_items.id"))
    unit_kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    unit_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int] = mapped_column(ForeignKey("street_offices.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    happened_on: Mapped[date] = mapped_column(Date)
    points: Mapped[Decimal] = mapped_column(POINTS)
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[AssessmentSchemeItem] = relationship()
    recorded_by: Mapped[User] = relationship()
    photos: Mapped[list[AssessmentEventPhoto]] = relationship(order_by="AssessmentEventPhoto.id")


class AssessmentEventPhoto(PhotoMixin, db.Model):
    __tablename__ = "assessment_event_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("assessment_events.id"), index=True)


class AssessmentPeriod(db.Model):
    """考核期: one county's month, with the scheme versions it was scored with and its fixed cut-off time."""

    __tablename__ = "assessment_periods"
    __table_args__ = (UniqueConstraint("county_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-11"
    status: Mapped[PeriodStatus] = mapped_column(str_enum(PeriodStatus), default=PeriodStatus.OPEN)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime())
    scheme_ids: Mapped[dict | None] = mapped_column(JSON)  # {"station": 3, ...} once computed
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_ends_on: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentScore(db.Model):
    """A unit's month: total, rank among units of its kind in the county, and its lines."""

    __tablename__ = "assessment_scores"
    __table_args__ = (UniqueConstraint("period_id", "unit_kind", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("assessment_periods.id"))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_schemes.id"))
    unit_kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    unit_id: Mapped[int] = mapped_column(Integer)
    unit_name: Mapped[str] = mapped_column(String(120))
    street_id: Mapped[int] = mapped_column(ForeignKey("street_offices.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    total: Mapped[Decimal] = mapped_column(POINTS)
    rank: Mapped[int] = mapped_column(Integer)
    is_vetoed: Mapped[bool] = mapped_column(Boolean, default=False)

    period: Mapped[AssessmentPeriod] = relationship()
    lines: Mapped[list[AssessmentLine]] = relationship(order_by="AssessmentLine.position", back_populates="score")
    adjustments: Mapped[list[AssessmentAdjustment]] = relationship(order_by="AssessmentAdjustment.id")


class AssessmentLine(db.Model):
    """One line of a score: an item's points this month (negative: deducted, positive: bonus), its rule and the
    records behind it (`refs`: {"findings": [...], "days": [...], "orders": [...], "repairs": {...}})."""

    __tablename__ = "assessment_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("assessment_scores.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_scheme_items.id"))
    category_code: Mapped[str] = mapped_column(String(32))
    category_name: Mapped[str] = mapped_column(String(80))
    item_name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[Decimal] = mapped_column(POINTS)
    computed_points: Mapped[Decimal] = mapped_column(POINTS)  # before an upheld appeal
    rule: Mapped[str] = mapped_column(Text)
    refs: Mapped[dict] = mapped_column(JSON, default=dict)
    change_reason: Mapped[str | None] = mapped_column(Text)

    score: Mapped[AssessmentScore] = relationship(back_populates="lines")
    item: Mapped[AssessmentSchemeItem] = relationship()


class AssessmentAppeal(db.Model):
    """申诉: a unit contests one line of its score during review, with evidence; one appeal per line."""

    __tablename__ = "assessment_appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("assessment_lines.id"), unique=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("assessment_scores.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("assessment_periods.id"), index=True)
    status: Mapped[AppealStatus] = mapped_column(str_enum(AppealStatus), default=AppealStatus.OPEN)
    reason: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[str | None] = mapped_column(Text)
    new_points: Mapped[Decimal | None] = mapped_column(POINTS)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    line: Mapped[AssessmentLine] = relationship()
    score: Mapped[AssessmentScore] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    photos: Mapped[list[AssessmentAppealPhoto]] = relationship(order_by="AssessmentAppealPhoto.id")


class AssessmentAppealPhoto(PhotoMixin, db.Model):
    __tablename__ = "assessment_appeal_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("assessment_appeals.id"), index=True)


class AssessmentAdjustment(db.Model):
    """更正: a correction after publication (the published total stays; the adjustment is shown beside it)."""

    __tablename__ = "assessment_adjustments"
    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("assessment_scores.id"), index=True)
    points: Mapped[Decimal] = mapped_column(POINTS)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
