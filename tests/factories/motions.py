"""Factories for motions: a unit of owners with logins in the world's compound a[0], and an elevator motion on it
taken as far as asked (draft, publicity, voting)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pm.access import scope_for
from pm.extensions import db
from pm.models import Role
from pm.models.motions import MotionPolicy
from pm.services import motions
from pm.timeutil import local_today, utcnow
from tests.factories.accounts import make_user
from tests.factories.registry import make_household, make_owner, make_person, make_unit

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
DAY0 = date(2026, 6, 1)


def owners_unit(w, *, floors=3, per_floor=2, area="80.00", name="电梯单元"):
    """A unit of compound a[0] with `per_floor` dwellings on each floor, each with its own owner login:
    (unit, [(household, user)]) floor by floor."""
    unit = make_unit(w.households["a"][0].building, name=name)
    out = []
    for floor in range(1, floors + 1):
        for i in range(per_floor):
            hh = make_household(unit, room_no=f"{floor}0{i + 1}", floor=floor, area_m2=Decimal(area))
            person = make_person()
            make_owner(hh, person)
            out.append((hh, make_user(Role.OWNER, person)))
    return unit, out


def set_policy(county, *, affected_consent=False, cost_by_area=False):
    policy = db.session.get(MotionPolicy, county.id) or MotionPolicy(county_id=county.id)
    policy.affected_consent, policy.cost_by_area = affected_consent, cost_by_area
    db.session.add(policy)
    db.session.flush()
    return policy


def elevator_motion(w, unit, *, stage="voting", actor=None, total_fen=300_000, coefficients=None, affected=(),
                    voting_days=10):
    """An elevator motion on `unit`, moved on to `stage` (draft, publicity, voting) as of T0 + a few days."""
    actor = actor or w.users[Role.COMMITTEE_MEMBER]
    scope = scope_for(actor)
    motion = motions.create_motion(w.compounds["a"][0], kind="elevator", title="加装电梯", body="一单元加装电梯",
                                   unit_id=unit.id, actor=actor, scope=scope)
    coefficients = coefficients or {1: "0.2", 2: "1", 3: "1.5"}
    motions.set_costs(motion, total_cost_fen=total_fen, coefficients=coefficients.items(), actor=actor, scope=scope)
    if affected:
        motions.set_affected(motion, [h.id for h in affected], actor=actor, scope=scope)
    if stage in ("publicity", "voting"):
        motions.publish(motion, publicity_until=DAY0 + timedelta(days=7), actor=actor, scope=scope, now=T0)
    if stage == "voting":
        motions.open_voting(motion, closes_on=DAY0 + timedelta(days=8 + voting_days), actor=actor, scope=scope,
                            now=T0 + timedelta(days=8))
    db.session.commit()
    return motion


def live_elevator_motion(w, unit, *, affected=(), total_fen=300_000, coefficients=None):
    """An elevator motion on `unit` in voting now (publicised 10 days ago, voting since yesterday, 10 days left),
    for page and API tests that act at the real clock."""
    actor = w.users[Role.COMMITTEE_MEMBER]
    scope = scope_for(actor)
    motion = motions.create_motion(w.compounds["a"][0], kind="elevator", title="加装电梯", body="一单元加装电梯",
                                   unit_id=unit.id, actor=actor, scope=scope)
    coefficients = coefficients or {1: "0.2", 2: "1", 3: "1.5"}
    motions.set_costs(motion, total_cost_fen=total_fen, coefficients=coefficients.items(), actor=actor, scope=scope)
    if affected:
        motions.set_affected(motion, [h.id for h in affected], actor=actor, scope=scope)
    now = utcnow()
    motions.publish(motion, publicity_until=local_today(now - timedelta(days=9)), actor=actor, scope=scope,
                    now=now - timedelta(days=10))
    motions.open_voting(motion, closes_on=local_today(now) + timedelta(days=10), actor=actor, scope=scope,
                        now=now - timedelta(days=1))
    db.session.commit()
    return motion
