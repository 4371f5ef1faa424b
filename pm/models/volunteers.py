"""网格与志愿者: grids of a community (grid worker, party group, compounds and buildings covered), the volunteer
register residents join, and the hours the community logs."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.registry import Building, Compound, Person
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow

grid_compounds = Table(
    "grid_compounds", db.metadata,
    Column("grid_id", ForeignKey("grids.id"), primary_key=True),
    Column("compound_id", ForeignKey("compounds.id"), primary_key=True, index=True),
)
grid_buildings = Table(
    "grid_buildings", db.metadata,
    Column("grid_id", ForeignKey("grids.id"), primary_key=True),
    Column("building_id", ForeignKey("buildings.id"), primary_key=True, index=True),
)


class VolunteerActivity(enum.StrEnum):
    PATROL = "patrol"  # 治安巡逻
    GARBAGE_SORTING = "garbage_sorting"  # 垃圾分类
    PARKING_GUIDANCE = "parking_guidance"  # 停车引导
    ELDERLY_HELP = "elderly_help"  # 助老服务
    OTHER = "other"


class Grid(db.Model):
    """网格 within a community."""

    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    worker_name: Mapped[str] = mapped_column(String(64))  # 网格员
    worker_phone: Mapped[str | None] = mapped_column(String(20))
    party_group: Mapped[str | None] = mapped_column(String(64))  # 网格党小组
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    compounds: Mapped[list[Compound]] = relationship(secondary=grid_compounds, order_by="Compound.name")
    buildings: Mapped[list[Building]] = relationship(secondary=grid_buildings, order_by="Building.id")


class Volunteer(db.Model):
    """One person registered for one activity in a compound (and the grid covering their home)."""

    __tablename__ = "volunteers"
    __table_args__ = (UniqueConstraint("person_id", "compound_id", "activity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    activity: Mapped[VolunteerActivity] = mapped_column(str_enum(VolunteerActivity))
    joined_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()
    grid: Mapped[Grid | None] = relationship()


class VolunteerHours(db.Model):
    """Hours a volunteer served on a day, logged by the community."""

    __tablename__ = "volunteer_hours"
    __table_args__ = (CheckConstraint("hours > 0 AND hours <= 24", name="hours"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    served_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    note: Mapped[str | None] = mapped_column(String(200))
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer: Mapped[Volunteer] = relationship()
