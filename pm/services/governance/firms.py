"""物业企业: one firm record per name and county; stations point to it (their operator text is its name)."""
from __future__ import annotations

from sqlalchemy import insert, literal, select, update

from pm.errors import DomainError
from pm.extensions import db
from pm.models import Community, PropertyFirm, Station, StreetOffice
from pm.models.types import UTCDateTime
from pm.timeutil import utcnow


def firm_named(county_id: int, name: str | None) -> PropertyFirm | None:
    """The county's firm of that name, created when new (None for an empty name)."""
    name = (name or "").strip()
    if not name:
        return None
    if len(name) > 120:
        raise DomainError("物业企业名称不能超过 %(n)s 个字", field="operator", n=120)
    firm = db.session.scalar(select(PropertyFirm).where(PropertyFirm.county_id == county_id,
                                                        PropertyFirm.name == name))
    if firm is None:
        firm = PropertyFirm(county_id=county_id, name=name)
        db.session.add(firm)
        db.session.flush()
    return firm


def set_firm(station: Station, firm: PropertyFirm | None) -> None:
    """Point a station at its firm; the operator text is kept equal to the firm's name."""
    station.firm_id = firm.id if firm is not None else None
    station.operator = firm.name if firm is not None else None
    db.session.flush()


def adopt_operator_names(county_id: int) -> None:
    """Stations of the county whose firm is only free text get their firm record (the demo's bulk loader):
    two set-based statements whatever the number of stations."""
    in_county = select(Community.id).join(StreetOffice, StreetOffice.id == Community.street_id).where(
        StreetOffice.county_id == county_id)
    known = select(PropertyFirm.name).where(PropertyFirm.county_id == county_id)
    names = (select(literal(county_id), Station.operator, literal(utcnow(), UTCDateTime())).distinct()
             .where(Station.community_id.in_(in_county), Station.firm_id.is_(None), Station.operator.is_not(None),
                    Station.operator.not_in(known)))
    db.session.execute(insert(PropertyFirm).from_select(["county_id", "name", "created_at"], names))
    firm = (select(PropertyFirm.id).where(PropertyFirm.county_id == county_id, PropertyFirm.name == Station.operator)
            .scalar_subquery())
    db.session.execute(update(Station).where(Station.community_id.in_(in_county), Station.firm_id.is_(None),
                                             Station.operator.is_not(None)).values(firm_id=firm)
                       .execution_options(synchronize_session=False))
