"""考核通报: a published month's rankings (stations within a street and county-wide, communities, streets), its
红榜/黑榜 (top and bottom units), the month's main problems by category, the ladder steps, the distribution of
scores; a unit's trend. A fixed number of queries however many units there are."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from pm.access import Scope
from pm.errors import Conflict
from pm.extensions import db
from pm.models import (
    AssessmentLadderStepRecord,
    AssessmentPeriod,
    AssessmentScore,
    PeriodStatus,
    StreetOffice,
    UnitKind,
)
from pm.services.assessments import ladder, problems

SHOWN = (PeriodStatus.PUBLISHED, PeriodStatus.LOCKED)
BUCKETS = ((Decimal(90), "≥90"), (Decimal(80), "80–90"), (Decimal(70), "70–80"), (Decimal(60), "60–70"),
           (Decimal(-1000), "<60"))
MIN_LIST = 3
TREND_MONTHS = 12


@dataclass
class Bulletin:
    period: AssessmentPeriod
    street: StreetOffice | None
    top: dict = field(default_factory=dict)  # kind → [score]
    bottom: dict = field(default_factory=dict)  # kind → [score]
    counts: dict = field(default_factory=dict)  # kind → units ranked
    problems: list = field(default_factory=list)  # (category, lines, units, points lost)
    steps: list = field(default_factory=list)  # AssessmentLadderStepRecord
    distribution: list = field(default_factory=list)  # (bucket label, stations)
    streets: list = field(default_factory=list)  # street scores, ranked (county-wide)


def require_published(period: AssessmentPeriod) -> None:
    if period.status not in SHOWN:
        raise Conflict("考核结果发布后才有通报")


def _scores(scope: Scope, period: AssessmentPeriod, street_id: int | None):
    stmt = scope.select(AssessmentScore).where(AssessmentScore.period_id == period.id)
    return stmt.where(AssessmentScore.street_id == street_id) if street_id else stmt


def ranking_stmt(scope: Scope, period: AssessmentPeriod, kind: UnitKind | str, *, street_id: int | None = None):
    """A kind's ranking in the period (county-wide rank; within a street when street_id is given)."""
    return _scores(scope, period, street_id).where(AssessmentScore.unit_kind == kind).order_by(
        AssessmentScore.rank, AssessmentScore.unit_id)


def bulletin(scope: Scope, period: AssessmentPeriod, *, street_id: int | None = None) -> Bulletin:
    """The month's bulletin for the county (or one street): about ten queries for 2 or 2,000 units."""
    require_published(period)
    settings = ladder.settings_of(period.county_id)
    size = max(MIN_LIST, settings.top_size, settings.bottom_size)
    out = Bulletin(period=period, street=db.session.get(StreetOffice, street_id) if street_id else None)
    base = _scores(scope, period, street_id)
    lists = top_and_bottom(base, size, all_streets=not street_id)
    out.counts, out.top, out.bottom, out.distribution = lists.counts, lists.top, lists.bottom, lists.distribution
    out.streets = lists.streets
    out.problems = problems.of(scope, period, base, street_id=street_id)
    out.steps = list(db.session.scalars(ladder.steps_stmt(scope, period_id=period.id).where(
        *([AssessmentLadderStepRecord.street_id == street_id] if street_id else []))))
    return out


@dataclass
class Lists:
    counts: dict  # kind → units ranked
    top: dict  # kind → [score], best first
    bottom: dict  # kind → [score], best first
    distribution: list  # (band, stations)
    streets: list  # every street score, ranked (when asked for)


def _band():
    return case(*[(AssessmentScore.total >= low, text) for low, text in BUCKETS[:-1]], else_=BUCKETS[-1][1])


