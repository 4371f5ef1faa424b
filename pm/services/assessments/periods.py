"""考核期流程: computed → 公示 (review, appeals within the county's working days) → appeals decided → published →
locked; appeals, their decisions and adjustments after publication (更正), each audited."""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope
from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    AppealStatus,
    AssessmentAdjustment,
    AssessmentAppeal,
    AssessmentAppealPhoto,
    AssessmentLine,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentScore,
    County,
    PeriodStatus,
    Role,
    UnitKind,
    User,
)
from pm.services import audit, notifications, recipients, storage
from pm.services.assessments import announce, ladder, schemes, scoring
from pm.services.messages import Message, Term
from pm.services.repairs.workdays import Calendar, add_workdays
from pm.services.text import N_, check_text
from pm.timeutil import LOCAL_TZ, local_today, utcnow

logger = logging.getLogger(__name__)

REVIEW_WORKDAYS = 3  # 公示期: three working days of the county's calendar
MAX_TEXT = 2000


def _county(period: AssessmentPeriod) -> County:
    return db.session.get(County, period.county_id)


def _require_county_admin(actor: User, period: AssessmentPeriod) -> None:
    if actor.role != Role.COUNTY_ADMIN or actor.county_id != period.county_id:
        raise Forbidden("只有本县的县级管理员可以进行此操作")


def _move(period: AssessmentPeriod, actor: User, allowed: tuple[PeriodStatus, ...], to: PeriodStatus,
          action: str) -> None:
    _require_county_admin(actor, period)
    locked = db.session.scalar(select(AssessmentPeriod).where(AssessmentPeriod.id == period.id).with_for_update())
    if locked.status not in allowed:
        raise Conflict("考核期当前状态不能进行此操作")
    before = locked.status
    locked.status = to
    db.session.flush()
    audit.record(action, locked, actor=actor, changes={"status": [before, to]}, place=_county(locked))


def open_appeals(period: AssessmentPeriod) -> int:
    return db.session.scalar(select(func.count()).select_from(AssessmentAppeal).where(
        AssessmentAppeal.period_id == period.id, AssessmentAppeal.status == AppealStatus.OPEN))


def review_end(county_id: int, start: date) -> date:
    """The last day of a review starting on `start`: the third working day after it (by the county's calendar)."""
    due = add_workdays(datetime.combine(start, time(12), tzinfo=LOCAL_TZ), REVIEW_WORKDAYS, Calendar(county_id))
    if due.at is None:  # a year the calendar does not know: plain days
        return start + timedelta(days=REVIEW_WORKDAYS + 2)
    return (due.at - timedelta(seconds=1)).date()


def start_review(period: AssessmentPeriod, actor: User, *, now: datetime | None = None) -> AssessmentPeriod:
    """公示: each unit sees its lines and may appeal until the end of the review window."""
    _move(period, actor, (PeriodStatus.COMPUTED,), PeriodStatus.REVIEW, "assessment.period.review")
    period.review_ends_on = review_end(period.county_id, local_today(now))
    db.session.flush()
    _tell_units(period)
    return period


def _tell_units(period: AssessmentPeriod) -> None:
    """Tell each scored station's manager and each street's officers that the month's scores are shown."""
    rows = db.session.execute(select(AssessmentScore.unit_kind, AssessmentScore.unit_id, AssessmentScore.id).where(
        AssessmentScore.period_id == period.id)).all()
    stations = {uid: sid for kind, uid, sid in rows if kind == UnitKind.STATION}
    streets = {uid: sid for kind, uid, sid in rows if kind == UnitKind.STREET}
    title = Message(N_("%(month)s 月度考核得分公示至 %(end)s，如有异议请在公示期内申诉"),
                    {"month": period.month, "end": period.review_ends_on})
    for group, ids in ((recipients.station_managers(stations), stations),
                       (recipients.street_officials(streets), streets)):
        for unit_id, users in group.items():
            for user_id in users:
                notifications.notify(user_id, "assessment.review", title,
                                     link=f"/assessments/scores/{ids[unit_id]}",
                                     key=f"assessment.review:{period.id}:{user_id}")


def own_score(actor: User, score: AssessmentScore) -> bool:
    """Whether the score is the actor's own unit's (a unit appeals only its own score)."""
    return ((actor.role == Role.STATION_MANAGER and score.unit_kind == UnitKind.STATION
             and score.unit_id == actor.station_id)
            or (actor.role == Role.STREET_OFFICER and score.unit_kind == UnitKind.STREET
                and score.unit_id == actor.street_id)
            or (actor.role == Role.COMMUNITY_WORKER and score.unit_kind == UnitKind.COMMUNITY
                and score.unit_id == actor.community_id))


