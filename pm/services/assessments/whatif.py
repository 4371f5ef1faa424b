"""假设测算 (what-if): a past month scored in memory under a draft scheme version, ranked beside the scores it has
— what a rule change would do before the county activates it. Nothing is written."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from pm.errors import Conflict, DomainError, Forbidden
from pm.extensions import db
from pm.models import AssessmentPeriod, AssessmentScheme, AssessmentScore, PeriodStatus, Role, SchemeStatus, User
from pm.services.assessments import indicators, scoring
from pm.services.periods import Month


@dataclass
class Row:
    unit_name: str
    unit_id: int
    street_id: int
    draft_total: Decimal
    draft_rank: int
    draft_vetoed: bool
    total: Decimal | None  # the month's current (published or draft) score
    rank: int | None
    score_id: int | None

    @property
    def moved(self) -> int | None:
        return None if self.rank is None else self.rank - self.draft_rank


def run(period: AssessmentPeriod, draft: AssessmentScheme, actor: User) -> list[Row]:
    """The units of the draft's kind scored under the draft for the period's month, by the draft's ranking."""
    if actor.role != Role.COUNTY_ADMIN or actor.county_id != period.county_id:
        raise Forbidden("只有本县的县级管理员可以进行此操作")
    if draft.county_id != period.county_id:
        raise DomainError("考核办法不属于本县", field="scheme_id")
    if draft.status != SchemeStatus.DRAFT:
        raise DomainError("只能用草稿版本测算；已启用的版本请直接查看考核结果", field="scheme_id")
    if period.status == PeriodStatus.OPEN:
        raise Conflict("该考核期尚未计算，没有可比较的得分")
    month = Month.parse(period.month)
    data = indicators.collect(period.county_id, month, cutoff=period.cutoff_at, log_delay_days=draft.log_delay_days)
    results = [scoring.score(u, draft, data, period.month) for u in data.units if u.kind == draft.kind]
    scoring.rank(results)
    current = {unit_id: (total, rank, sid) for unit_id, total, rank, sid in db.session.execute(
        select(AssessmentScore.unit_id, AssessmentScore.total, AssessmentScore.rank, AssessmentScore.id).where(
            AssessmentScore.period_id == period.id, AssessmentScore.unit_kind == draft.kind))}
    rows = [Row(r.unit.name, r.unit.id, r.unit.street_id, r.total, r.rank, r.is_vetoed,
                *current.get(r.unit.id, (None, None, None))) for r in results]
    return sorted(rows, key=lambda r: (r.draft_rank, r.unit_id))
