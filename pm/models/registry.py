"""台账: the organisation tree county → street → community → compound → building → unit → household, and the
persons who own (业主) or live in (住户) its households, with history."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.types import UTCDateTime, str_enum
from pm.timeutil import utcnow


class RenovationClass(enum.StrEnum):
    """改造类别."""

    BASIC = "basic"  # 基础类
    IMPROVE = "improve"  # 完善类
    UPGRADE = "upgrade"  # 提升类


class ManagementMode(enum.StrEnum):
    """管理模式 of a compound after renovation."""

    PROFESSIONAL = "professional"  # 专业物业
    QUASI = "quasi"  # 准物业 (street service company)
    COMMITTEE = "committee"  # 居委会托管
    SELF = "self"  # 业主自治
    UNIT = "unit"  # 单位自管 (seed 000 counts these separately)


class HouseholdStatus(enum.StrEnum):
    ACTIVE = "active"
    DEMOLISHED = "demolished"  # 灭失: demolished or expropriated


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class County(TimestampMixin, db.Model):
    """县: the top of the tree; a deployment usually serves one."""

    __tablename__ = "counties"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)

    streets: Mapped[list[StreetOffice]] = relationship(back_populates="county", order_by="StreetOffice.name")

    def __repr__(self) -> str:
        return f"<County {self.id} {self.name}>"


class StreetOffice(TimestampMixin, db.Model):
    """街道办事处 (with its 物业管理办公室)."""

    __tablename__ = "street_offices"
    __table_args__ = (UniqueConstraint("county_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))

    county: Mapped[County] = relationship(back_populates="streets")
    communities: Mapped[list[Community]] = relationship(back_populates="street", order_by="Community.name")

    def __repr__(self) -> str:
        return f"<StreetOffice {self.id} {self.name}>"


class Community(TimestampMixin, db.Model):
    """社区 (residents' committee and party branch)."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street_offices.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))

    street: Mapped[StreetOffice] = relationship(back_populates="communities")
    compounds: Mapped[list[Compound]] = relationship(back_populates="community", order_by="Compound.name")

    def __repr__(self) -> str:
        return f"<Community {self.id} {self.name}>"


class Compound(TimestampMixin, db.Model):
    """小区: a residential compound, the unit of renovation and of upkeep."""

    __tablename__ = "compounds"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        CheckConstraint("year_built IS NULL OR (year_built >= 1900 AND year_built <= 2100)", name="year_built"),
        CheckConstraint("household_count IS NULL OR household_count >= 0", name="household_count"),
        CheckConstraint("resident_count IS NULL OR resident_count >= 0", name="resident_count"),
        CheckConstraint("floor_area_m2 IS NULL OR floor_area_m2 >= 0", name="floor_area"),
        CheckConstraint("service_grade >= 1 AND service_grade <= 5", name="service_grade"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(200))
    year_built: Mapped[int | None] = mapped_column(Integer)
    # Surveyed figures (台账); the registry below may be more or less complete than the survey.
    household_count: Mapped[int | None] = mapped_column(Integer)
    resident_count: Mapped[int | None] = mapped_column(Integer)
    floor_area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    renovation_class: Mapped[RenovationClass | None] = mapped_column(str_enum(RenovationClass))
    renovation_year: Mapped[int | None] = mapped_column(Integer)
    management_mode: Mapped[ManagementMode] = mapped_column(str_enum(ManagementMode))
    property_company: Mapped[str | None] = mapped_column(String(120))
    service_grade: Mapped[int] = mapped_column(Integer, default=2)  # 物业服务等级, local standard
    owners_committee_formed_on: Mapped[date | None] = mapped_column(Date)  # 业主委员会成立日期

    community: Mapped[Community] = relationship(back_populates="compounds")
    buildings: Mapped[list[Building]] = relationship(back_populates="compound", order_by="Building.name")
    renovation_items: Mapped[list[RenovationItem]] = relationship(
        back_populates="compound", order_by="RenovationItem.id", cascade="all, delete-orphan"
    )

    @property
    def has_owners_committee(self) -> bool:
        return self.owners_committee_formed_on is not None

    def __repr__(self) -> str:
        return f"<Compound {self.id} {self.name}>"


class RenovationItem(db.Model):
    """改造内容: one renovation item of a compound and its completion."""

    __tablename__ = "renovation_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    is_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_on: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    compound: Mapped[Compound] = relationship(back_populates="renovation_items")


class Building(TimestampMixin, db.Model):
    """楼栋."""

    __tablename__ = "buildings"
    __table_args__ = (
        UniqueConstraint("compound_id", "name"),
        CheckConstraint("floors IS NULL OR (floors >= 1 AND floors <= 120)", name="floors"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    floors: Mapped[int | None] = mapped_column(Integer)
    has_elevator: Mapped[bool] = mapped_column(Boolean, default=False)
    year_built: Mapped[int | None] = mapped_column(Integer)

    compound: Mapped[Compound] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Building {self.id} {self.name}>"


class Unit(db.Model):
    """单元: an entrance/stairwell of a building."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("building_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)  # denormalised for scoping
    name: Mapped[str] = mapped_column(String(40))

    building: Mapped[Building] = relationship(back_populates="units")
    households: Mapped[list[Household]] = relationship(back_populates="unit", order_by="Household.room_no")

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.name}>"


class Household(TimestampMixin, db.Model):
    """户: one dwelling with its registered floor area (the key of its fund sub-account)."""

    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("unit_id", "room_no"),
        CheckConstraint("area_m2 > 0", name="area_positive"),
        CheckConstraint("floor >= -5 AND floor <= 120", name="floor"),
        Index("ix_households_compound_room", "compound_id", "room_no"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)  # denormalised for scoping
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    room_no: Mapped[str] = mapped_column(String(20))
    floor: Mapped[int] = mapped_column(Integer)
    area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    is_sold_public_housing: Mapped[bool] = mapped_column(Boolean, default=False)  # 售后公房/房改房
    status: Mapped[HouseholdStatus] = mapped_column(
        str_enum(HouseholdStatus), default=HouseholdStatus.ACTIVE
    )
    note: Mapped[str | None] = mapped_column(String(200))

    compound: Mapped[Compound] = relationship()
    building: Mapped[Building] = relationship()
    unit: Mapped[Unit] = relationship(back_populates="households")

    @property
    def label(self) -> str:
        """The door number as residents say it: 3号楼2单元501."""
        return f"{self.building.name}{self.unit.name}{self.room_no}"

    def __repr__(self) -> str:
        return f"<Household {self.id} {self.room_no}>"

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
