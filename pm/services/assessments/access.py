"""月度考核 access: scope rules and capabilities of schemes, periods, scores, appeals and events."""
# Schemes and periods belong to a county: everyone in it may read them. A score, its lines, appeals and
# adjustments are placed like the unit they score (street, community, station), so a station manager sees only
# the station's own score and a street officer the scores of the street and its units.
from __future__ import annotations

from sqlalchemy import or_, select

from pm.access import OFFICIALS_ABOVE_STATION, Scope, register_capabilities, register_rules
from pm.models import (
    AssessmentAdjustment,
    AssessmentAppeal,
    AssessmentAppealPhoto,
    AssessmentCategory,
    AssessmentEvent,
    AssessmentEventPhoto,
    AssessmentLine,
    AssessmentPeriod,
    AssessmentScheme,
    AssessmentSchemeItem,
    AssessmentScore,
    Role,
)
from pm.services import storage


def _placed(model):
    return lambda s: or_(
        model.street_id.in_(s.within_streets),
        model.community_id.in_(s.within_communities),
        model.station_id.in_(s.within_stations),
    )


def _scores(s: Scope):
    return select(AssessmentScore.id).where(_placed(AssessmentScore)(s))


def _schemes(s: Scope):
    return select(AssessmentScheme.id).where(AssessmentScheme.county_id.in_(s.county_ids))


register_rules({
    AssessmentScheme: lambda s: AssessmentScheme.county_id.in_(s.county_ids),
    AssessmentCategory: lambda s: AssessmentCategory.scheme_id.in_(_schemes(s)),
    AssessmentSchemeItem: lambda s: AssessmentSchemeItem.scheme_id.in_(_schemes(s)),
    AssessmentPeriod: lambda s: AssessmentPeriod.county_id.in_(s.county_ids),
    AssessmentScore: _placed(AssessmentScore),
    AssessmentLine: lambda s: AssessmentLine.score_id.in_(_scores(s)),
    AssessmentAppeal: lambda s: AssessmentAppeal.score_id.in_(_scores(s)),
    AssessmentAppealPhoto: lambda s: AssessmentAppealPhoto.appeal_id.in_(
        select(AssessmentAppeal.id).where(AssessmentAppeal.score_id.in_(_scores(s)))),
    AssessmentAdjustment: lambda s: AssessmentAdjustment.score_id.in_(_scores(s)),
    AssessmentEvent: _placed(AssessmentEvent),
    AssessmentEventPhoto: lambda s: AssessmentEventPhoto.event_id.in_(
        select(AssessmentEvent.id).where(_placed(AssessmentEvent)(s))),
})

register_capabilities({
    "assessment.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF},
    "assessment.appeal": {Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.STATION_MANAGER},
    "assessment.event": OFFICIALS_ABOVE_STATION,  # inspectors record bonus and veto events
    "assessment.manage": {Role.COUNTY_ADMIN},  # schemes, periods, appeal decisions, adjustments
})

storage.register_kind("assessment_event_photo", AssessmentEventPhoto, path_attr="path", type_attr="content_type",
                      capability="assessment.view")
storage.register_kind("assessment_appeal_photo", AssessmentAppealPhoto, path_attr="path",
                      type_attr="content_type", capability="assessment.view")
