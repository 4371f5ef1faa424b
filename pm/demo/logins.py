"""演示账号: one fixed login per role, bound around one station's compound with an owners' committee."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from pm.access import SYSTEM
from pm.errors import Conflict
from pm.extensions import db
from pm.models import (
    ClaimMethod,
    Community,
    Compound,
    County,
    Household,
    Ownership,
    Person,
    Relation,
    Residency,
    Role,
    Station,
    StreetOffice,
    User,
    station_compounds,
)
from pm.models.accounts import PERSON_ROLES
from pm.services.accounts.claims import claim, issue_invitation
from pm.services.accounts.users import create_user

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoLogin:
    """One fixed demo account: the README and the end-to-end test log in with these."""

    username: str
    password: str
    role: Role
    display_name: str


# Officials' passwords have at least 12 characters, residents' at least 8 (accounts.passwords.check_password_policy).
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("county", "county-admin-2026", Role.COUNTY_ADMIN, "县住建局 管理员"),
    DemoLogin("street", "street-office-2026", Role.STREET_OFFICER, "街道物业办 干事"),
    DemoLogin("community", "community-work-2026", Role.COMMUNITY_WORKER, "社区居委会 干事"),
    DemoLogin("manager", "station-manager-2026", Role.STATION_MANAGER, "服务站 站长"),
    DemoLogin("staff", "station-staff-2026", Role.STATION_STAFF, "服务站 工作人员"),
    DemoLogin("committee", "committee-demo-2026", Role.COMMITTEE_MEMBER, "业委会 委员"),
    DemoLogin("owner", "owner-demo-2026", Role.OWNER, "业主"),
    DemoLogin("resident", "resident-demo-2026", Role.RESIDENT, "住户"),
)


def anchor(county: County) -> tuple[Station, Compound, Person, Person]:
    """The station, compound, owner and tenant the household-level demo accounts are bound to.

    The station manager's compound has an owners' committee, so every role has something to see.
    """
    candidates = db.session.execute(
        select(Station, Compound)
        .join(station_compounds, station_compounds.c.station_id == Station.id)
        .join(Compound, Compound.id == station_compounds.c.compound_id)
        .join(Community, Community.id == Compound.community_id)
        .join(StreetOffice, StreetOffice.id == Community.street_id)
        .where(StreetOffice.county_id == county.id, Compound.owners_committee_formed_on.is_not(None))
        .order_by(Station.id, Compound.id)
    ).all()
    for station, compound in candidates:
        owner = db.session.scalar(
            select(Person)
            .join(Ownership, Ownership.person_id == Person.id)
            .join(Household, Household.id == Ownership.household_id)
            .where(Household.compound_id == compound.id, Ownership.ended_on.is_(None),
                   Person.is_organisation.is_(False), Person.phone.is_not(None))
            .order_by(Household.id)
            .limit(1)
        )
        tenant = db.session.scalar(
            select(Person)
            .join(Residency, Residency.person_id == Person.id)
            .join(Household, Household.id == Residency.household_id)
            .where(Household.compound_id == compound.id, Residency.ended_on.is_(None),
                   Residency.relation == Relation.TENANT)
            .order_by(Household.id)
            .limit(1)
        )
        if owner is not None and tenant is not None:
            return station, compound, owner, tenant
    raise Conflict("演示数据中没有一个有服务站、业主委员会、业主和租户的小区")


def create_demo_logins(county: County) -> list[tuple[DemoLogin, User, str]]:
    """One account per role (DEMO_LOGINS), bound inside the demo county; returns (login, user, bound-to)."""
    station, compound, owner, tenant = anchor(county)
    community = db.session.get(Community, compound.community_id)
    street = db.session.get(StreetOffice, community.street_id)
    bindings = {
        Role.COUNTY_ADMIN: (county.id, county.name),
        Role.STREET_OFFICER: (street.id, street.name),
        Role.COMMUNITY_WORKER: (community.id, f"{street.name} {community.name}"),
        Role.STATION_MANAGER: (station.id, f"{station.name}（{compound.name}）"),
        Role.STATION_STAFF: (station.id, f"{station.name}（{compound.name}）"),
        Role.COMMITTEE_MEMBER: (compound.id, f"{compound.name} 业主委员会"),
        Role.OWNER: (owner.id, f"{owner.name}，{compound.name}业主"),
        Role.RESIDENT: (tenant.id, f"{tenant.name}，{compound.name}租户"),
    }
    created = []
    for login in DEMO_LOGINS:
        binding_id, text = bindings[login.role]
        if login.role in PERSON_ROLES:
            # Owners and residents claim their accounts: an invitation from the station, claimed with its code.
            issued = issue_invitation(SYSTEM, None, binding_id, ClaimMethod.LETTER, node=("station_id", station.id))
            user = claim(issued.code, username=login.username, password=login.password, tell_phone=False).user
        else:
            user = create_user(
                scope=SYSTEM,
                actor=None,
                username=login.username,
                display_name=login.display_name,
                password=login.password,
                role=login.role,
                binding_id=binding_id,
            )
        created.append((login, user, text))
    return created
