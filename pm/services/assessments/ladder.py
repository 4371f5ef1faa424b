"""考核结果运用 (escalation ladder): when a month is published, the bottom group (or every unit under the county's
threshold) takes a step — 通报批评, then 黄牌警告 the second consecutive month, then 约谈 (the service provider is
flagged for replacement) — and the top group is commended; each step is a record with the notices sent to the
unit's managers and their supervisors. Applying a period twice adds nothing."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from pm.errors import DomainError, Forbidden
from pm.extensions import db
from pm.models import (
    AssessmentLadderStepRecord,
    AssessmentPeriod,
    AssessmentScore,
    AssessmentSettings,
    County,
    LadderStep,
    Role,
    UnitKind,
    User,
)
from pm.models.assessment_results import DEFAULT_STEPS
from pm.services import audit, notifications, recipients
from pm.services.assessments import problems
from pm.services.messages import Message
from pm.services.periods import Month
from pm.services.text import N_
from pm.timeutil import utcnow

MAX_GROUP = 1000
MAX_STEPS = 6
BOTTOM_STEPS = (LadderStep.CRITICISM, LadderStep.YELLOW_CARD, LadderStep.INTERVIEW)
TITLES = {LadderStep.COMMENDED: N_("%(month)s 月度考核：%(unit)s 被通报表扬"),
          LadderStep.CRITICISM: N_("%(month)s 月度考核：%(unit)s 被通报批评"),
          LadderStep.YELLOW_CARD: N_("%(month)s 月度考核：%(unit)s 连续两个月排名靠后，黄牌警告"),
          LadderStep.INTERVIEW: N_("%(month)s 月度考核：%(unit)s 连续多月排名靠后，约谈并建议更换物业服务企业")}


def settings_of(county_id: int) -> AssessmentSettings:
    """The county's settings (defaults, unsaved, when it never changed them)."""
    found = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.county_id == county_id))
    return found or AssessmentSettings(county_id=county_id, bottom_size=1, top_size=1, threshold=None,
                                       steps=list(DEFAULT_STEPS), month_weights=None)


