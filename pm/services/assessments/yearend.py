"""年终考核: a unit's year is the weighted mean of its published months (the county's month weights, summing to
100 %; months not published are left out and the rest re-weighted) plus the year-end items the county entered
with a reason; ranked within the kind."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from pm.access import Scope
from pm.errors import DomainError, Forbidden, NotFound
from pm.extensions import db
from pm.models import (
    AssessmentPeriod,
    AssessmentScore,
    AssessmentSettings,
    AssessmentYearItem,
    County,
    Role,
    StreetOffice,
    UnitKind,
    User,
)
from pm.services import audit
from pm.services.assessments import bulletins, ladder
from pm.services.assessments.events import UNIT_MODELS, _place
from pm.services.text import N_, check_text
from pm.timeutil import utcnow

CENT = Decimal("0.01")
MONTHS = [f"{m:02d}" for m in range(1, 13)]


@dataclass
class Row:
    unit_kind: UnitKind
    unit_id: int
    unit_name: str
    months: dict = field(default_factory=dict)  # "2026-01" → total
    weighted: Decimal = Decimal(0)
    items: Decimal = Decimal(0)
    final: Decimal = Decimal(0)
    rank: int = 0


@dataclass
class YearResult:
    year: int
    kind: UnitKind
    months: list[str]
    weights: dict
    rows: list[Row]
    street: StreetOffice | None = None  # the street filter, when given


def _require_admin(actor: User, county_id: int) -> None:
    if actor.role != Role.COUNTY_ADMIN or actor.county_id != county_id:
        raise Forbidden("只有本县的县级管理员可以进行此操作")


def _points(value, field: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip()).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("分值必须是数字，最多两位小数", field=field) from None
    if not low <= number <= high:
        raise DomainError("分值应在 %(low)s 到 %(high)s 之间", field=field, low=low, high=high)
    return number


def update_weights(county_id: int, actor: User, weights: dict | None) -> AssessmentSettings:
    """Month weights {"01": 8, …}: every month 0–100, summing to 100 (None or {}: equal weights)."""
    _require_admin(actor, county_id)
    clean = None
    if weights:
        clean = {}
        for key, value in weights.items():
            month = str(key).zfill(2)
            if month not in MONTHS:
                raise DomainError("月份应为 01 到 12", field="weights")
            clean[month] = str(_points(value, f"weights.{month}", low=Decimal(0), high=Decimal(100)))
        if sum(Decimal(v) for v in clean.values()) != Decimal(100):
            raise DomainError("各月权重之和应为 100%%（现为 %(sum)s%%）", field="weights",
                              sum=sum(Decimal(v) for v in clean.values()))
    found = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.county_id == county_id))
    if found is None:
        found = ladder.settings_of(county_id)
        db.session.add(found)
    before = found.month_weights
    found.month_weights = clean
    found.updated_at = utcnow()
    db.session.flush()
    audit.record("assessment.settings.weights", found, actor=actor, changes={"month_weights": [before, clean]},
                 place=db.session.get(County, county_id))
    return found


def add_item(actor: User, *, scope: Scope, year: int, unit_kind, unit_id: int, points, reason: str
             ) -> AssessmentYearItem:
    """年终加减分 for a unit of the county, with the reason (audited)."""
    _require_admin(actor, actor.county_id)
    try:
        kind = UnitKind(unit_kind)
    except ValueError:
        raise DomainError("考核对象类型无效", field="unit_kind") from None
    if not isinstance(unit_id, int) or not scope.contains(UNIT_MODELS[kind], unit_id):
        raise NotFound("考核对象不存在或不在您的管辖范围内", field="unit_id")
    if not 2000 <= int(year) <= 2100:
        raise DomainError("年份无效", field="year")
    value = _points(points, "points", low=Decimal(-100), high=Decimal(100))
    if value == 0:
        raise DomainError("分值不能为 0", field="points")
    reason = check_text(reason, field="reason", label=N_("理由"), max_len=2000)
    place = _place(kind, db.session.get(UNIT_MODELS[kind], unit_id))
    item = AssessmentYearItem(county_id=actor.county_id, year=int(year), unit_kind=kind, unit_id=unit_id,
                              points=value, reason=reason, actor_id=actor.id, created_at=utcnow(), **place)
    db.session.add(item)
    db.session.flush()
    audit.record("assessment.year_item", item, actor=actor,
                 changes={"unit": [None, f"{kind.value}:{unit_id}"], "points": [None, value], "reason": [None, reason]},
                 place=db.session.get(County, actor.county_id))
    return item


def items_stmt(scope: Scope, county_id: int, year: int, *, street_id: int | None = None):
    stmt = scope.select(AssessmentYearItem).where(AssessmentYearItem.county_id == county_id,
                                                  AssessmentYearItem.year == year).order_by(AssessmentYearItem.id)
    return stmt.where(AssessmentYearItem.street_id == street_id) if street_id is not None else stmt


def result(scope: Scope, county_id: int, year: int, kind: UnitKind | str, *, street_id: int | None = None
           ) -> YearResult:
    """The year's result of a kind (three queries); with `street_id`, that street's units only, ranked among
    themselves (a street officer's scope holds only their street anyway)."""
    kind = UnitKind(kind)
    street = None
    if street_id is not None:
        street = db.session.scalar(scope.select(StreetOffice).where(StreetOffice.id == street_id))
        if street is None:
            raise NotFound("街道办不存在或不在您的管辖范围内", field="street_id")
    settings = ladder.settings_of(county_id)
    in_street = [AssessmentScore.street_id == street_id] if street_id is not None else []
    rows = db.session.execute(
        scope.select(AssessmentScore).join(AssessmentPeriod, AssessmentPeriod.id == AssessmentScore.period_id)
        .where(AssessmentPeriod.county_id == county_id, AssessmentPeriod.status.in_(bulletins.SHOWN),
               AssessmentPeriod.month.like(f"{int(year)}-%"), AssessmentScore.unit_kind == kind, *in_street)
        .with_only_columns(AssessmentScore.unit_id, AssessmentScore.unit_name, AssessmentPeriod.month,
                           AssessmentScore.total)).all()
    extra = dict(db.session.execute(
        items_stmt(scope, county_id, year, street_id=street_id).where(AssessmentYearItem.unit_kind == kind)
        .with_only_columns(AssessmentYearItem.unit_id, func.sum(AssessmentYearItem.points))
        .group_by(AssessmentYearItem.unit_id).order_by(None)).all())
    weights = {m: Decimal(v) for m, v in (settings.month_weights or {}).items()} or {m: Decimal(1) for m in MONTHS}
    units: dict[int, Row] = {}
    for unit_id, name, month, total in rows:
        units.setdefault(unit_id, Row(kind, unit_id, name)).months[month] = total
    months = sorted({m for *_x, m, _t in rows})
    for row in units.values():
        used = {m: weights.get(m[5:], Decimal(0)) for m in row.months}
        weight = sum(used.values())
        row.weighted = (sum(row.months[m] * w for m, w in used.items()) / weight).quantize(CENT) if weight else Decimal(0)
        row.items = Decimal(extra.get(row.unit_id) or 0).quantize(CENT)
        row.final = row.weighted + row.items
    ranked = sorted(units.values(), key=lambda r: (-r.final, r.unit_id))
    for n, row in enumerate(ranked, start=1):
        row.rank = ranked[n - 2].rank if n > 1 and ranked[n - 2].final == row.final else n
    return YearResult(year=int(year), kind=kind, months=months, weights={k: str(v) for k, v in weights.items()},
                      rows=ranked, street=street)
