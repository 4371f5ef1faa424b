"""督查规则: who inspects what at which level, where an inspection or order sits, and who answers for it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    Community,
    Compound,
    Inspection,
    InspectionLevel,
    OrderStatus,
    ResponsibleKind,
    Role,
    Station,
    StreetOffice,
    TargetKind,
    User,
    station_compounds,
)
from pm.services.text import check_text
from pm.timeutil import local_today

# Which role inspects at which level, and what it may inspect (domain.md, inspection cadence).
LEVEL_ROLE: dict[InspectionLevel, Role] = {
    InspectionLevel.COMMUNITY_DAILY: Role.COMMUNITY_WORKER,
    InspectionLevel.STREET_WEEKLY: Role.STREET_OFFICER,
    InspectionLevel.COUNTY_MONTHLY: Role.COUNTY_ADMIN,
}
LEVEL_TARGETS: dict[InspectionLevel, tuple[TargetKind, ...]] = {
    InspectionLevel.COMMUNITY_DAILY: (TargetKind.COMPOUND, TargetKind.STATION),
    InspectionLevel.STREET_WEEKLY: (TargetKind.COMPOUND, TargetKind.STATION, TargetKind.COMMUNITY),
    InspectionLevel.COUNTY_MONTHLY: (TargetKind.STREET, TargetKind.COMPOUND),
}
TARGET_MODELS = {
    TargetKind.COMPOUND: Compound,
    TargetKind.STATION: Station,
    TargetKind.COMMUNITY: Community,
    TargetKind.STREET: StreetOffice,
}
OWED = (OrderStatus.OPEN, OrderStatus.RETURNED)
MAX_TEXT = 4000


def levels_for(user: User) -> list[InspectionLevel]:
    """The inspection levels a user's role carries out."""
    return [level for level, role in LEVEL_ROLE.items() if role == user.role]


def is_inspector(inspection: Inspection, user: User) -> bool:
    """Whether the user created or took part in the inspection."""
    return user.id == inspection.created_by_id or any(u.id == user.id for u in inspection.inspectors)


def text(value, field: str, label: str, *, required: bool = True) -> str | None:
    """A text of an inspection or order (trimmed, at most MAX_TEXT characters)."""
    return check_text(value, field=field, label=label, max_len=MAX_TEXT, required=required)


def due(due_on: date | None, now: datetime | None, field: str = "due_on") -> date:
    """A rectification deadline: given, and not before today."""
    if due_on is None:
        raise DomainError("请填写整改期限", field=field)
    if due_on < local_today(now):
        raise DomainError("整改期限不能早于今天", field=field)
    return due_on


def serving_station_id(compound_id: int) -> int | None:
    """The station keeping a compound (the first by id when several share it)."""
    return db.session.scalar(
        select(func.min(station_compounds.c.station_id)).where(station_compounds.c.compound_id == compound_id)
    )


def place_of(kind: TargetKind, target) -> dict:
    """The street, community, compound and station an inspection of `target` sits under."""
    if kind == TargetKind.COMPOUND:
        community = db.session.get(Community, target.community_id)
        return {"street_id": community.street_id, "community_id": community.id, "compound_id": target.id,
                "station_id": serving_station_id(target.id)}
    if kind == TargetKind.STATION:
        community = db.session.get(Community, target.community_id)
        return {"street_id": community.street_id, "community_id": community.id, "compound_id": None,
                "station_id": target.id}
    if kind == TargetKind.COMMUNITY:
        return {"street_id": target.street_id, "community_id": target.id, "compound_id": None, "station_id": None}
    return {"street_id": target.id, "community_id": None, "compound_id": None, "station_id": None}


def responsible(place: dict) -> tuple[ResponsibleKind, str]:
    """Who must fix a defect at a place: its station, else its community (residents' committee), else the street."""
    if place["station_id"]:
        return ResponsibleKind.STATION, db.session.get(Station, place["station_id"]).name
    if place["community_id"]:
        return ResponsibleKind.COMMUNITY, db.session.get(Community, place["community_id"]).name
    return ResponsibleKind.STREET, db.session.get(StreetOffice, place["street_id"]).name


def audit_place(obj):
    """The tree node an inspection or order is audited under."""
    if obj.compound_id:
        return db.session.get(Compound, obj.compound_id)
    if obj.community_id:
        return db.session.get(Community, obj.community_id)
    return db.session.get(StreetOffice, obj.street_id)
