"""物业服务站: the property service station that keeps one or more compounds."""
from __future__ import annotations

import enum

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.org import Community, Compound
from pm.models.types import str_enum

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
    operator: Mapped[str | None] = mapped_column(String(120))  # 物业企业 / 街道物业服务公司
    phone: Mapped[str | None] = mapped_column(String(32))

    community: Mapped[Community] = relationship()
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
    name: Mapped[str] = mapped_column(String(80))

    station: Mapped[Station] = relationship()
    members: Mapped[list["User"]] = relationship("User", secondary=team_members, order_by="User.display_name")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.kind}>"
