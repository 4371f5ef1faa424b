"""工作台: the figures and next steps each role sees first, all within the user's scope."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from pm.access import Scope
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    Household,
    ImportJob,
    ManagementMode,
    Ownership,
    PlanStatus,
    RepairRequest,
    RepairStatus,
    Role,
    StreetOffice,
    SubAccount,
    UsePlan,
    User,
)
from pm.models.repairs import OPEN_STATUSES
from pm.services import votes


@dataclass
class Todo:
    """One thing the user should do next, with a link target."""

    text: str
    endpoint: str
    args: dict = field(default_factory=dict)
    count: int | None = None


@dataclass
class Summary:
    streets: int = 0
    communities: int = 0
    compounds: int = 0
    buildings: int = 0
    households: int = 0
    households_without_owner: int = 0
    compounds_without_committee: int = 0
    by_mode: dict = field(default_factory=dict)
    area_total: object = None


def summary(scope: Scope) -> Summary:
    """Counts of the registry in scope (a handful of aggregate queries, independent of size)."""
    s = Summary()
    compounds = scope.filter(select(Compound.id), Compound).subquery()
    s.compounds = db.session.scalar(select(func.count()).select_from(compounds))
    s.streets = db.session.scalar(select(func.count()).select_from(scope.filter(select(StreetOffice.id), StreetOffice).subquery()))
    s.communities = db.session.scalar(select(func.count()).select_from(scope.filter(select(Community.id), Community).subquery()))
    s.buildings = db.session.scalar(select(func.count()).select_from(scope.filter(select(Building.id), Building).subquery()))
    hh = scope.filter(select(Household.id, Household.area_m2), Household).subquery()
    s.households, s.area_total = db.session.execute(select(func.count(), func.sum(hh.c.area_m2))).one()
    owned = select(Ownership.household_id).where(Ownership.ended_on.is_(None))
    s.households_without_owner = db.session.scalar(
        select(func.count()).select_from(hh).where(hh.c.id.not_in(owned))
    )
    rows = db.session.execute(
        scope.filter(select(Compound.management_mode, func.count()), Compound).group_by(Compound.management_mode)
    ).all()
    s.by_mode = {ManagementMode(m): n for m, n in rows}
    s.compounds_without_committee = db.session.scalar(
        select(func.count()).select_from(
            scope.filter(select(Compound.id).where(Compound.owners_committee_formed_on.is_(None)), Compound).subquery()
        )
    )
    return s


def recent_imports(scope: Scope, limit: int = 5) -> list[ImportJob]:
    return list(
        db.session.scalars(
            scope.select(ImportJob).options(joinedload(ImportJob.compound)).order_by(ImportJob.id.desc()).limit(limit)
        )
    )


def my_households(scope: Scope) -> list[Household]:
    """An owner's or resident's homes with building, unit and compound loaded."""
    return list(
        db.session.scalars(
            scope.select(Household)
            .options(joinedload(Household.building), joinedload(Household.unit), joinedload(Household.compound))
            .order_by(Household.id)
        )
    )


@dataclass
class ResidentSummary:
    """What an owner or resident does next: vote, rate finished repairs, top up a low fund sub-account (分户账)."""

    plans_to_vote: list = field(default_factory=list)  # plans in voting where one of my dwellings has not voted
    repairs_open: int = 0
    repairs_to_rate: int = 0
    sub_accounts_low: int = 0


def resident_summary(scope: Scope, user: User) -> ResidentSummary:
    """A few scoped counts for the resident dashboard (a fixed number of queries)."""
    out = ResidentSummary()
    sub_accounts = db.session.scalars(scope.select(SubAccount)).all()
    out.sub_accounts_low = sum(1 for a in sub_accounts if a.needs_replenishment)
    mine = scope.select(RepairRequest).where(RepairRequest.filer_user_id == user.id).subquery()
    out.repairs_open = db.session.scalar(select(func.count()).select_from(mine).where(mine.c.status.in_(OPEN_STATUSES)))
    out.repairs_to_rate = db.session.scalar(
        select(func.count()).select_from(mine).where(mine.c.status == RepairStatus.COMPLETED)
    )
    if user.role == Role.OWNER:
        out.plans_to_vote = list(db.session.scalars(scope.select(UsePlan).where(
            UsePlan.status == PlanStatus.VOTING, UsePlan.decision_id.in_(votes.awaiting_ballot(user))
        ).order_by(UsePlan.id)))
    return out
