"""费用共担: the elevator's total cost split over the unit's households by a coefficient per floor (× the floor
area where the county says so), to the fen by the largest-remainder rule of pm.services.fund.apportion (the parts
sum to the total; ties go to the larger weight, then the lower household id). The table is a live preview while
the motion is a draft and is fixed (motion_shares) when it is published."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pm.errors import DomainError
from pm.extensions import db
from pm.models import Household, HouseholdStatus, Ownership, User
from pm.models.motions import Motion, MotionShare, MotionStatus
from pm.services.fund.apportion import largest_remainder
from pm.services.numbers import NumberError, bounded_decimal

MAX_COEFFICIENT = Decimal("999.999")
DOOR_ORDER = (Household.floor, Household.room_no, Household.id)


@dataclass
class CostRow:
    household: Household
    floor: int
    coefficient: Decimal
    area_m2: Decimal
    share_fen: int

    def as_dict(self) -> dict:
        return {"household_id": self.household.id, "household": self.household.label, "floor": self.floor,
                "coefficient": self.coefficient, "area_m2": self.area_m2, "share_fen": self.share_fen}


def parse_coefficients(pairs: Iterable[tuple[object, object]]) -> dict[int, Decimal]:
    """{floor: coefficient} from typed (floor, coefficient) pairs: whole floors, each once, coefficients positive
    decimals (at most 3 places). Anything else is a field error naming the floor."""
    out: dict[int, Decimal] = {}
    for raw_floor, raw_value in pairs:
        try:
            floor = int(str(raw_floor).strip())
        except ValueError:
            raise DomainError("楼层必须是整数", field="coefficients") from None
        if not -5 <= floor <= 120:
            raise DomainError("楼层必须在 -5 到 120 之间", field="coefficients")
        if floor in out:
            raise DomainError("第 %(floor)s 层的系数重复", field="coefficients", floor=floor)
        try:
            out[floor] = bounded_decimal(raw_value, places=3, maximum=MAX_COEFFICIENT)
        except NumberError as err:
            if err.kind == "positive":
                raise DomainError("第 %(floor)s 层的系数必须是正数", field="coefficients", floor=floor) from None
            raise DomainError("第 %(floor)s 层的系数必须是不超过 999.999 的数，最多三位小数", field="coefficients",
                              floor=floor) from None
    return out


def unit_households(motion: Motion) -> list[Household]:
    """The active households of the motion's unit, floor by floor."""
    if motion.unit_id is None:
        return []
    return list(db.session.scalars(
        select(Household).options(joinedload(Household.building), joinedload(Household.unit))
        .where(Household.unit_id == motion.unit_id, Household.status == HouseholdStatus.ACTIVE)
        .order_by(*DOOR_ORDER)))


def split(motion: Motion, households: list[Household], coefficients: dict[int, Decimal]) -> list[CostRow]:
    """Each household's part of the total cost (fen); every floor of the unit needs a coefficient."""
    missing = sorted({h.floor for h in households} - set(coefficients))
    if missing:
        raise DomainError("第 %(floors)s 层没有费用共担系数", field="coefficients",
                          floors="、".join(str(f) for f in missing))
    weights = [(h.id, coefficients[h.floor] * h.area_m2 if motion.cost_by_area else coefficients[h.floor])
               for h in households]
    parts = largest_remainder(motion.total_cost_fen or 0, weights)
    return [CostRow(h, h.floor, coefficients[h.floor], h.area_m2, parts[h.id]) for h in households]


def coefficients_of(motion: Motion) -> dict[int, Decimal]:
    return {c.floor: Decimal(c.coefficient) for c in motion.coefficients}


def cost_table(motion: Motion) -> list[CostRow]:
    """The published parts (fixed at publicity), or — for a draft with a cost and a complete table — the preview;
    [] when there is nothing to show yet."""
    if motion.status != MotionStatus.DRAFT:
        return [CostRow(s.household, s.floor, Decimal(s.coefficient), Decimal(s.area_m2), s.share_fen)
                for s in db.session.scalars(
                    select(MotionShare).join(Household, Household.id == MotionShare.household_id)
                    .options(joinedload(MotionShare.household).joinedload(Household.building),
                             joinedload(MotionShare.household).joinedload(Household.unit))
                    .where(MotionShare.motion_id == motion.id).order_by(*DOOR_ORDER))]
    if not motion.total_cost_fen or not motion.coefficients:
        return []
    try:
        return split(motion, unit_households(motion), coefficients_of(motion))
    except DomainError:
        return []


def fix_shares(motion: Motion) -> list[CostRow]:
    """Write the parts when the motion is published (the table the owners see before voting)."""
    rows = split(motion, unit_households(motion), coefficients_of(motion))
    db.session.add_all([MotionShare(motion_id=motion.id, household_id=r.household.id, floor=r.floor,
                                    coefficient=r.coefficient, area_m2=r.area_m2, share_fen=r.share_fen)
                        for r in rows])
    return rows


def my_rows(rows: list[CostRow], user: User | None) -> list[CostRow]:
    """The rows of the households the user currently owns."""
    if user is None or getattr(user, "person_id", None) is None or not rows:
        return []
    mine = set(db.session.scalars(select(Ownership.household_id).where(
        Ownership.person_id == user.person_id, Ownership.ended_on.is_(None),
        Ownership.household_id.in_([r.household.id for r in rows]))))
    return [r for r in rows if r.household.id in mine]
