"""Demo owner motions: the county's elevator rule (every affected household must agree) and an elevator motion in
voting for the unit of the demo owner's home — a cost table by floor, the ground and first floor listed as
affected, and paper ballots from some of the unit's other owners (the demo owner has not voted yet)."""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from pm.access import scope_for
from pm.demo.names import ago
from pm.extensions import db
from pm.models import Household, HouseholdStatus, Ownership, Person, Role
from pm.services import motions
from pm.timeutil import local_today

logger = logging.getLogger(__name__)
TOTAL_FEN = 36_000_000  # ¥360,000 after the county's subsidy, shared by the unit


def _coefficient(floor: int) -> Decimal:
    """费用共担系数: the ground floor pays least, each floor up more (a common local scheme)."""
    return Decimal("0.10") if floor <= 1 else Decimal("0.40") + Decimal("0.20") * (floor - 2)


def populate(county, compound, users, rng, now) -> dict[str, int]:
    admin, committee, owner_user = (users[r] for r in (Role.COUNTY_ADMIN, Role.COMMITTEE_MEMBER, Role.OWNER))
    motions.set_policy(county.id, affected_consent=True, cost_by_area=False, actor=admin, scope=scope_for(admin))
    home_id = db.session.scalar(select(func.min(Ownership.household_id)).join(
        Household, Household.id == Ownership.household_id).where(
        Ownership.person_id == owner_user.person_id, Ownership.ended_on.is_(None),
        Household.compound_id == compound.id))
    home = db.session.get(Household, home_id)
    scope = scope_for(committee)
    motion = motions.create_motion(
        compound, kind="elevator", title=f"{home.building.name}{home.unit.name}加装电梯",
        body="经本单元业主提议，拟在楼梯间北侧加装电梯一部。总费用扣除县级补助后由本单元业主按楼层系数分摊，"
             "一、二层住户受采光和通行影响，须全部同意。",
        unit_id=home.unit_id, actor=committee, scope=scope)
    unit_homes = list(db.session.scalars(select(Household).where(
        Household.unit_id == home.unit_id, Household.status == HouseholdStatus.ACTIVE).order_by(Household.id)))
    floors = sorted({h.floor for h in unit_homes})
    motions.set_costs(motion, total_cost_fen=TOTAL_FEN, coefficients=[(f, _coefficient(f)) for f in floors],
                      actor=committee, scope=scope)
    motions.set_affected(motion, [h.id for h in unit_homes if h.floor <= min(floors) + 1], actor=committee,
                         scope=scope)
    today = local_today(now)
    motions.publish(motion, publicity_until=today - timedelta(days=4), actor=committee, scope=scope,
                    now=ago(now, 12))
    motions.open_voting(motion, closes_on=today + timedelta(days=12), actor=committee, scope=scope, now=ago(now, 3))
    owners = dict(db.session.execute(
        select(Ownership.household_id, func.min(Ownership.person_id))
        .where(Ownership.household_id.in_([h.id for h in unit_homes]), Ownership.ended_on.is_(None))
        .group_by(Ownership.household_id)).all())
    ballots = 0
    for h in unit_homes:
        if h.id == home.id or h.id not in owners or (ballots and rng.random() >= 0.6):  # at least one ballot
            continue
        choice = "no" if h.floor == min(floors) and rng.random() < 0.5 else "yes"
        motions.cast_ballot(motion, h, choice, actor=committee, scope=scope,
                            person=db.session.get(Person, owners[h.id]), paper=True, now=ago(now, 1))
        ballots += 1
    db.session.flush()
    logger.info("demo motion %r with %d paper ballots", motion, ballots)
    return {"motions": 1, "motion_ballots": ballots}
