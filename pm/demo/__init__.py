"""演示数据: the demo county modelled on seed 000's survey, and a city-size data set for benchmarks."""
# Seed 000 (a county people's congress survey) counts 107 compounds in the county town: 35 with a property
# firm and 72 without (7 managed by their work unit, 56 by the residents' committee, 9 by the owners
# themselves); 22 have an owners' committee (7 of them among the compounds with a firm). DEMO builds
# exactly that county at a size that loads in seconds; city_spec() scales the same generator to a city
# (2,000 compounds, about 400,000 households) for benchmarks.
#
# A system operation run by an operator on the server (`flask pm demo`): it writes a whole county, so it is
# not filtered by a user's scope (services get SYSTEM); its load is audit-logged once ("demo.load") and each
# demo account through accounts.users.create_user. Everything is drawn from one seeded random generator, so two
# loads produce the same data. Rows are written with bulk INSERTs (``session.execute(insert(Model), rows)``) a
# few communities at a time; the loader flushes and never commits (the CLI commits once).
#
# At demo size (DataSetSpec.with_modules) populate_modules() then fills every module around the demo logins
# through the services themselves (they audit and keep the ledger consistent): the county's fund policy and
# deposit standards, sub-accounts and first deposits (some unpaid or part-paid), last year's returns, three use
# plans in the station manager's compound (charged, in voting, emergency), repair requests in every state,
# teams, work logs, a patrol route with check-ins, and a street inspection with rectification orders.
from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime

from pm.demo import fund, governance, inspections, motions, repairs, stations
from pm.demo import assessments as demo_assessments
from pm.demo import surveys as demo_surveys
from pm.demo import meetings as demo_meetings
from pm.demo import notices as demo_notices
from pm.demo import volunteers as demo_volunteers
from pm.demo import commonincome as demo_income
from pm.demo.city import (
    DEMO,
    DataSetResult,
    DataSetSpec,
    city_spec,
    has_county,
    plan_compounds,
)
from pm.demo.logins import DEMO_LOGINS, anchor, create_demo_logins
from pm.demo.names import COMMUNITY_NAMES, Names
from pm.demo.writer import RegistryWriter, sync_sequences
from pm.errors import Conflict
from pm.extensions import db
from pm.models import Community, County, Role, StreetOffice, User
from pm.services import audit
from pm.services.governance import firms
from pm.services.assessments import schemes
from pm.timeutil import utcnow

__all__ = ["DEMO", "DEMO_LOGINS", "build_data_set", "city_spec", "has_county", "populate_modules"]

logger = logging.getLogger(__name__)


def build_data_set(
    spec: DataSetSpec, *, progress: Callable[[int], None] | None = None, with_logins: bool = True
) -> DataSetResult:
    """Generate a county per `spec` into an empty registry; progress(n) is called as n compounds are written.

    Refuses (Conflict) when a county already exists. Flushes; the caller commits.
    """
    if has_county():
        raise Conflict("数据库中已有县级数据，演示数据只能载入空的数据库")
    rng = random.Random(spec.seed)
    county = County(name=spec.county_name, code=f"demo-{spec.name}")
    db.session.add(county)
    db.session.flush()
    schemes.ensure_defaults(county.id)  # a new county starts with version 1 of the assessment schemes
    names = Names(rng)
    streets, communities = [], []
    community_pool = list(COMMUNITY_NAMES)
    for street_name in spec.street_names:
        street = StreetOffice(county_id=county.id, name=street_name, phone=names.landline())
        db.session.add(street)
        streets.append(street)
    db.session.flush()
    for street in streets:
        for name in rng.sample(community_pool, spec.communities_per_street):
            communities.append(Community(street_id=street.id, name=name, phone=names.landline()))
    db.session.add_all(communities)
    db.session.flush()

    plans = plan_compounds(spec, rng, len(communities))
    writer = RegistryWriter(spec, rng, streets)
    for index in range(0, len(communities), spec.batch_communities):
        wanted = set(range(index, index + spec.batch_communities))
        batch = [p for p in plans if p.community_index in wanted]
        writer.write(batch, communities)
        if progress is not None:
            progress(len(batch))
    sync_sequences(writer.next_ids)
    firms.adopt_operator_names(county.id)  # the stations' firm names become firm records
    db.session.flush()
    counts = {"streets": len(streets), "communities": len(communities), **writer.counts}
    result = DataSetResult(county=county, counts=counts)
    if with_logins:
        result.logins = create_demo_logins(county)
        if spec.with_modules:
            result.counts.update(populate_modules(county, {u.role: u for _l, u, _t in result.logins},
                                                  seed=spec.seed))
    audit.record("demo.load", county, actor=None, changes={"size": spec.name, **counts})
    logger.info("loaded %s data set %r: %r", spec.name, county, counts)
    return result


def populate_modules(county: County, users: dict[Role, User], *, seed: int, now: datetime | None = None) -> dict[str, int]:
    """Fill the fund, repairs, station work and inspections around the demo logins, through their services.

    Dates are relative to `now` (default: the moment of loading) and never later than it: each step passes its
    own past moment as the services' `now`. Returns row counts for the CLI's summary.
    """
    rng = random.Random(seed + 1)
    now = now or utcnow()
    station, compound, _owner, _tenant = anchor(county)
    counts = fund.populate(county, station, compound, users, rng, now)
    counts.update(repairs.populate(station, compound, users, now))
    counts.update(stations.populate(station, users, rng, now))
    counts.update(inspections.populate(station, users, now))
    counts.update(demo_surveys.populate(compound, users, rng, now))
    counts.update(motions.populate(county, compound, users, rng, now))
    counts.update(demo_meetings.populate(station, compound, users, now))
    counts.update(demo_notices.populate(compound, users, now))
    counts.update(demo_volunteers.populate(compound, users, now))
    counts.update(demo_income.populate(compound, users, now))
    counts.update(governance.populate(station, compound, users, now))
    counts.update(demo_assessments.populate(county, station, users, rng, now))
    logger.info("demo modules filled: %r", counts)
    return counts
