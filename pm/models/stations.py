"""物业服务站: the property service station that keeps one or more compounds, its four teams (四支队伍), their
daily work logs (工作日志) and patrol routes with check-ins (巡查打卡)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.governance import PropertyFirm
from pm.models.registry import Community, Compound
from pm.models.types import PhotoMixin, UTCDateTime, str_enum
from pm.timeutil import utcnow

if TYPE_CHECKING:  # accounts imports this module (a user may be bound to a station)
    from pm.models.accounts import User

station_compounds = Table(
    "station_compounds",
    db.metadata,
    Column("station_id", ForeignKey("stations.id"), primary_key=True),
    Column("compound_id", ForeignKey("compounds.id"), primary_key=True, index=True),
)


class Station(db.Model):
    """A property service station, run by a property firm or the street's service company."""

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    operator: Mapped[str | None] = mapped_column(String(120))  # a copy of the firm's name (written from firm_id)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("property_firms.id"), index=True)  # 物业企业
    phone: Mapped[str | None] = mapped_column(String(32))

    community: Mapped[Community] = relationship()
    firm: Mapped[PropertyFirm | None] = relationship()
    compounds: Mapped[list[Compound]] = relationship(secondary=station_compounds, order_by="Compound.name")

    def __repr__(self) -> str:
        return f"<Station {self.id} {self.name}>"


class TeamKind(enum.StrEnum):
    """四支队伍."""

    CLEANING = "cleaning"  # 保洁
    SECURITY = "security"  # 保安
    MAINTENANCE = "maintenance"  # 运维
    ORDER = "order"  # 治安


team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("teams.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Team(db.Model):
    """One of a station's four teams, with its staff (station accounts)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("station_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    kind: Mapped[TeamKind] = mapped_column(str_enum(TeamKind))
    name: Mapped[str | None] = mapped_column(String(80))  # None: the kind's label, in the reader's language

    station: Mapped[Station] = relationship()
    members: Mapped[list[User]] = relationship("User", secondary=team_members, order_by="User.display_name")

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.kind}>"


class Shift(enum.StrEnum):
    """班次."""

    MORNING = "morning"  # 早班
    MIDDAY = "midday"  # 中班
    EVENING = "evening"  # 晚班
    FULL_DAY = "full_day"  # 全天


class CheckinStatus(enum.StrEnum):
    OK = "ok"  # 正常
    PROBLEM = "problem"  # 有问题


class WorkLog(db.Model):
    """工作日志: one team's log for one date and shift."""

    __tablename__ = "work_logs"
    __table_args__ = (
        UniqueConstraint("team_id", "log_on", "shift"),
        Index("ix_work_logs_station_day", "station_id", "log_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    log_on: Mapped[date] = mapped_column(Date)
    shift: Mapped[Shift] = mapped_column(str_enum(Shift))
    content: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team: Mapped[Team] = relationship()
    station: Mapped[Station] = relationship()
    author: Mapped[User] = relationship()
    photos: Mapped[list[WorkLogPhoto]] = relationship(order_by="WorkLogPhoto.id", cascade="all, delete-orphan")


class WorkLogPhoto(PhotoMixin, db.Model):
    __tablename__ = "work_log_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("work_logs.id"), index=True)


class PatrolRoute(db.Model):
    """巡查路线: a station's route with ordered check points."""

    __tablename__ = "patrol_routes"
    __table_args__ = (UniqueConstraint("station_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    station: Mapped[Station] = relationship()
    points: Mapped[list[PatrolPoint]] = relationship(order_by="PatrolPoint.position", back_populates="route")


class PatrolPoint(db.Model):
    """巡查点位 on a route, in order."""

    __tablename__ = "patrol_points"
    __table_args__ = (UniqueConstraint("route_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_routes.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))

    route: Mapped[PatrolRoute] = relationship(back_populates="points")


class PatrolCheckin(db.Model):
    """打卡: a staff member at a point on a day (local date), with an optional photo and note."""

    __tablename__ = "patrol_checkins"
    __table_args__ = (Index("ix_patrol_checkins_route_day", "route_id", "checked_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("patrol_routes.id"))
    point_id: Mapped[int] = mapped_column(ForeignKey("patrol_points.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[CheckinStatus] = mapped_column(str_enum(CheckinStatus))
    note: Mapped[str | None] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(300))
    photo_type: Mapped[str | None] = mapped_column(String(40))
    # The repair request (报修) this check-in filed. No foreign key: repair_requests comes from a sibling
    # migration branch (0004) whose order relative to this one is not fixed yet.
    repair_request_id: Mapped[int | None] = mapped_column(Integer, index=True)

    point: Mapped[PatrolPoint] = relationship()
    user: Mapped[User] = relationship()
