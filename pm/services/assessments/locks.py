"""已发布月份: records dated inside a published (or locked) month of a county cannot be added or changed."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pm.errors import Conflict
from pm.extensions import db
from pm.models import AssessmentPeriod, Community, Compound, PeriodStatus, Station, StreetOffice
from pm.services.periods import Month

CLOSED = (PeriodStatus.PUBLISHED, PeriodStatus.LOCKED)


def month_locked(county_id: int, day: date) -> bool:
    """Whether the county's assessment of the month of `day` is published or locked (one indexed lookup)."""
    return db.session.scalar(select(AssessmentPeriod.id).where(
        AssessmentPeriod.county_id == county_id, AssessmentPeriod.month == str(Month.of(day)),
        AssessmentPeriod.status.in_(CLOSED))) is not None


def county_of_street(street_id: int) -> int:
    return db.session.scalar(select(StreetOffice.county_id).where(StreetOffice.id == street_id))


def county_of_station(station_id: int) -> int:
    return db.session.scalar(select(StreetOffice.county_id).join(Community, Community.street_id == StreetOffice.id)
                             .join(Station, Station.community_id == Community.id).where(Station.id == station_id))


def county_of_compound(compound_id: int) -> int:
    return db.session.scalar(select(StreetOffice.county_id).join(Community, Community.street_id == StreetOffice.id)
                             .join(Compound, Compound.community_id == Community.id).where(Compound.id == compound_id))


def refuse_if_locked(county_id: int, day: date, *, field: str) -> None:
    """A clear refusal for a record dated in a published month."""
    if day is not None and month_locked(county_id, day):
        raise Conflict("%(month)s 的考核结果已发布，不能再登记或修改该月的记录", field=field, month=str(Month.of(day)))