def top_and_bottom(base, size: int, *, all_streets: bool = False) -> Lists:
    """Of `base` (a select of AssessmentScore), in one statement: the units of each kind, the `size` best and the
    `size` worst (never overlapping the best), the stations per score band, and (all_streets) every street's score —
    each kind's rows numbered from both ends and the bands counted by window functions."""
    order = (AssessmentScore.rank, AssessmentScore.unit_id)
    station = AssessmentScore.unit_kind == UnitKind.STATION
    band = _band()
    numbered = base.order_by(None).with_only_columns(
        AssessmentScore.id.label("score_id"), AssessmentScore.unit_kind.label("kind"),
        func.row_number().over(partition_by=AssessmentScore.unit_kind, order_by=order).label("up"),
        func.row_number().over(partition_by=AssessmentScore.unit_kind,
                               order_by=tuple(c.desc() for c in order)).label("down"),
        func.count().over(partition_by=AssessmentScore.unit_kind).label("n"),
        *[func.count().filter(and_(station, band == text)).over().label(f"band{i}")
          for i, (_low, text) in enumerate(BUCKETS)]).subquery("numbered")
    wanted = or_(numbered.c.up <= size, numbered.c.down <= size,
                 *([numbered.c.kind == UnitKind.STREET] if all_streets else []))  # filtered before the join
    rows = db.session.execute(
        select(AssessmentScore, numbered.c.up, numbered.c.down, numbered.c.n,
               *[numbered.c[f"band{i}"] for i in range(len(BUCKETS))])
        .join(numbered, numbered.c.score_id == AssessmentScore.id).where(wanted)).all()
    counts: dict = {}
    top: dict = {}
    bottom: dict = {}
    streets = []
    bands = [0] * len(BUCKETS)
    for score, up, down, n, *found in rows:
        kind = UnitKind(score.unit_kind)
        counts[kind] = int(n)
        bands = [int(v) for v in found]
        if up <= size:
            top.setdefault(kind, []).append((up, score))
        if down <= min(size, max(0, int(n) - size)):
            bottom.setdefault(kind, []).append((-down, score))
        if all_streets and kind == UnitKind.STREET:
            streets.append((up, score))
    ordered = [k for k in UnitKind if k in counts]

    def best_first(pairs):
        return [s for _n, s in sorted(pairs, key=lambda r: r[0])]

    return Lists(counts={k: counts[k] for k in ordered}, top={k: best_first(top.get(k, [])) for k in ordered},
                 bottom={k: best_first(bottom.get(k, [])) for k in ordered},
                 distribution=[(text, bands[i]) for i, (_low, text) in reversed(list(enumerate(BUCKETS)))],
                 streets=best_first(streets))


def distribution(scope: Scope, period: AssessmentPeriod, *, street_id: int | None = None) -> list[tuple[str, int]]:
    """How many stations scored in each band (≥90 … <60), one grouped query."""
    band = _band()
    stmt = (_scores(scope, period, street_id).where(AssessmentScore.unit_kind == UnitKind.STATION)
            .with_only_columns(band.label("band"), func.count()).group_by("band").order_by(None))
    found = dict(db.session.execute(stmt).all())
    return [(text, found.get(text, 0)) for _low, text in reversed(BUCKETS)]


def home_county(scope: Scope) -> int:
    """The county whose settings and year the user reads (0: none)."""
    return db.session.scalar(scope.county_ids.order_by(None).limit(1)) or 0


def trend(scope: Scope, kind: UnitKind | str, unit_id: int) -> list[tuple[str, Decimal, int, int]]:
    """A unit's published monthly totals, oldest first: (month, total, rank, score id), the last twelve."""
    rows = db.session.execute(
        scope.select(AssessmentScore).join(AssessmentPeriod, AssessmentPeriod.id == AssessmentScore.period_id)
        .where(AssessmentScore.unit_kind == kind, AssessmentScore.unit_id == unit_id,
               AssessmentPeriod.status.in_(SHOWN))
        .with_only_columns(AssessmentPeriod.month, AssessmentScore.total, AssessmentScore.rank, AssessmentScore.id)
        .order_by(AssessmentPeriod.month.desc()).limit(TREND_MONTHS)).all()
    return [tuple(r) for r in reversed(rows)]
