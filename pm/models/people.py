"""业主与住户: persons, ownerships (with history) and residencies of households."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.org import Household
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class Person(db.Model):
    """A natural person, or an organisation (developer, selling work-unit) that owns dwellings."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    is_organisation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class OwnershipEnd(enum.StrEnum):
    SALE = "sale"  # 转让
    DEMOLITION = "demolition"  # 灭失
    CORRECTION = "correction"  # 登记更正


class Ownership(db.Model):
    """产权: a person owns a household from started_on until ended_on (null while current)."""

    __tablename__ = "ownerships"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="period"),
        Index("ix_ownerships_household_current", "household_id", "ended_on"),
        Index("ix_ownerships_person_current", "person_id", "ended_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[OwnershipEnd | None] = mapped_column(str_enum(OwnershipEnd))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    household: Mapped[Household] = relationship()
    person: Mapped[Person] = relationship()

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Relation(enum.StrEnum):
    FAMILY = "family"  # 家庭成员
    TENANT = "tenant"  # 租户
    OTHER = "other"


class Residency(db.Model):
    """住户: a person who lives in a household without owning it (family member, tenant)."""

    __tablename__ = "residencies"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="period"),
        Index("ix_residencies_household_current", "household_id", "ended_on"),
        Index("ix_residencies_person_current", "person_id", "ended_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    relation: Mapped[Relation] = mapped_column(str_enum(Relation))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    household: Mapped[Household] = relationship()
    person: Mapped[Person] = relationship()