def file_appeal(line: AssessmentLine, actor: User, *, scope: Scope, reason: str, photos: list | None = None,
                now: datetime | None = None) -> AssessmentAppeal:
    """申诉: the unit contests one line of its own score during the review window, with evidence; one per line."""
    score = scope.get(AssessmentScore, line.score_id)
    period = db.session.get(AssessmentPeriod, score.period_id)
    if not own_score(actor, score):
        raise Forbidden("只能对本单位的考核得分提出申诉")
    if period.status != PeriodStatus.REVIEW:
        raise Conflict("考核结果不在公示期，不能申诉")
    if local_today(now) > period.review_ends_on:
        raise Conflict("公示期已于 %(day)s 结束，不能再申诉", day=period.review_ends_on.isoformat())
    reason = check_text(reason, field="reason", label=N_("申诉理由"), max_len=MAX_TEXT)
    now = now or utcnow()
    stored = storage.save_many(photos, f"assessments/{period.id}")
    appeal = AssessmentAppeal(line_id=line.id, score_id=score.id, period_id=period.id, reason=reason,
                              filed_by_id=actor.id, filed_at=now)
    appeal.photos = [AssessmentAppealPhoto(path=s.path, content_type=s.content_type, created_at=now) for s in stored]
    try:
        with db.session.begin_nested():
            db.session.add(appeal)
    except IntegrityError:  # a second appeal on the line, also one filed in parallel
        raise Conflict("这一项已经提出过申诉", field="line_id") from None
    audit.record("assessment.appeal.file", appeal, actor=actor,
                 changes={"line": [None, line.id], "photos": [None, len(stored)]}, place=_county(period))
    title = Message(N_("%(unit)s 对 %(month)s 考核“%(item)s”提出申诉"),
                    {"unit": score.unit_name, "month": period.month, "item": Term("assessment_names", line.item_name)})
    for user_id in recipients.county_officials([period.county_id]).get(period.county_id, []):
        notifications.notify(user_id, "assessment.appeal", title, link=f"/assessments/periods/{period.id}",
                             key=f"assessment.appeal:{appeal.id}:{user_id}")
    return appeal


def _points(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value)) if not isinstance(value, (bool, float)) and value not in (None, "") else None
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or number.as_tuple().exponent < -2 or abs(number) > 1000:
        raise DomainError("分值必须是数字，最多两位小数", field=field)
    return number


def decide_appeal(appeal: AssessmentAppeal, actor: User, *, upheld: bool, decision: str, new_points=None,
                  now: datetime | None = None) -> AssessmentAppeal:
    """Uphold (the line takes the new points, with the reason) or reject an open appeal; the totals and ranks of
    the period follow."""
    period = db.session.get(AssessmentPeriod, appeal.period_id)
    _require_county_admin(actor, period)
    if appeal.status != AppealStatus.OPEN:
        raise Conflict("该申诉已经处理")
    if period.status not in (PeriodStatus.REVIEW, PeriodStatus.DECIDED):
        raise Conflict("考核期当前状态不能处理申诉")
    decision = check_text(decision, field="decision", label=N_("处理意见"), max_len=MAX_TEXT)
    line = db.session.get(AssessmentLine, appeal.line_id)
    old = line.points
    if upheld:
        points = _points(new_points, "new_points")
        cap = line.item.cap
        if (line.computed_points <= 0 and not -cap <= points <= 0) or (line.computed_points > 0 and not 0 <= points <= cap):
            raise DomainError("调整后的分值应在本项范围内（0 到 %(sign)s%(cap)s 分）", field="new_points",
                              sign="-" if line.computed_points <= 0 else "", cap=cap)
        line.points = points
        line.change_reason = decision
        appeal.new_points = points
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.decision = decision
    appeal.decided_by_id = actor.id
    appeal.decided_at = now or utcnow()
    db.session.flush()
    if upheld:
        retotal(period, db.session.get(AssessmentScore, appeal.score_id))
    audit.record("assessment.appeal.decide", appeal, actor=actor,
                 changes={"status": ["open", appeal.status], "points": [old, line.points]}, place=_county(period))
    return appeal


def retotal(period: AssessmentPeriod, score: AssessmentScore) -> None:
    """A score's total from its (changed) lines, then the ranks of its kind in the period."""
    scheme = db.session.scalar(select(AssessmentScheme).options(*schemes.OPTIONS).where(
        AssessmentScheme.id == score.scheme_id))
    if not score.is_vetoed:
        score.total = scoring.total_of(scheme, [(ln.category_code, ln.points) for ln in score.lines])
    db.session.flush()
    group = db.session.scalars(select(AssessmentScore).where(
        AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == score.unit_kind)).all()
    group = sorted(group, key=lambda s: (s.is_vetoed, -s.total, s.unit_id))
    previous = None
    for n, s in enumerate(group, start=1):
        s.rank = previous.rank if previous and (previous.is_vetoed, previous.total) == (s.is_vetoed, s.total) else n
        previous = s
    db.session.flush()


