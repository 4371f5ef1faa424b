"""物业服务站: the property service station that keeps one or more compounds."""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pm.extensions import db
from pm.models.org import Community, Compound

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
