"""计算月度得分: a county's month computed as a draft — the same fixed number of statements for 2 or 2,000 units —
replacing the previous draft in the caller's one transaction."""
from __future__ import annotations

import logging
from datetime import datetime, time, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    AssessmentLine,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentScore,
    County,
    ItemSource,
    PeriodStatus,
    Role,
    UnitKind,
    User,
)
from pm.services import audit, notifications, recipients
from pm.services.assessments import bulk, indicators, periods, schemes, scoring
from pm.services.messages import Message, platform_texts
from pm.services.text import N_
from pm.services.periods import Month
from pm.timeutil import LOCAL_TZ, utcnow

logger = logging.getLogger(__name__)

CUTOFF_HOUR = 2  # 02:00 Beijing time on the 1st of the next month: when the monthly job computes
RECOMPUTABLE = (PeriodStatus.OPEN, PeriodStatus.COMPUTED)


def cutoff_of(month: Month) -> datetime:
    """The fixed instant a month's records are read as of (the next month's 1st, 02:00 Beijing time)."""
    return datetime.combine(month.next().first_day, time(CUTOFF_HOUR), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def period_for(county_id: int, month: Month) -> AssessmentPeriod:
    """The county's period of a month, created (open) when it does not exist yet; safe against a parallel creator."""
    stmt = select(AssessmentPeriod).where(AssessmentPeriod.county_id == county_id,
                                          AssessmentPeriod.month == str(month))
    period = db.session.scalar(stmt)
    if period is not None:
        return period
    try:
        with db.session.begin_nested():
            period = AssessmentPeriod(county_id=county_id, month=str(month), status=PeriodStatus.OPEN,
                                      cutoff_at=cutoff_of(month), created_at=utcnow())
            db.session.add(period)
    except IntegrityError:
        period = db.session.scalar(stmt)
    return period


def open_period(county_id: int, month: Month, *, actor: User, now: datetime) -> AssessmentPeriod:
    """A county user opens (or finds) the period of a month that has ended (its cut-off passed)."""
    if actor.role != Role.COUNTY_ADMIN or actor.county_id != county_id:
        raise Forbidden("只有本县的县级管理员可以进行此操作")
    if now < cutoff_of(month):
        raise DomainError("%(month)s 尚未结束（截止时间为次月 1 日 02:00），不能计算", field="month", month=str(month))
    return period_for(county_id, month)


def transition(period: AssessmentPeriod, action: str, *, actor: User, now: datetime) -> AssessmentPeriod:
    """One step of a period by name: compute, review, close_review, publish, lock."""
    if action == "compute":
        if actor.role != Role.COUNTY_ADMIN or actor.county_id != period.county_id:
            raise Forbidden("只有本县的县级管理员可以进行此操作")
        compute_month(period, now=now, actor=actor)
    elif action == "review":
        periods.start_review(period, actor, now=now)
    elif action == "close_review":
        periods.close_review(period, actor, now=now)
    elif action == "publish":
        periods.publish(period, actor, now=now)
    elif action == "lock":
        periods.lock(period, actor)
    else:
        raise DomainError("未知操作", field="action")
    return period


def _schemes_of(period: AssessmentPeriod, month: Month) -> dict[UnitKind, AssessmentScheme]:
    """The versions a period is scored with: fixed at its first computation, kept afterwards."""
    if period.scheme_ids:
        found = {s.id: s for s in db.session.scalars(select(AssessmentScheme).options(*schemes.OPTIONS).where(
            AssessmentScheme.id.in_(list(period.scheme_ids.values()))))}
        return {UnitKind(k): found[v] for k, v in period.scheme_ids.items()}
    return {kind: schemes.in_force(period.county_id, kind, month.first_day) for kind in UnitKind}


def compute_month(period: AssessmentPeriod, *, now: datetime, actor: User | None = None) -> list[scoring.Result]:
    """Compute (or recompute) a period's draft scores for every unit of its county, as of its cut-off time."""
    locked = db.session.scalar(select(AssessmentPeriod).where(AssessmentPeriod.id == period.id).with_for_update())
    if locked.status not in RECOMPUTABLE:
        raise Conflict("考核期已进入公示或已发布，不能重新计算")
    if now < locked.cutoff_at:
        raise DomainError("%(month)s 尚未结束（截止时间为次月 1 日 02:00），不能计算", field="month", month=locked.month)
    month = Month.parse(locked.month)
    used = _schemes_of(locked, month)
    delay = used[UnitKind.STATION].log_delay_days
    data = indicators.collect(locked.county_id, month, cutoff=locked.cutoff_at, log_delay_days=delay)
    indicators.add_coverage(data, locked.county_id, month, [
        (i.params or {}).get("criterion", "bodies") for scheme in used.values() for c in scheme.categories
        for i in c.items if i.source == ItemSource.INDICATOR and (i.params or {}).get("kind") == "coverage"])
    results = [scoring.score(u, used[u.kind], data, locked.month) for u in data.units]
    scoring.rank(results)
    _replace(locked, results)
    before = locked.status
    locked.status = PeriodStatus.COMPUTED
    locked.computed_at = now
    locked.scheme_ids = {k.value: s.id for k, s in used.items()}
    db.session.flush()
    audit.record("assessment.period.compute", locked, actor=actor,
                 changes={"status": [before, locked.status], "scores": [None, len(results)]},
                 place=db.session.get(County, locked.county_id))
    logger.info("assessment period %r computed: %d units", locked, len(results))
    return results


def _replace(period: AssessmentPeriod, results: list[scoring.Result]) -> None:
    """Delete the previous draft and insert the new one in bulk (a fixed number of statements)."""
    old = select(AssessmentScore.id).where(AssessmentScore.period_id == period.id)
    db.session.execute(delete(AssessmentLine).where(AssessmentLine.score_id.in_(old)))
    db.session.execute(delete(AssessmentScore).where(AssessmentScore.period_id == period.id))
    if not results:
        return
    rows = bulk.insert_rows(AssessmentScore.__table__, [
        {"period_id": period.id, "scheme_id": r.scheme.id, "unit_kind": r.unit.kind, "unit_id": r.unit.id,
         "unit_name": r.unit.name, "street_id": r.unit.street_id, "community_id": r.unit.community_id,
         "station_id": r.unit.station_id, "total": r.total, "rank": r.rank, "is_vetoed": r.is_vetoed}
        for r in results], returning=("id", "unit_kind", "unit_id"))
    ids = {(UnitKind(kind), unit_id): sid for sid, kind, unit_id in rows}
    pairs = [(ids[(r.unit.kind, r.unit.id)], ln) for r in results for ln in r.lines]
    texts = platform_texts(ln.rule for _sid, ln in pairs)  # one switch to the platform's language for every line
    bulk.insert_rows(AssessmentLine.__table__, [
        {"score_id": score_id, "item_id": ln.item_id, "category_code": ln.category_code,
         "category_name": ln.category_name, "item_name": ln.item_name, "position": ln.position, "points": ln.points,
         "computed_points": ln.points, "rule": text, "refs": {**ln.refs, "rule": ln.rule.as_json()}}
        for (score_id, ln), text in zip(pairs, texts)])


def compute_last_month(now: datetime, *, county_ids: list[int] | None = None) -> dict[str, int]:
    """The monthly job's work: compute last month (the assessed month, not the month the job fires in) for every
    county whose period is still a draft. Returns counts."""
    month = Month.of(now).prev()
    if county_ids is None:
        county_ids = list(db.session.scalars(select(County.id).order_by(County.id)))
    counts = {"periods": 0, "scores": 0, "skipped": 0, "notified": 0}
    for county_id in county_ids:
        period = period_for(county_id, month)
        if period.status not in RECOMPUTABLE:
            counts["skipped"] += 1
            continue
        counts["scores"] += len(compute_month(period, now=max(now, period.cutoff_at)))
        counts["periods"] += 1
        counts["notified"] += tell_reviewers(period)
    return counts


def tell_reviewers(period: AssessmentPeriod) -> int:
    """Tell the county's administrators that a month's draft scores wait for their review (once per period)."""
    sent = 0
    title = Message(N_("%(month)s 月度考核得分已计算，请审核后公示"), {"month": period.month})
    for user_id in recipients.county_officials([period.county_id]).get(period.county_id, []):
        if notifications.notify(user_id, "assessment.computed", title, link=f"/assessments/periods/{period.id}",
                                key=f"assessment.computed:{period.id}:{user_id}"):
            sent += 1
    return sent