def close_review(period: AssessmentPeriod, actor: User, *, now: datetime | None = None) -> AssessmentPeriod:
    """申诉处理完毕: after the window, with every appeal decided."""
    if period.status == PeriodStatus.REVIEW and local_today(now) <= period.review_ends_on:
        raise Conflict("公示期至 %(day)s 结束，之后才能结束公示", day=period.review_ends_on.isoformat())
    if open_appeals(period):
        raise Conflict("还有 %(n)s 项申诉未处理", n=open_appeals(period))
    _move(period, actor, (PeriodStatus.REVIEW,), PeriodStatus.DECIDED, "assessment.period.decided")
    return period


def publish(period: AssessmentPeriod, actor: User, *, now: datetime | None = None) -> AssessmentPeriod:
    """发布: refused while an appeal is open; afterwards the month's records and scores never change."""
    if open_appeals(period):
        raise Conflict("还有 %(n)s 项申诉未处理，不能发布", n=open_appeals(period))
    _move(period, actor, (PeriodStatus.DECIDED,), PeriodStatus.PUBLISHED, "assessment.period.publish")
    period.published_at = now or utcnow()
    db.session.flush()
    ladder.apply(period)  # 通报批评 / 黄牌 / 约谈 / 表扬, with their notices (once per period)
    announce.post_bulletin_notices(period, actor)  # 公告 per street, linking to the bulletin page
    return period


def lock(period: AssessmentPeriod, actor: User) -> AssessmentPeriod:
    """锁定 a published month (its bulletins are final)."""
    _move(period, actor, (PeriodStatus.PUBLISHED,), PeriodStatus.LOCKED, "assessment.period.lock")
    return period


def adjust(score: AssessmentScore, actor: User, *, points, reason: str,
           now: datetime | None = None) -> AssessmentAdjustment:
    """更正 after publication: the published total stays; the adjustment, with its reason, is shown beside it."""
    period = db.session.get(AssessmentPeriod, score.period_id)
    _require_county_admin(actor, period)
    if period.status not in (PeriodStatus.PUBLISHED, PeriodStatus.LOCKED):
        raise Conflict("考核结果发布后才能更正；发布前请重新计算或处理申诉")
    reason = check_text(reason, field="reason", label=N_("更正理由"), max_len=MAX_TEXT)
    value = _points(points, "points")
    if value == 0:
        raise DomainError("更正分值不能为 0", field="points")
    entry = AssessmentAdjustment(score_id=score.id, points=value, reason=reason, actor_id=actor.id,
                                 created_at=now or utcnow())
    db.session.add(entry)
    db.session.flush()
    audit.record("assessment.adjust", entry, actor=actor,
                 changes={"score": [None, score.id], "points": [None, value], "reason": [None, reason]},
                 place=_county(period))
    return entry


# -- reading ----------------------------------------------------------------------------------------------
def periods_stmt(scope: Scope):
    return scope.select(AssessmentPeriod).order_by(AssessmentPeriod.month.desc())


def scores_stmt(scope: Scope, period: AssessmentPeriod, *, kind: UnitKind | str | None = None):
    """The period's scores the user may see, ranked within each kind."""
    stmt = scope.select(AssessmentScore).where(AssessmentScore.period_id == period.id)
    if kind:
        stmt = stmt.where(AssessmentScore.unit_kind == kind)
    return stmt.order_by(AssessmentScore.unit_kind, AssessmentScore.rank, AssessmentScore.unit_id)


# The period and the (usually no) adjustments come in the score's own statement; the lines in one more.
SCORE_OPTIONS = (selectinload(AssessmentScore.lines), joinedload(AssessmentScore.adjustments),
                 joinedload(AssessmentScore.period))


def load_score(scope: Scope, score_id: int) -> AssessmentScore:
    return scope.get(AssessmentScore, score_id, options=SCORE_OPTIONS)


def appeals_of(scope: Scope, period: AssessmentPeriod, *, score_id: int | None = None) -> list[AssessmentAppeal]:
    stmt = scope.select(AssessmentAppeal).options(
        selectinload(AssessmentAppeal.photos), selectinload(AssessmentAppeal.score),
        selectinload(AssessmentAppeal.line)).where(
        AssessmentAppeal.period_id == period.id)
    if score_id:
        stmt = stmt.where(AssessmentAppeal.score_id == score_id)
    return list(db.session.scalars(stmt.order_by(AssessmentAppeal.id)))
