"""网格与志愿者: grids within a community (grid worker, party group, the compounds and buildings they cover), the
volunteer register residents join from the phone, hours logged by the community, and the yearly tally per grid
and per person."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import extract, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope, authorise
from pm.errors import Conflict, DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    Building,
    Community,
    Compound,
    Grid,
    Household,
    Ownership,
    Person,
    Residency,
    User,
    Volunteer,
    VolunteerActivity,
    VolunteerHours,
    grid_buildings,
    grid_compounds,
)
from pm.services import audit
from pm.services.text import N_, check_phone, check_text
from pm.timeutil import local_today, utcnow

logger = logging.getLogger(__name__)

MAX_HOURS = Decimal(24)


# -- grids ------------------------------------------------------------------------------------------------
def create_grid(actor: User, *, scope: Scope, community_id: int, name: str, worker_name: str,
                worker_phone: str | None = None, party_group: str | None = None, compound_ids: list[int] = (),
                building_ids: list[int] = ()) -> Grid:
    """A grid of a community in the actor's area covering some of its compounds and buildings."""
    authorise(scope, actor, "volunteers.manage")
    if not scope.contains(Community, community_id):
        raise Forbidden("该社区不在您的权限范围内", field="community_id")
    name = check_text(name, field="name", label=N_("网格名称"), max_len=64)
    worker_name = check_text(worker_name, field="worker_name", label=N_("网格员"), max_len=64)
    party_group = check_text(party_group, field="party_group", label=N_("网格党小组"), max_len=64, required=False)
    worker_phone = check_phone(worker_phone, field="worker_phone")
    compounds = list(db.session.scalars(select(Compound).where(Compound.id.in_(list(compound_ids)))))
    if len(compounds) != len(set(compound_ids)) or any(c.community_id != community_id for c in compounds):
        raise DomainError("所选小区不属于该社区", field="compound_ids")
    buildings = list(db.session.scalars(select(Building).join(Compound, Compound.id == Building.compound_id)
                                        .where(Building.id.in_(list(building_ids)),
                                               Compound.community_id == community_id)))
    if len(buildings) != len(set(building_ids)):
        raise DomainError("所选楼栋不属于该社区", field="building_ids")
    if db.session.scalar(select(Grid.id).where(Grid.community_id == community_id, Grid.name == name)):
        raise Conflict("该社区已有同名网格", field="name")
    grid = Grid(community_id=community_id, name=name, worker_name=worker_name, worker_phone=worker_phone,
                party_group=party_group, compounds=compounds, buildings=buildings, created_at=utcnow())
    db.session.add(grid)
    db.session.flush()
    audit.record("grid.create", grid, actor=actor, place=db.session.get(Community, community_id),
                 changes={"name": name, "compounds": sorted(compound_ids), "buildings": sorted(building_ids)})
    return grid


def grids_stmt(scope: Scope):
    return scope.select(Grid).options(selectinload(Grid.compounds),
                                      selectinload(Grid.buildings).joinedload(Building.compound)).order_by(
        Grid.community_id, Grid.name)


def grid_of(household: Household) -> int | None:
    """The grid covering a home: one that lists its building, else one that lists its compound (one query)."""
    return db.session.scalar(
        select(Grid.id).outerjoin(grid_buildings, grid_buildings.c.grid_id == Grid.id)
        .outerjoin(grid_compounds, grid_compounds.c.grid_id == Grid.id)
        .where((grid_buildings.c.building_id == household.building_id)
               | (grid_compounds.c.compound_id == household.compound_id))
        .order_by((grid_buildings.c.building_id == household.building_id).desc(), Grid.id).limit(1))


