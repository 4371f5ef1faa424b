"""月度考核 on the county's and street's home pages: the last published month's average station score against the
month before, the distribution of station scores, and the units on the ladder — four queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func

from pm.extensions import db
from pm.models import AssessmentLadderStepRecord, AssessmentPeriod, AssessmentScore, LadderStep, Role, UnitKind
from pm.services.assessments import bulletins
from pm.services.dashboard import charts
from pm.services.dashboard.cards import Card, Figure, Link, card
from pm.services.dashboard.home import Home, fact


@dataclass
class AssessmentFacts:
    period: AssessmentPeriod | None = None
    average: Decimal | None = None  # the stations' average total in the last published month
    before: Decimal | None = None  # the month before it
    distribution: list = field(default_factory=list)
    on_ladder: int = 0


@fact("assessment")
def assessment_facts(home: Home) -> AssessmentFacts:
    out = AssessmentFacts()
    recent = list(db.session.scalars(home.scope.select(AssessmentPeriod).where(
        AssessmentPeriod.status.in_(bulletins.SHOWN)).order_by(AssessmentPeriod.month.desc()).limit(2)))
    if not recent:
        return out
    out.period = recent[0]
    averages = dict(db.session.execute(
        home.scope.select(AssessmentScore).where(AssessmentScore.period_id.in_([p.id for p in recent]),
                                                 AssessmentScore.unit_kind == UnitKind.STATION)
        .with_only_columns(AssessmentScore.period_id, func.avg(AssessmentScore.total))
        .group_by(AssessmentScore.period_id)).all())
    out.average = _q(averages.get(recent[0].id))
    out.before = _q(averages.get(recent[1].id)) if len(recent) > 1 else None
    out.distribution = bulletins.distribution(home.scope, recent[0])
    out.on_ladder = db.session.scalar(
        home.scope.select(AssessmentLadderStepRecord).where(AssessmentLadderStepRecord.period_id == recent[0].id,
                                                            AssessmentLadderStepRecord.step != LadderStep.COMMENDED)
        .with_only_columns(func.count()).order_by(None)) or 0
    return out


def _q(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


@card(roles={Role.COUNTY_ADMIN, Role.STREET_OFFICER}, order=15, capability="assessment.view")
def area_assessment(home: Home) -> Card | None:
    """月度考核: the last published month, how it compares with the month before, who is on the ladder."""
    facts = home.fact("assessment")
    if facts.period is None:
        return None
    p = facts.period
    rows = facts.distribution
    return Card(_("月度考核 %(month)s", month=p.month), key="area_assessment", figures=[
        Figure(_("服务站平均分"), str(facts.average or "—"), "assessment_results.ranking",
               {"period_id": p.id, "kind": "station"}, key="assessment_average",
               note=_("上月 %(v)s", v=facts.before) if facts.before is not None else ""),
        Figure(_("通报批评、黄牌、约谈"), facts.on_ladder, "assessment_results.ladder_page", {"period_id": p.id},
               tone="alert", key="assessment_ladder"),
    ], links=[Link(_("查看通报"), "assessment_results.bulletin", {"period_id": p.id})],
        chart=charts.columns(rows, label=_("各分数段的服务站数：%(rows)s",
                                           rows=_("，").join(f"{t} {n}" for t, n in rows)), highlight_last=False),
        chart_caption=_("服务站得分分布"))
