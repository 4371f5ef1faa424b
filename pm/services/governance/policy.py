"""治理政策: the county's governance settings — committee size (odd, 5–11; 3 below a household count), candidate
publicity days, term years, and when a compound's maintenance fund counts as collected."""
from __future__ import annotations

from sqlalchemy import select

from pm.errors import DomainError
from pm.extensions import db
from pm.models import Community, Compound, GovernancePolicy, StreetOffice


def county_of(compound: Compound) -> int:
    return db.session.scalar(select(StreetOffice.county_id).join(Community, Community.street_id == StreetOffice.id)
                             .where(Community.id == compound.community_id))


def policy_for(county_id: int) -> GovernancePolicy:
    """The county's policy, or the defaults (an unsaved row) when it has none."""
    found = db.session.scalar(select(GovernancePolicy).where(GovernancePolicy.county_id == county_id))
    if found is not None:
        return found
    return GovernancePolicy(county_id=county_id, committee_min=5, committee_max=11, small_compound_households=100,
                            publicity_days=7, term_years=5, fund_collected_percent=90)


def allowed_sizes(policy: GovernancePolicy, households: int) -> list[int]:
    """The odd committee sizes the county allows for a compound of `households` dwellings."""
    low = policy.committee_min
    if policy.small_compound_households and households < policy.small_compound_households:
        low = 3
    return [n for n in range(low, policy.committee_max + 1) if n % 2 == 1]


def check_size(seats: int | None, policy: GovernancePolicy, households: int) -> int:
    """Refuse an even committee size or one outside the county's range (DomainError on `seats`)."""
    sizes = allowed_sizes(policy, households)
    if seats is None:
        raise DomainError("请填写委员人数", field="seats")
    if seats % 2 == 0:
        raise DomainError("业主委员会委员人数应为单数", field="seats")
    if seats not in sizes:
        raise DomainError("委员人数应在 %(low)s 至 %(high)s 人之间（单数）", field="seats", low=sizes[0], high=sizes[-1])
    return seats
