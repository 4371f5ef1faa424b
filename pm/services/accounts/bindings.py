"""账号绑定: the node of the tree (or the person) an account is bound to, and where its audit rows are placed."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pm.access import Scope
from pm.errors import DomainError
from pm.extensions import db
from pm.models import (
    Community,
    Compound,
    County,
    Person,
    Role,
    Station,
    StreetOffice,
    User,
)
from pm.models.accounts import BINDING
from pm.services.labels import place_label

BINDING_MODELS = {
    "county_id": County,
    "street_id": StreetOffice,
    "community_id": Community,
    "station_id": Station,
    "compound_id": Compound,
    "person_id": Person,
}
# The nodes an administrator may bind accounts to, in the order a form offers them.
NODE_COLUMNS = ("county_id", "street_id", "community_id", "station_id", "compound_id")


def binding_node(user: User) -> Any:
    """The tree node an account sits under, for placing its audit rows (None for owners and residents)."""
    if user.role in (Role.OWNER, Role.RESIDENT):
        return None
    column = BINDING[user.role]
    if column == "station_id":
        station = db.session.get(Station, user.station_id)
        return db.session.get(Community, station.community_id) if station else None
    return db.session.get(BINDING_MODELS[column], getattr(user, column))


def validate_binding(role: Role, binding_id: int | None) -> str:
    """The User column a role is bound through; the node must exist."""
    column = BINDING[role]
    if binding_id is None:
        raise DomainError("请为该角色选择所属单位", field="binding_id")
    if db.session.get(BINDING_MODELS[column], binding_id) is None:
        raise DomainError("所选单位不存在", field="binding_id")
    return column


def binding_in_scope(scope: Scope, column: str, binding_id: int) -> bool:
    return scope.is_system or scope.contains(BINDING_MODELS[column], binding_id)


def binding_info(user: User) -> dict:
    """{type, id, name} of the node (or person) an account is bound to (its relationship loaded or loadable)."""
    column = BINDING[user.role]
    node = getattr(user, column.removesuffix("_id"))
    return {"type": column.removesuffix("_id"), "id": getattr(user, column),
            "name": node.name if node is not None else None}


def bindable_nodes(scope: Scope) -> list[tuple[str, int, str]]:
    """Every node at or below the administrator's binding, as (column, id, name), by kind then name."""
    within = {
        "county_id": scope.within_counties,
        "street_id": scope.within_streets,
        "community_id": scope.within_communities,
        "station_id": scope.within_stations,
        "compound_id": scope.compound_ids,
    }
    out = []
    for column in NODE_COLUMNS:
        model = BINDING_MODELS[column]
        if column in ("community_id", "compound_id"):  # same names recur: say the street (and community)
            nodes = db.session.scalars(select(model).where(model.id.in_(within[column])).order_by(model.name))
            out.extend((column, node.id, place_label(node)) for node in nodes)
            continue
        rows = db.session.execute(select(model.id, model.name).where(model.id.in_(within[column])).order_by(model.name))
        out.extend((column, node_id, name) for node_id, name in rows)
    return out
