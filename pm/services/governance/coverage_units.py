"""Coverage per assessed unit (for the monthly assessment's "coverage" indicator): for every street office and
every community of a county, how many of its compounds meet a coverage criterion (all four bodies in place with a
joint meeting last quarter, an owners' committee or stand-in, property service, fund collected) out of how many.
Set-based: the coverage service's fixed statements for the whole county plus one for the county's streets."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy import select

from pm.access import SYSTEM
from pm.errors import DomainError
from pm.extensions import db
from pm.models import StreetOffice
from pm.services.governance.coverage import CRITERIA, evaluate


@dataclass
class UnitShares:
    """(compounds meeting the criterion, compounds) per street office id and per community id."""

    criterion: str
    streets: dict[int, tuple[int, int]] = field(default_factory=dict)
    communities: dict[int, tuple[int, int]] = field(default_factory=dict)

    @staticmethod
    def rate(pair: tuple[int, int] | None) -> Fraction | None:
        """The share in percent (None: the unit has no compounds)."""
        if not pair or not pair[1]:
            return None
        return Fraction(100 * pair[0], pair[1])


def unit_shares(county_id: int, *, day: date, criterion: str = "bodies") -> UnitShares:
    """Every street and community of the county with its compounds meeting `criterion` on `day`."""
    if criterion not in CRITERIA:
        raise DomainError("覆盖率指标不正确", field="criterion")
    streets = set(db.session.scalars(select(StreetOffice.id).where(StreetOffice.county_id == county_id)))
    out = UnitShares(criterion)
    rows, _percent, _known, _fund = evaluate(SYSTEM, today=day)
    for c in rows:
        if c.street_id not in streets:
            continue
        hit = int(c.has(criterion))
        for bucket, key in ((out.streets, c.street_id), (out.communities, c.community_id)):
            met, total = bucket.get(key, (0, 0))
            bucket[key] = (met + hit, total + 1)
    return out
