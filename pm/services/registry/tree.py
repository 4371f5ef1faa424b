"""组织机构: street offices (街道), communities (社区) and property service stations (物业服务站) of a county."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from pm.access import Scope, authorise, authorise_in
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    Community,
    Compound,
    County,
    Household,
    Station,
    StreetOffice,
    User,
    station_compounds,
)
from pm.services import audit
from pm.services.governance import firms
from pm.services.registry.common import clean
from pm.services.text import N_

logger = logging.getLogger(__name__)


# -- writes (county admin) -------------------------------------------------------------------------
def _create_named(model, parent_column, parent_id: int, name: str, phone: str | None, *, actor: User | None,
                  missing: str, taken: str, action: str):
    """A new node under its parent, its name required and unique there; audited."""
    name = clean(name)
    if not name:
        raise DomainError(missing, field="name")
    if db.session.scalar(select(model.id).where(parent_column == parent_id, model.name == name)):
        raise Conflict(taken, field="name")
    node = model(name=name, phone=phone, **{parent_column.key: parent_id})
    db.session.add(node)
    db.session.flush()
    audit.record(action, node, actor=actor, changes={"name": name})
    logger.info("%s %r by %r", action, node, actor)
    return node


def create_street(county: County, *, name: str, scope: Scope, actor: User | None,
                  phone: str | None = None) -> StreetOffice:
    """A new street office of a county; its name is unique in the county."""
    authorise_in(scope, actor, "tree.edit", County, county.id, N_("该县不在您的管理范围内"))
    return _create_named(StreetOffice, StreetOffice.county_id, county.id, name, phone, actor=actor,
                         missing=N_("请填写街道名称"), taken=N_("该县已有同名街道"), action="street.create")


def create_community(street: StreetOffice, *, name: str, scope: Scope, actor: User | None,
                     phone: str | None = None) -> Community:
    """A new community of a street office; its name is unique in the street."""
    authorise_in(scope, actor, "tree.edit", StreetOffice, street.id, N_("该街道不在您的管理范围内"))
    return _create_named(Community, Community.street_id, street.id, name, phone, actor=actor,
                         missing=N_("请填写社区名称"), taken=N_("该街道已有同名社区"), action="community.create")


def create_station(community: Community, *, name: str, compound_ids: list[int], scope: Scope, actor: User | None,
                   operator: str | None = None, phone: str | None = None) -> Station:
    """A property service station of a community serving the given compounds (all in the scope)."""
    authorise_in(scope, actor, "tree.edit", Community, community.id, N_("该社区不在您的管理范围内"))
    name = clean(name)
    if not name:
        raise DomainError("请填写服务站名称", field="name")
    compounds = db.session.scalars(select(Compound).where(Compound.id.in_(compound_ids))).all() if compound_ids else []
    if len(compounds) != len(set(compound_ids)):
        raise DomainError("有小区不存在", field="compound_ids")
    if not scope.is_system and any(not scope.contains(Compound, c.id) for c in compounds):
        raise Forbidden("有小区不在您的管理范围内")
    station = Station(community_id=community.id, name=name, phone=phone, compounds=list(compounds))
    db.session.add(station)
    db.session.flush()
    # The firm behind it is one record per name and county (not free text): found or created here.
    firms.set_firm(station, firms.firm_named(community.street.county_id, operator))
    audit.record(
        "station.create", station, actor=actor, place=community,
        changes={"name": name, "compound_ids": sorted(c.id for c in compounds)},
    )
    logger.info("station %r created by %r", station, actor)
    return station


# -- reads -----------------------------------------------------------------------------------------
@dataclass
class Tree:
    """The tree in a scope: streets, their communities, their compounds, and household counts per compound."""

    streets: list[StreetOffice]
    by_street: dict[int, list[Community]] = field(default_factory=dict)
    by_community: dict[int, list[Compound]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)


def tree(scope: Scope, *, actor: User | None, without_committee: bool = False) -> Tree:
    """Streets, communities and compounds in scope (optionally only compounds without an owners' committee),
    with household counts, for registry viewers: four queries whatever the size."""
    authorise(scope, actor, "registry.view")
    streets = db.session.scalars(scope.select(StreetOffice).order_by(StreetOffice.name)).all()
    communities = db.session.scalars(scope.select(Community).order_by(Community.name)).all()
    stmt = scope.select(Compound).order_by(Compound.name)
    if without_committee:
        stmt = stmt.where(Compound.owners_committee_formed_on.is_(None))
    result = Tree(streets=list(streets))
    result.counts = dict(db.session.execute(
        scope.filter(select(Household.compound_id, func.count()), Household).group_by(Household.compound_id)
    ).all())
    for compound in db.session.scalars(stmt):
        result.by_community.setdefault(compound.community_id, []).append(compound)
    for community in communities:
        result.by_street.setdefault(community.street_id, []).append(community)
    return result


def streets(scope: Scope) -> Select:
    """Street offices in scope, by name."""
    return scope.select(StreetOffice).order_by(StreetOffice.name, StreetOffice.id)


def communities(scope: Scope, *, street_id: int | None = None) -> Select:
    """Communities in scope (of one street), by name, with their street loaded."""
    stmt = scope.select(Community).options(joinedload(Community.street))
    if street_id:
        stmt = stmt.where(Community.street_id == street_id)
    return stmt.order_by(Community.name, Community.id)


def administered_communities(scope: Scope) -> list[Community]:
    """Communities at or below the user's binding (where they may create compounds), by name."""
    return list(db.session.scalars(
        scope.select(Community).where(Community.id.in_(scope.within_communities)).order_by(Community.name)
    ))


def stations(scope: Scope, *, community_id: int | None = None) -> Select:
    """Stations in scope (of one community), by name."""
    stmt = scope.select(Station)
    if community_id:
        stmt = stmt.where(Station.community_id == community_id)
    return stmt.order_by(Station.name, Station.id)


def stations_serving(scope: Scope, compound_id: int) -> list[Station]:
    """The stations in scope that serve a compound, by name."""
    return list(db.session.scalars(
        scope.select(Station).where(Station.compounds.any(Compound.id == compound_id)).order_by(Station.name)
    ))


def compounds_served(scope: Scope, station_ids: list[int]) -> dict[int, list[Compound]]:
    """station id → the compounds in scope it serves, by name (one query)."""
    out: dict[int, list[Compound]] = defaultdict(list)
    if station_ids:
        stmt = scope.filter(
            select(station_compounds.c.station_id, Compound)
            .join(station_compounds, station_compounds.c.compound_id == Compound.id)
            .where(station_compounds.c.station_id.in_(station_ids))
            .order_by(Compound.name, Compound.id),
            Compound,
        )
        for station_id, compound in db.session.execute(stmt):
            out[station_id].append(compound)
    return {sid: out[sid] for sid in station_ids}


def county_id_of(compound_id: int) -> int | None:
    """The county a compound belongs to (compound → community → street → county), in one query."""
    return db.session.scalar(
        select(StreetOffice.county_id)
        .join(Community, Community.street_id == StreetOffice.id)
        .join(Compound, Compound.community_id == Community.id)
        .where(Compound.id == compound_id)
    )
