"""本单位月度考核 on the home page of an assessed unit (a station's manager, a community's worker, a street's officer):
the unit's newest score that it may see — under review (公示, open to appeal) or published — one query, linking to the
score page with every line and the records behind it."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from pm.extensions import db
from pm.models import AssessmentPeriod, AssessmentScore, PeriodStatus, Role, UnitKind
from pm.services.dashboard.cards import Card, Figure, card
from pm.services.dashboard.home import Home

SHOWN_TO_UNIT = (PeriodStatus.REVIEW, PeriodStatus.DECIDED, PeriodStatus.PUBLISHED, PeriodStatus.LOCKED)
UNIT_OF_ROLE = {Role.STATION_MANAGER: (UnitKind.STATION, "station_id"),
                Role.COMMUNITY_WORKER: (UnitKind.COMMUNITY, "community_id"),
                Role.STREET_OFFICER: (UnitKind.STREET, "street_id")}


@card(roles=set(UNIT_OF_ROLE), order=16, capability="assessment.view")
def unit_score(home: Home) -> Card | None:
    """The unit's score of the newest month under review or published (none: no card)."""
    kind, attribute = UNIT_OF_ROLE[home.user.role]
    row = db.session.execute(home.scope.filter(
        select(AssessmentScore.id, AssessmentScore.total, AssessmentScore.rank, AssessmentPeriod.month,
               AssessmentPeriod.status, AssessmentPeriod.review_ends_on)
        .join(AssessmentPeriod, AssessmentPeriod.id == AssessmentScore.period_id)
        .where(AssessmentScore.unit_kind == kind, AssessmentScore.unit_id == getattr(home.user, attribute),
               AssessmentPeriod.status.in_(SHOWN_TO_UNIT))
        .order_by(AssessmentPeriod.month.desc()).limit(1), AssessmentScore)).first()
    if row is None:
        return None
    in_review = row.status == PeriodStatus.REVIEW
    note = (_("公示中，可申诉至 %(day)s", day=row.review_ends_on) if in_review and row.review_ends_on
            else _("第 %(rank)s 名", rank=row.rank))
    return Card(_("本单位月度考核 %(month)s", month=row.month), key="unit_score", figures=[
        Figure(_("得分"), str(row.total), "assessments.score", {"score_id": row.id}, tone="warn" if in_review else "",
               key="unit_score", note=note)])
