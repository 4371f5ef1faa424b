"""小区: create and edit compounds and their renovation items (改造内容); a compound's page and the compound list."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope, authorise, authorise_in
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    Household,
    ManagementMode,
    RenovationClass,
    RenovationItem,
    Station,
    User,
)
from pm.services import audit
from pm.services.registry.areas import parse_area
from pm.services.registry.buildings import of_compound
from pm.services.registry.common import apply_values, clean
from pm.services.registry.tree import stations_serving
from pm.services.text import N_

logger = logging.getLogger(__name__)

COMPOUND_FIELDS = (
    "name", "address", "year_built", "household_count", "resident_count", "floor_area_m2",
    "renovation_class", "renovation_year", "management_mode", "property_company", "service_grade",
    "owners_committee_formed_on",
)
# A compound's page and API answer load its community (and street) and renovation items with it.
COMPOUND_OPTIONS = (joinedload(Compound.community).joinedload(Community.street), selectinload(Compound.renovation_items))


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    v = {k: clean(values[k]) for k in COMPOUND_FIELDS if k in values}
    if "name" in v and not v["name"]:
        raise DomainError("请填写小区名称", field="name")
    year = v.get("year_built")
    if year is not None and not (1900 <= int(year) <= date.today().year):
        raise DomainError("建成年份不合理", field="year_built")
    for key in ("household_count", "resident_count"):
        if v.get(key) is not None and int(v[key]) < 0:
            raise DomainError("数量不能为负数", field=key)
    if v.get("floor_area_m2") not in (None, ""):
        v["floor_area_m2"] = parse_area(v["floor_area_m2"], field="floor_area_m2")
    elif "floor_area_m2" in v:
        v["floor_area_m2"] = None
    if v.get("renovation_class") not in (None, ""):
        try:
            v["renovation_class"] = RenovationClass(v["renovation_class"])
        except ValueError:
            raise DomainError("改造类别无效", field="renovation_class") from None
    elif "renovation_class" in v:
        v["renovation_class"] = None
    if "management_mode" in v:
        try:
            v["management_mode"] = ManagementMode(v["management_mode"])
        except ValueError:
            raise DomainError("管理模式无效", field="management_mode") from None
    if v.get("service_grade") is not None and not (1 <= int(v["service_grade"]) <= 5):
        raise DomainError("物业服务等级应为 1–5", field="service_grade")
    return v


def _administers(scope: Scope, community_id: int) -> bool:
    """The community is at or below the user's binding (a station manager sees a community but does not run it)."""
    return scope.is_system or db.session.scalar(
        select(func.count()).where(Community.id == community_id, Community.id.in_(scope.within_communities))
    ) > 0


def create_compound(community: Community, values: dict[str, Any], *, scope: Scope, actor: User | None) -> Compound:
    """A new compound of a community (its name unique in the community)."""
    authorise_in(scope, actor, "compound.edit", Community, community.id, N_("该社区不在您的管理范围内"))
    if not _administers(scope, community.id):
        raise Forbidden("该社区不在您的管理范围内")
    v = _validate(values)
    if "management_mode" not in v:
        raise DomainError("请选择管理模式", field="management_mode")
    if db.session.scalar(select(Compound.id).where(Compound.community_id == community.id, Compound.name == v["name"])):
        raise Conflict("该社区已有同名小区", field="name")
    compound = Compound(community_id=community.id, **v)
    db.session.add(compound)
    db.session.flush()
    audit.record("compound.create", compound, actor=actor, changes={k: [None, x] for k, x in v.items()})
    logger.info("compound %r created by %r", compound, actor)
    return compound


def update_compound(compound: Compound, values: dict[str, Any], *, scope: Scope, actor: User | None) -> Compound:
    """Change some fields of a compound (audited)."""
    authorise_in(scope, actor, "compound.edit", Compound, compound.id, N_("该小区不在您的管理范围内"))
    v = _validate(values)
    if "name" in v and v["name"] != compound.name and db.session.scalar(
        select(Compound.id).where(Compound.community_id == compound.community_id, Compound.name == v["name"])
    ):
        raise Conflict("该社区已有同名小区", field="name")
    changes = apply_values(compound, v)
    if changes:
        db.session.flush()
        audit.record("compound.update", compound, actor=actor, changes=changes)
    return compound