# -- the register -----------------------------------------------------------------------------------------
def join(user: User, *, scope: Scope, activity, household_id: int | None = None,
         now: datetime | None = None) -> Volunteer:
    """A resident joins the register for an activity, in the compound of one of their homes."""
    authorise(scope, user, "volunteers.join")
    try:
        activity = VolunteerActivity(activity)
    except ValueError:
        raise DomainError("请选择服务项目", field="activity") from None
    if scope.is_system:  # the demo loader: the person's own homes
        mine = select(Ownership.household_id).where(Ownership.person_id == user.person_id,
                                                    Ownership.ended_on.is_(None)).union(
            select(Residency.household_id).where(Residency.person_id == user.person_id, Residency.ended_on.is_(None)))
    else:
        mine = scope.visible_households
    homes = select(Household).where(Household.id.in_(mine)).order_by(Household.id)
    if household_id is not None:
        homes = homes.where(Household.id == household_id)
    household = db.session.scalar(homes.limit(1))
    if household is None:
        raise NotFound("没有找到您的住房", field="household_id")
    if db.session.scalar(select(Volunteer.id).where(Volunteer.person_id == user.person_id,
                                                    Volunteer.compound_id == household.compound_id,
                                                    Volunteer.activity == activity)):
        raise Conflict("您已报名该志愿服务", field="activity")
    community_id = db.session.scalar(select(Compound.community_id).where(Compound.id == household.compound_id))
    volunteer = Volunteer(person_id=user.person_id, community_id=community_id, compound_id=household.compound_id,
                          grid_id=grid_of(household), activity=activity, joined_on=local_today(now),
                          created_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(volunteer)
    except IntegrityError:
        raise Conflict("您已报名该志愿服务", field="activity") from None
    audit.record("volunteer.join", volunteer, actor=user, place=household, changes={"activity": activity})
    return volunteer


def volunteers_stmt(scope: Scope, *, activity: str | None = None):
    stmt = scope.select(Volunteer).options(joinedload(Volunteer.person), joinedload(Volunteer.grid)).order_by(
        Volunteer.compound_id, Volunteer.id)
    if activity:
        stmt = stmt.where(Volunteer.activity == activity)
    return stmt


def load_volunteer(scope: Scope, volunteer_id: int) -> Volunteer:
    return scope.get(Volunteer, volunteer_id, options=(joinedload(Volunteer.person), joinedload(Volunteer.grid)))


def parse_hours(raw) -> Decimal:
    """Hours as typed: a positive number up to 24 with at most one decimal."""
    try:
        hours = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("服务时长必须是数字，例如 2.5", field="hours") from None
    if not hours.is_finite() or hours <= 0:
        raise DomainError("服务时长必须大于零", field="hours")
    if hours > MAX_HOURS:
        raise DomainError("一天的服务时长不能超过 24 小时", field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise DomainError("服务时长最多一位小数", field="hours")
    return hours


def log_hours(volunteer: Volunteer, actor: User, *, scope: Scope, served_on: date | None, hours,
              note: str | None = None, now: datetime | None = None) -> VolunteerHours:
    """The community logs a volunteer's hours on a day (not in the future; positive, at most 24)."""
    authorise(scope, actor, "volunteers.manage")
    if not scope.contains(Volunteer, volunteer.id):
        raise NotFound("志愿者不存在或不在您的权限范围内")
    if served_on is None:
        raise DomainError("请填写服务日期", field="served_on")
    if served_on > local_today(now):
        raise DomainError("服务日期不能晚于今天", field="served_on")
    hours = parse_hours(hours)
    note = check_text(note, field="note", label=N_("服务内容"), max_len=200, required=False)
    row = VolunteerHours(volunteer_id=volunteer.id, served_on=served_on, hours=hours, note=note,
                         logged_by_id=actor.id, created_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("volunteer.hours", row, actor=actor, place=db.session.get(Compound, volunteer.compound_id),
                 changes={"volunteer_id": volunteer.id, "served_on": served_on, "hours": hours})
    return row


def hours_stmt(scope: Scope, volunteer_id: int):
    return scope.select(VolunteerHours).where(VolunteerHours.volunteer_id == volunteer_id).order_by(
        VolunteerHours.served_on.desc(), VolunteerHours.id.desc())


# -- the yearly tally -------------------------------------------------------------------------------------
@dataclass
class TallyRow:
    key: int | None
    name: str
    volunteers: int
    hours: Decimal


def tally(scope: Scope, year: int) -> tuple[list[TallyRow], list[TallyRow]]:
    """(per grid, per person) hours served in `year` within the scope: two grouped queries, most hours first."""
    base = scope.filter(select(Volunteer.id), Volunteer)
    in_year = (VolunteerHours.volunteer_id.in_(base)) & (extract("year", VolunteerHours.served_on) == year)
    per_grid = db.session.execute(
        select(Volunteer.grid_id, func.coalesce(Grid.name, ""), func.count(func.distinct(Volunteer.person_id)),
               func.sum(VolunteerHours.hours))
        .join(Volunteer, Volunteer.id == VolunteerHours.volunteer_id).outerjoin(Grid, Grid.id == Volunteer.grid_id)
        .where(in_year).group_by(Volunteer.grid_id, Grid.name).order_by(func.sum(VolunteerHours.hours).desc()))
    per_person = db.session.execute(
        select(Person.id, Person.name, func.count(func.distinct(Volunteer.id)), func.sum(VolunteerHours.hours))
        .join(Volunteer, Volunteer.id == VolunteerHours.volunteer_id).join(Person, Person.id == Volunteer.person_id)
        .where(in_year).group_by(Person.id, Person.name)
        .order_by(func.sum(VolunteerHours.hours).desc(), Person.id))
    return ([TallyRow(k, n, int(v), _tenths(h)) for k, n, v, h in per_grid],
            [TallyRow(k, n, int(v), _tenths(h)) for k, n, v, h in per_person])


def _tenths(value) -> Decimal:
    """A SUM of hours as an exact decimal with one place (SQLite returns a float)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.1"))