def _count(value, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("请填写整数", field=field) from None
    if number < 0:
        raise DomainError("人数不能为负数", field=field)
    if number > MAX_GROUP:
        raise DomainError("人数不能超过 %(n)s", field=field, n=MAX_GROUP)
    return number


def _steps(steps) -> list[str]:
    """The bottom group's steps in order (month 1, 2, …; the last one repeats and flags the provider)."""
    if isinstance(steps, str) or not isinstance(steps, (list, tuple)):
        raise DomainError("处理步骤应为一个列表", field="steps")
    chosen = [str(s or "").strip() for s in steps]
    if not chosen:
        raise DomainError("请至少设置一个处理步骤", field="steps")
    if len(chosen) > MAX_STEPS:
        raise DomainError("处理步骤最多 %(n)s 个", field="steps", n=MAX_STEPS)
    allowed = {x.value for x in BOTTOM_STEPS}
    for n, step in enumerate(chosen):
        if not step:
            raise DomainError("第 %(n)s 步未选择：步骤须从第 1 步起连续填写", field=f"steps.{n}", n=n + 1)
        if step not in allowed:
            raise DomainError("第 %(n)s 步只能是通报批评、黄牌警告或约谈", field=f"steps.{n}", n=n + 1)
    return chosen


def update_settings(county_id: int, actor: User, *, bottom_size, top_size, threshold=None,
                    steps=None) -> AssessmentSettings:
    """A county administrator sets the ladder: bottom group size, an optional threshold, top group size, steps."""
    if actor.role != Role.COUNTY_ADMIN or actor.county_id != county_id:
        raise Forbidden("只有本县的县级管理员可以进行此操作")
    bottom, top = _count(bottom_size, "bottom_size"), _count(top_size, "top_size")
    limit = None
    if threshold not in (None, ""):
        try:
            limit = Decimal(str(threshold).strip()).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise DomainError("分值必须是数字，最多两位小数", field="threshold") from None
        if not Decimal(0) <= limit <= Decimal(1000):
            raise DomainError("分数线应在 0 到 1000 之间", field="threshold")
    if bottom == 0 and limit is None:
        raise DomainError("请设置末位人数或分数线（至少一项）", field="bottom_size")
    chosen = _steps(DEFAULT_STEPS if steps is None else steps)
    found = db.session.scalar(select(AssessmentSettings).where(AssessmentSettings.county_id == county_id))
    before = None
    if found is None:
        found = AssessmentSettings(county_id=county_id, month_weights=None)
        db.session.add(found)
    else:
        before = {"bottom_size": found.bottom_size, "top_size": found.top_size, "threshold": found.threshold,
                  "steps": found.steps}
    found.bottom_size, found.top_size, found.threshold, found.steps = bottom, top, limit, chosen
    found.updated_at = utcnow()
    db.session.flush()
    after = {"bottom_size": bottom, "top_size": top, "threshold": limit, "steps": chosen}
    audit.record("assessment.settings.ladder", found, actor=actor,
                 changes={k: [before[k] if before else None, v] for k, v in after.items()},
                 place=db.session.get(County, county_id))
    return found


def _previous_levels(period: AssessmentPeriod) -> dict[tuple[UnitKind, int], int]:
    """(kind, unit) → consecutive bottom months up to the previous month (its published steps)."""
    previous = str(Month.parse(period.month).prev())
    rows = db.session.execute(select(AssessmentLadderStepRecord.unit_kind, AssessmentLadderStepRecord.unit_id,
                                     AssessmentLadderStepRecord.level).where(
        AssessmentLadderStepRecord.county_id == period.county_id, AssessmentLadderStepRecord.month == previous))
    return {(UnitKind(k), u): level for k, u, level in rows}


def _decide(scores: list[AssessmentScore], settings: AssessmentSettings) -> dict[int, str]:
    """score id → "bottom" or "top" within each kind."""
    out: dict[int, str] = {}
    for kind in UnitKind:
        group = sorted((s for s in scores if s.unit_kind == kind), key=lambda s: (s.rank, s.unit_id))
        n = len(group)
        for s in group:
            if (settings.bottom_size and s.rank > n - settings.bottom_size) or s.is_vetoed or (
                    settings.threshold is not None and s.total < settings.threshold):
                out[s.id] = "bottom"
            elif settings.top_size and s.rank <= settings.top_size:
                out[s.id] = "top"
    return out


def apply(period: AssessmentPeriod) -> list[AssessmentLadderStepRecord]:
    """The steps of a published period (once: the steps already recorded are kept, none is added twice)."""
    problems.record(period)  # the bulletin's 主要问题, frozen with the month
    settings = settings_of(period.county_id)
    have = set(db.session.execute(select(AssessmentLadderStepRecord.unit_kind, AssessmentLadderStepRecord.unit_id)
                                  .where(AssessmentLadderStepRecord.period_id == period.id)).all())
    if have:
        return []
    scores = list(db.session.scalars(select(AssessmentScore).where(AssessmentScore.period_id == period.id)))
    groups = _decide(scores, settings)
    before = _previous_levels(period)
    steps = [str(s) for s in (settings.steps or DEFAULT_STEPS)]
    made = []
    for s in scores:
        where = groups.get(s.id)
        if where is None:
            continue
        level = before.get((s.unit_kind, s.unit_id), 0) + 1 if where == "bottom" else 0
        step = LadderStep(steps[min(level, len(steps)) - 1]) if level else LadderStep.COMMENDED
        made.append(AssessmentLadderStepRecord(
            period_id=period.id, county_id=period.county_id, month=period.month, score_id=s.id,
            unit_kind=s.unit_kind, unit_id=s.unit_id, unit_name=s.unit_name, street_id=s.street_id,
            community_id=s.community_id, station_id=s.station_id, step=step, level=level,
            replace_provider=bool(level) and level >= len(steps) and s.unit_kind != UnitKind.STREET,
            total=s.total, rank=s.rank, notified=[], created_at=utcnow()))
    db.session.add_all(made)
    db.session.flush()
    _notify(period, made)
    audit.record("assessment.ladder.apply", period, actor=None,
                 changes={"steps": [None, {str(k): sum(1 for m in made if m.step == k) for k in LadderStep}]},
                 place=db.session.get(County, period.county_id))
    return made


def _audience(made: list[AssessmentLadderStepRecord]) -> dict[int, list[int]]:
    """step id → the unit's managers and their supervisors (a fixed number of queries)."""
    stations = recipients.station_managers({m.station_id for m in made if m.station_id})
    communities = recipients.community_officials({m.community_id for m in made if m.community_id})
    streets = recipients.street_officials({m.street_id for m in made})
    counties = recipients.county_officials({m.county_id for m in made})
    out = {}
    for m in made:
        ids = list(stations.get(m.station_id, [])) if m.unit_kind == UnitKind.STATION else []
        if m.unit_kind in (UnitKind.STATION, UnitKind.COMMUNITY):
            ids += communities.get(m.community_id, [])
        ids += streets.get(m.street_id, [])
        if m.unit_kind == UnitKind.STREET or m.level >= 2:
            ids += counties.get(m.county_id, [])
        out[m.id] = list(dict.fromkeys(ids))
    return out


def _notify(period: AssessmentPeriod, made: list[AssessmentLadderStepRecord]) -> None:
    audience = _audience(made)
    for m in made:  # stored as a msgid and parameters, shown in the reader's language
        title = Message(TITLES[m.step], {"month": m.month, "unit": m.unit_name})
        sent = []
        for user_id in audience[m.id]:
            if notifications.notify(user_id, "assessment.ladder", title,
                                    link=f"/assessments/periods/{period.id}/bulletin",
                                    key=f"assessment.ladder:{m.id}:{user_id}"):
                sent.append(user_id)
        m.notified = sent
    db.session.flush()


def steps_stmt(scope, *, period_id: int | None = None, active_only: bool = False):
    """Ladder steps you may see, newest first."""
    stmt = scope.select(AssessmentLadderStepRecord)
    if period_id:
        stmt = stmt.where(AssessmentLadderStepRecord.period_id == period_id)
    if active_only:
        stmt = stmt.where(AssessmentLadderStepRecord.step != LadderStep.COMMENDED)
    return stmt.order_by(AssessmentLadderStepRecord.month.desc(), AssessmentLadderStepRecord.level.desc(),
                         AssessmentLadderStepRecord.id)
