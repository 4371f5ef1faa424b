"""起草表决事项: file a motion for a compound (an elevator motion for one unit), and while it is a draft set its
cost-sharing table (total cost and a coefficient per floor) and the households the elevator directly affects."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

from pm.access import Scope
from pm.errors import Conflict, DomainError, NotFound
from pm.extensions import db
from pm.models import Compound, Household, HouseholdStatus, Unit, User
from pm.models.motions import Motion, MotionAffected, MotionCoefficient, MotionKind, MotionStatus
from pm.services import audit
from pm.services.motions.costs import parse_coefficients
from pm.services.motions.policy import county_of, policy_for
from pm.services.motions.rules import check_filer, rule_for
from pm.services.text import N_, check_text

logger = logging.getLogger(__name__)
MAX_COST_FEN = 10_000_000_000  # ¥100 million


def load(scope: Scope, motion_id: int, *, options: tuple = ()) -> Motion:
    """A motion in the caller's scope, else NotFound (never revealing another scope's motion)."""
    stmt = scope.filter(select(Motion).where(Motion.id == motion_id), Motion)
    motion = db.session.scalar(stmt.options(*options)) if options else db.session.scalar(stmt)
    if motion is None:
        raise NotFound("表决事项不存在或不在您的权限范围内", field="motion_id")
    return motion


LABELS = {"title": N_("标题"), "body": N_("事项内容")}


def _text(value, *, field: str, limit: int) -> str:
    return check_text(value, field=field, label=LABELS[field], max_len=limit)


def create_motion(compound: Compound | None, *, kind: MotionKind | str, title: str, body: str, actor: User | None,
                  scope: Scope, unit_id: int | None = None) -> Motion:
    """A draft motion. An elevator motion names a unit of the compound; other kinds none."""
    check_filer(compound, actor=actor, scope=scope)
    rule_for(kind)
    kind = MotionKind(kind)
    unit = None
    if kind == MotionKind.ELEVATOR:
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        if unit is None or unit.compound_id != compound.id:
            raise DomainError("请选择本小区的一个单元", field="unit_id")
    elif unit_id is not None:
        raise DomainError("只有加装电梯事项按单元表决", field="unit_id")
    motion = Motion(compound_id=compound.id, unit_id=unit.id if unit else None, kind=kind,
                    title=_text(title, field="title", limit=120), body=_text(body, field="body", limit=5000),
                    status=MotionStatus.DRAFT, cost_by_area=policy_for(county_of(compound)).cost_by_area,
                    consent_required=False, created_by_id=actor.id if actor is not None else None)
    db.session.add(motion)
    db.session.flush()
    audit.record("motion.create", motion, actor=actor, place=compound,
                 changes={"kind": kind.value, "title": motion.title, "unit_id": motion.unit_id})
    logger.info("motion %r filed by %r", motion, actor)
    return motion


def _draft(motion: Motion, *, actor: User | None, scope: Scope, field: str) -> None:
    check_filer(motion.compound, actor=actor, scope=scope, field="motion_id")
    if motion.status != MotionStatus.DRAFT:
        raise Conflict("表决事项已公示，不能再修改", field=field)
    if motion.kind != MotionKind.ELEVATOR:
        raise DomainError("只有加装电梯事项有费用共担表和受影响住户", field=field)


def set_costs(motion: Motion, *, total_cost_fen: int, coefficients: Iterable[tuple[object, object]],
              actor: User | None, scope: Scope) -> Motion:
    """费用共担表: the total (fen, positive) and a positive coefficient per floor of the unit."""
    _draft(motion, actor=actor, scope=scope, field="coefficients")
    if isinstance(total_cost_fen, bool) or not isinstance(total_cost_fen, int) \
            or not 0 < total_cost_fen <= MAX_COST_FEN:
        raise DomainError("总费用必须是正数（分），不超过一亿元", field="total_cost_fen")
    table = parse_coefficients(coefficients)
    if not table:
        raise DomainError("请填写各楼层的系数", field="coefficients")
    floors = set(db.session.scalars(select(Household.floor).where(
        Household.unit_id == motion.unit_id, Household.status == HouseholdStatus.ACTIVE)))
    missing = sorted(floors - set(table))
    if missing:
        raise DomainError("第 %(floors)s 层没有费用共担系数", field="coefficients",
                          floors="、".join(str(f) for f in missing))
    motion.total_cost_fen = total_cost_fen
    motion.coefficients = [MotionCoefficient(floor=f, coefficient=c) for f, c in sorted(table.items())]
    db.session.flush()
    audit.record("motion.costs", motion, actor=actor, place=motion.compound, changes={
        "total_cost_fen": total_cost_fen, "coefficients": {str(f): str(c) for f, c in sorted(table.items())}})
    return motion


def set_affected(motion: Motion, household_ids: Iterable[int], *, actor: User | None, scope: Scope) -> Motion:
    """受直接影响的住户 (e.g. the ground and first floor): households of the motion's unit."""
    _draft(motion, actor=actor, scope=scope, field="household_ids")
    wanted = sorted(set(household_ids))
    found = set(db.session.scalars(select(Household.id).where(
        Household.id.in_(wanted), Household.unit_id == motion.unit_id,
        Household.status == HouseholdStatus.ACTIVE))) if wanted else set()
    if len(found) != len(wanted):
        raise DomainError("受影响的住户必须是本单元的住户", field="household_ids")
    motion.affected = [MotionAffected(household_id=h) for h in wanted]
    db.session.flush()
    audit.record("motion.affected", motion, actor=actor, place=motion.compound, changes={"household_ids": wanted})
    return motion