def set_renovation_item(
    compound: Compound, *, name: str, is_completed: bool, scope: Scope, actor: User | None,
    completed_on: date | None = None, warranty_until: date | None = None, note: str | None = None,
) -> RenovationItem:
    """Add a renovation item, or update the one of the same name (completion, warranty)."""
    authorise_in(scope, actor, "compound.edit", Compound, compound.id, N_("该小区不在您的管理范围内"))
    name = clean(name)
    if not name:
        raise DomainError("请填写改造内容", field="name")
    if completed_on and not is_completed:
        raise DomainError("填写了完成日期，请勾选已完成", field="is_completed")
    item = db.session.scalar(
        select(RenovationItem).where(RenovationItem.compound_id == compound.id, RenovationItem.name == name)
    )
    values = {"is_completed": is_completed, "completed_on": completed_on, "warranty_until": warranty_until, "note": note}
    if item is None:
        item = RenovationItem(compound_id=compound.id, name=name, **values)
        db.session.add(item)
        changes = {"name": [None, name], **{k: [None, x] for k, x in values.items()}}
    else:
        changes = apply_values(item, values)
    db.session.flush()
    if changes:
        audit.record("renovation_item.set", item, actor=actor, place=compound, changes=changes)
    return item


# -- reads -----------------------------------------------------------------------------------------
def get_compound(scope: Scope, compound_id: int) -> Compound:
    """A compound in scope with its community, street and renovation items (NotFound otherwise)."""
    return scope.get(Compound, compound_id, options=COMPOUND_OPTIONS)


@dataclass
class BuildingStats:
    """A building's registered households: how many, their total area, in how many units."""

    households: int = 0
    area_m2: Decimal | None = None
    units: int = 0


@dataclass
class CompoundOverview:
    """What a compound's page shows: the compound, its buildings with their figures, the stations serving it."""

    compound: Compound
    buildings: list[Building]
    stats: dict[int, BuildingStats]
    stations: list[Station]

    @property
    def registered(self) -> BuildingStats:
        """All registered households of the compound (after an import too): how many and their total area."""
        areas = [s.area_m2 for s in self.stats.values() if s.area_m2 is not None]
        return BuildingStats(sum(s.households for s in self.stats.values()), sum(areas) if areas else None,
                             sum(s.units for s in self.stats.values()))


def overview(scope: Scope, compound_id: int, *, actor: User | None) -> CompoundOverview:
    """A compound with its buildings (households, area and units of each) and its stations, for registry viewers."""
    authorise(scope, actor, "registry.view")
    compound = get_compound(scope, compound_id)
    buildings = db.session.scalars(of_compound(scope, compound.id)).all()
    stats = {b.id: BuildingStats() for b in buildings}
    stats.update({
        bid: BuildingStats(n, area, units)
        for bid, n, area, units in db.session.execute(
            scope.filter(
                select(Household.building_id, func.count(), func.sum(Household.area_m2),
                       func.count(func.distinct(Household.unit_id))), Household,
            ).where(Household.compound_id == compound.id).group_by(Household.building_id)
        )
    })
    return CompoundOverview(compound, list(buildings), stats, stations_serving(scope, compound.id))


def find_compounds(scope: Scope, *, street_id: int | None = None, community_id: int | None = None,
                   management_mode: ManagementMode | None = None, q: str | None = None) -> Select:
    """Compounds in scope filtered by street, community, management mode or name/address text, by name."""
    stmt = scope.select(Compound).options(joinedload(Compound.community))
    if community_id:
        stmt = stmt.where(Compound.community_id == community_id)
    if street_id:
        stmt = stmt.where(Compound.community_id.in_(select(Community.id).where(Community.street_id == street_id)))
    if management_mode:
        stmt = stmt.where(Compound.management_mode == management_mode)
    if q and q.strip():
        q = q.strip()
        stmt = stmt.where(or_(Compound.name.contains(q, autoescape=True), Compound.address.contains(q, autoescape=True)))
    return stmt.order_by(Compound.name, Compound.id)


def compounds_in(scope: Scope) -> list[Compound]:
    """Every compound in scope, by name (choices of a form)."""
    return list(db.session.scalars(scope.select(Compound).order_by(Compound.name)))
