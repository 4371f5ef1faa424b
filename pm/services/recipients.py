"""通知对象: who is told — notification recipients chosen by set, one query per call, never a disabled account."""
# A disabled account (User.is_enabled false) cannot log in, so nobody would read its notices. Every function takes
# ids of places and returns {place id: [user id, ...]}, user ids ascending, only places that have someone (use
# .get(place_id, [])). These are system decisions (jobs, workflow notices), not filtered by a viewer's scope.
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, union_all

from pm.extensions import db
from pm.models import (
    Community,
    Compound,
    Ownership,
    Role,
    StreetOffice,
    User,
    station_compounds,
)

STATION_ROLES = (Role.STATION_MANAGER, Role.STATION_STAFF)
# How an official of each role relates to a compound: through its stations, community, street or county,
# or (owners' committee) the compound itself. Owners and residents are told through owners_of().
OFFICIAL_ROLES = (Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMUNITY_WORKER, Role.STREET_OFFICER,
                  Role.COUNTY_ADMIN, Role.COMMITTEE_MEMBER)
FUND_OFFICIALS = (Role.STATION_MANAGER, Role.STREET_OFFICER)  # fund reminders' summary goes to these


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


def _grouped(rows) -> dict[int, list[int]]:
    """(key, user id) rows → {key: [user ids]} without repeats, in the rows' order."""
    out: dict[int, list[int]] = {}
    for key, user_id in rows:
        users = out.setdefault(key, [])
        if user_id not in users:
            users.append(user_id)
    return out


def _by_binding(column, keys: Iterable[int | None], roles: Iterable[Role]) -> dict[int, list[int]]:
    """Enabled users of `roles` whose binding `column` is one of `keys` (one query)."""
    keys, roles = _ids(keys), list(roles)
    if not keys or not roles:
        return {}
    return _grouped(db.session.execute(
        select(column, User.id)
        .where(column.in_(keys), User.role.in_(roles), User.is_enabled.is_(True))
        .order_by(column, User.id)
    ))


def enabled(user_ids: Iterable[int | None]) -> list[int]:
    """The given user ids that belong to enabled accounts, in the given order without repeats (one query).

    For recipients named on a row (a plan's creator, an order's issuer, a request's filer or assignee)."""
    wanted = list(dict.fromkeys(u for u in user_ids if u is not None))
    if not wanted:
        return []
    ok = set(db.session.scalars(select(User.id).where(User.id.in_(wanted), User.is_enabled.is_(True))))
    return [u for u in wanted if u in ok]


def owners_of(household_ids: Iterable[int]) -> dict[int, list[int]]:
    """household id → the enabled owner logins (Role.OWNER) of its current owners (产权人)."""
    keys = _ids(household_ids)
    if not keys:
        return {}
    return _grouped(db.session.execute(
        select(Ownership.household_id, User.id)
        .join(User, User.person_id == Ownership.person_id)
        .where(Ownership.household_id.in_(keys), Ownership.ended_on.is_(None), User.role == Role.OWNER,
               User.is_enabled.is_(True))
        .order_by(Ownership.household_id, User.id)
    ))


def station_staff(station_ids: Iterable[int], roles: Iterable[Role] = STATION_ROLES) -> dict[int, list[int]]:
    """station id → its enabled accounts of `roles` (default: manager and staff)."""
    return _by_binding(User.station_id, station_ids, roles)


def station_managers(station_ids: Iterable[int]) -> dict[int, list[int]]:
    """station id → its enabled managers; a station without one → its enabled staff (who hears of new requests)."""
    keys = _ids(station_ids)
    if not keys:
        return {}
    managers: dict[int, list[int]] = {}
    staff: dict[int, list[int]] = {}
    for station_id, user_id, role in db.session.execute(
        select(User.station_id, User.id, User.role)
        .where(User.station_id.in_(keys), User.role.in_(STATION_ROLES), User.is_enabled.is_(True))
        .order_by(User.station_id, User.id)
    ):
        (managers if role == Role.STATION_MANAGER else staff).setdefault(station_id, []).append(user_id)
    return {sid: managers.get(sid) or staff[sid] for sid in keys if sid in managers or sid in staff}


def community_officials(community_ids: Iterable[int], roles: Iterable[Role] = (Role.COMMUNITY_WORKER,)
                        ) -> dict[int, list[int]]:
    """community id → its enabled community workers (社区)."""
    return _by_binding(User.community_id, community_ids, roles)


def street_officials(street_ids: Iterable[int], roles: Iterable[Role] = (Role.STREET_OFFICER,)) -> dict[int, list[int]]:
    """street office id → its enabled officers (街道物业办)."""
    return _by_binding(User.street_id, street_ids, roles)


def county_officials(county_ids: Iterable[int], roles: Iterable[Role] = (Role.COUNTY_ADMIN,)) -> dict[int, list[int]]:
    """county id → its enabled administrators (县级管理员)."""
    return _by_binding(User.county_id, county_ids, roles)


def committee_members(compound_ids: Iterable[int]) -> dict[int, list[int]]:
    """compound id → its enabled owners'-committee members (业委会委员)."""
    return _by_binding(User.compound_id, compound_ids, (Role.COMMITTEE_MEMBER,))


def _over_compound(role: Role):
    """(compound id, user id) of the enabled officials of one role over each compound."""
    base = select(Compound.id.label("key"), User.id.label("user_id"))
    if role in STATION_ROLES:
        stmt = (base.select_from(Compound)
                .join(station_compounds, station_compounds.c.compound_id == Compound.id)
                .join(User, User.station_id == station_compounds.c.station_id))
    elif role == Role.COMMITTEE_MEMBER:
        stmt = base.select_from(Compound).join(User, User.compound_id == Compound.id)
    elif role == Role.COMMUNITY_WORKER:
        stmt = base.select_from(Compound).join(User, User.community_id == Compound.community_id)
    else:
        stmt = base.select_from(Compound).join(Community, Community.id == Compound.community_id)
        if role == Role.STREET_OFFICER:
            stmt = stmt.join(User, User.street_id == Community.street_id)
        else:
            stmt = (stmt.join(StreetOffice, StreetOffice.id == Community.street_id)
                    .join(User, User.county_id == StreetOffice.county_id))
    return stmt.where(User.role == role, User.is_enabled.is_(True))


def officials_over(compound_ids: Iterable[int], roles: Iterable[Role] = FUND_OFFICIALS) -> dict[int, list[int]]:
    """compound id → the enabled officials of `roles` over it: its stations' (manager/staff), its community's,
    its street office's, its county's, and its owners' committee — one UNION query, user ids ascending."""
    keys, roles = _ids(compound_ids), list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in OFFICIAL_ROLES]
    if unknown:
        raise ValueError(f"not an official role: {unknown}")
    if not keys or not roles:
        return {}
    branches = [_over_compound(role).where(Compound.id.in_(keys)) for role in roles]
    union = (branches[0] if len(branches) == 1 else union_all(*branches)).subquery()
    return _grouped(db.session.execute(select(union.c.key, union.c.user_id).order_by(union.c.key, union.c.user_id)))
