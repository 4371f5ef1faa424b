"""满意度测评 access: surveys by the compound, responses by the household (a resident sees their own home's)."""
from __future__ import annotations

from sqlalchemy import select

from pm.access import OFFICIALS_ABOVE_STATION, Scope, register_capabilities, register_rules
from pm.models import Role, Survey, SurveyAnswer, SurveyResponse


def _responses(s: Scope):
    return select(SurveyResponse.id).where(SurveyResponse.household_id.in_(s.visible_households))


register_rules({
    Survey: lambda s: Survey.compound_id.in_(s.compound_ids),
    SurveyResponse: lambda s: SurveyResponse.household_id.in_(s.visible_households),
    SurveyAnswer: lambda s: SurveyAnswer.response_id.in_(_responses(s)),
})

register_capabilities({
    "survey.view": OFFICIALS_ABOVE_STATION | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.OWNER, Role.RESIDENT},
    "survey.manage": {Role.COMMUNITY_WORKER},  # opens, closes, enters paper responses
    "survey.answer": {Role.OWNER, Role.RESIDENT},
})
