"""满意度测评 reading: surveys and responses in scope, and the households that still owe an answer."""
from __future__ import annotations

from sqlalchemy import Select, exists, false, select
from sqlalchemy.orm import joinedload, selectinload

from pm.access import Scope
from pm.extensions import db
from pm.errors import DomainError
from pm.models import (
    Community,
    Compound,
    Household,
    HouseholdStatus,
    Survey,
    SurveyResponse,
    SurveyStatus,
)
from pm.models.stations import station_compounds
from pm.services.periods import Month

SURVEY_OPTIONS = (joinedload(Survey.compound),)


def unit_compounds(kind: str, unit_id: int) -> Select:
    """The compound ids whose surveys count for an assessed unit: a station's kept compounds, a community's compounds
    no station keeps, every compound of a street office (as in the satisfaction indicator)."""
    kept = select(station_compounds.c.compound_id)
    if kind == "station":
        return kept.where(station_compounds.c.station_id == unit_id)
    if kind == "community":
        return select(Compound.id).where(Compound.community_id == unit_id, Compound.id.not_in(kept))
    if kind == "street":
        return select(Compound.id).join(Community, Community.id == Compound.community_id).where(
            Community.street_id == unit_id)
    raise DomainError("考核对象类型无效", field="unit_kind")


def surveys_stmt(scope: Scope, *, month: Month | None = None, status: SurveyStatus | str | None = None,
                 compound_id: int | None = None, unit: tuple[str, int] | None = None) -> Select:
    """Surveys in scope, newest month first, then by compound name; `unit` (kind, id): the surveys an assessed
    unit's satisfaction line counts."""
    stmt = (scope.select(Survey).join(Compound, Compound.id == Survey.compound_id).options(*SURVEY_OPTIONS)
            .order_by(Survey.month.desc(), Compound.name, Survey.id))
    if unit is not None:
        stmt = stmt.where(Survey.compound_id.in_(unit_compounds(*unit)))
    if month is not None:
        stmt = stmt.where(Survey.month == str(month))
    if status:
        stmt = stmt.where(Survey.status == status)
    if compound_id is not None:
        stmt = stmt.where(Survey.compound_id == compound_id)
    return stmt


def load_survey(scope: Scope, survey_id: int) -> Survey:
    """One survey in scope (or NotFound)."""
    return scope.get(Survey, survey_id, options=SURVEY_OPTIONS)


def responses_stmt(scope: Scope, survey: Survey) -> Select:
    """A survey's responses in scope (officials: all; a resident: their household's), newest first, with answers,
    household and who entered them loaded."""
    return (scope.select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
            .options(selectinload(SurveyResponse.answers), joinedload(SurveyResponse.household),
                     joinedload(SurveyResponse.entered_by))
            .order_by(SurveyResponse.id.desc()))


def pending_stmt(scope: Scope) -> Select:
    """(survey, household) pairs the user's own households have not answered yet, in open surveys (residents)."""
    answered = exists().where(SurveyResponse.survey_id == Survey.id, SurveyResponse.household_id == Household.id)
    own = scope.household_ids if scope.household_ids is not None else select(Household.id).where(false())
    return (select(Survey, Household).join(Household, Household.compound_id == Survey.compound_id)
            .where(Household.id.in_(own), Household.status == HouseholdStatus.ACTIVE, Survey.status == SurveyStatus.OPEN, ~answered)
            .options(joinedload(Survey.compound))
            .order_by(Survey.month.desc(), Survey.id, Household.id))


def households_for(scope: Scope, survey: Survey, *, paper: bool) -> list[Household]:
    """The households a user may answer for: their own in the compound (online), or every active one of the
    compound that has not answered (paper entry by the community)."""
    answered = exists().where(SurveyResponse.survey_id == survey.id, SurveyResponse.household_id == Household.id)
    stmt = (select(Household).where(Household.compound_id == survey.compound_id,
                                    Household.status == HouseholdStatus.ACTIVE, ~answered)
            .options(joinedload(Household.unit), joinedload(Household.building))
            .order_by(Household.building_id, Household.unit_id, Household.room_no))
    if not paper:
        if scope.household_ids is None:
            return []
        stmt = stmt.where(Household.id.in_(scope.household_ids))
    return list(db.session.scalars(stmt))
