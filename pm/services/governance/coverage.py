"""长效机制覆盖率: per street and community, the share of compounds with property service (a station serves it),
with an owners' committee (or the community's stand-in), with the maintenance fund collected (at least the
county's percentage — default 90 % — of first deposits paid in full), and with all four bodies in place and a
joint meeting in the last quarter. A fixed number of queries whatever the size: compounds (with their station flag
and the county's percentage, its fund counts from compound_tallies), bodies with a current member, and joint
meetings."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy import Select, and_, func, or_, select

from pm.access import Scope
from pm.extensions import db
from pm.models import (
    Body,
    BodyType,
    Community,
    Compound,
    CompoundTally,
    GovernancePolicy,
    Membership,
    StreetOffice,
    station_compounds,
)
from pm.services.governance import meetings

DEFAULT_FUND_PERCENT = 90
CRITERIA = ("service", "committee", "fund", "bodies")


@dataclass
class CompoundCoverage:
    id: int
    name: str
    community_id: int
    community: str
    street_id: int
    street: str
    service: bool = False
    committee: bool = False
    fund: bool = False
    bodies: bool = False

    def has(self, criterion: str) -> bool:
        return getattr(self, criterion)


@dataclass
class Row:
    """The counts of one street, community or the whole scope."""

    key: str
    id: int
    name: str
    compounds: int = 0
    service: int = 0
    committee: int = 0
    fund: int = 0
    bodies: int = 0

    def add(self, c: CompoundCoverage) -> None:
        self.compounds += 1
        self.service += c.service
        self.committee += c.committee
        self.fund += c.fund
        self.bodies += c.bodies

    def percent(self, criterion: str) -> int:
        """A whole percentage for display (rounded half up, exact integers)."""
        return (200 * getattr(self, criterion) + self.compounds) // (2 * self.compounds) if self.compounds else 0

    @property
    def percents(self) -> dict[str, int]:
        return {criterion: self.percent(criterion) for criterion in CRITERIA}


@dataclass
class Report:
    """The coverage of an area; the street and community rows are summed when first read (a home page shows the
    total only: 2,000 compounds of a county cost ~6,000 row additions it would not use)."""

    fund_percent: int
    meetings_known: bool
    compounds: list[CompoundCoverage] = field(default_factory=list)
    fund_due: int = 0  # open sub-accounts with a first deposit due, in all these compounds
    fund_unpaid: int = 0  # of which the first deposit is not paid in full (追缴)
    fund_low: int = 0  # open sub-accounts with something paid and a balance below 30% of the due (续交)

    @cached_property
    def total(self) -> Row:
        total = Row("total", 0, "")
        for c in self.compounds:
            total.add(c)
        return total

    @cached_property
    def streets(self) -> list[Row]:
        return self._rows("street", lambda c: (c.street_id, c.street))

    @cached_property
    def communities(self) -> list[Row]:
        return self._rows("community", lambda c: (c.community_id, c.community))

    def _rows(self, key: str, place) -> list[Row]:
        rows: dict[int, Row] = {}
        for c in self.compounds:
            rid, name = place(c)
            rows.setdefault(rid, Row(key, rid, name)).add(c)
        return list(rows.values())


def _compounds(scope: Scope, street_id: int | None, community_id: int | None,
               today: date) -> tuple[list[CompoundCoverage], int, set[int], tuple[int, int, int]]:
    """The compounds in scope with their place, whether a station serves them, the county's fund percentage, the
    compounds with a joint meeting last quarter, and whether the fund is collected (one statement). Fund collected:
    at least the county's percentage of the compound's open sub-accounts with a first deposit due have paid it in
    full, read from the compound's tallies (pm.services.tallies: due and unpaid kept by the ledger) — counting the
    sub-accounts themselves read 404,739 rows for a city. Also returns (due, unpaid, low) summed over the compounds
    (the home page's fund card shows them)."""
    # An outer join on the served compounds (a hash join), not a correlated EXISTS per compound.
    served = select(station_compounds.c.compound_id).distinct().subquery()
    stmt = (scope.filter(select(Compound.id, Compound.name, Community.id, Community.name, StreetOffice.id,
                                StreetOffice.name, Compound.owners_committee_formed_on, served.c.compound_id,
                                GovernancePolicy.fund_collected_percent,
                                meetings.held_since(meetings.quarter_before(today)),
                                CompoundTally.fund_due, CompoundTally.fund_unpaid, CompoundTally.fund_low), Compound)
            .join(Community, Community.id == Compound.community_id)
            .join(StreetOffice, StreetOffice.id == Community.street_id)
            .outerjoin(served, served.c.compound_id == Compound.id)
            .outerjoin(GovernancePolicy, GovernancePolicy.county_id == StreetOffice.county_id)
            .outerjoin(CompoundTally, CompoundTally.compound_id == Compound.id)
            .order_by(StreetOffice.name, StreetOffice.id, Community.name, Community.id, Compound.name, Compound.id))
    if street_id:
        stmt = stmt.where(Community.street_id == street_id)
    if community_id:
        stmt = stmt.where(Compound.community_id == community_id)
    out, percent, met, due_total, unpaid_total, low_total = [], DEFAULT_FUND_PERCENT, set(), 0, 0, 0
    for cid, name, mid, mname, sid, sname, formed_on, is_served, county_percent, meeting, due, unpaid, low in (
            db.session.execute(stmt)):
        c = CompoundCoverage(cid, name, mid, mname, sid, sname, service=is_served is not None,
                             committee=formed_on is not None)  # the registry's date (kept true by elections)
        percent = county_percent or DEFAULT_FUND_PERCENT  # each compound's own county's percentage
        if due:
            due_total, unpaid_total, low_total = due_total + due, unpaid_total + unpaid, low_total + low
            c.fund = 100 * (due - unpaid) >= percent * due
        if meeting:
            met.add(cid)
        out.append(c)
    return out, percent, met, (due_total, unpaid_total, low_total)


def _bodies_in_place(ids: Select, today: date) -> tuple[set, set]:
    """({(kind, community_id)}, {compound ids with an owners' committee}) of bodies with a current member."""
    current = and_(Membership.started_on <= today, or_(Membership.ends_on.is_(None), Membership.ends_on >= today))
    rows = db.session.execute(
        select(Body.kind, Body.community_id, Body.compound_id).distinct()
        .join(Membership, and_(Membership.body_id == Body.id, current))
        .where(Body.kind != BodyType.STATION, Body.community_id.in_(
            select(Compound.community_id).where(Compound.id.in_(ids)))))
    community_bodies, owners = set(), set()
    for kind, community_id, compound_id in rows:
        if kind == BodyType.OWNERS:
            owners.add(compound_id)
        else:
            community_bodies.add((BodyType(kind), community_id))
    return community_bodies, owners


def evaluate(scope: Scope, *, today: date, street_id: int | None = None,
             community_id: int | None = None) -> tuple[list[CompoundCoverage], int, bool, tuple[int, int, int]]:
    """Each compound in scope with its four criteria; the county's fund percentage; whether meetings are known;
    (open sub-accounts with a first deposit due, of which not paid in full, of which below 30%) in these compounds."""
    rows, percent, met, fund = _compounds(scope, street_id, community_id, today)
    if not rows:
        return rows, percent, meetings.KNOWN, (0, 0, 0)
    ids = scope.filter(select(Compound.id), Compound)
    if street_id:
        ids = ids.where(Compound.community_id.in_(select(Community.id).where(Community.street_id == street_id)))
    if community_id:
        ids = ids.where(Compound.community_id == community_id)
    community_bodies, owners = _bodies_in_place(ids, today)
    for c in rows:
        c.committee = c.committee or c.id in owners or (BodyType.STAND_IN, c.community_id) in community_bodies
        c.bodies = (c.service and c.committee and (BodyType.PARTY, c.community_id) in community_bodies
                    and (BodyType.RESIDENTS, c.community_id) in community_bodies and c.id in met)
    return rows, percent, meetings.KNOWN, fund


def coverage(scope: Scope, *, today: date, street_id: int | None = None) -> Report:
    """The report: a row per street and per community and the total (a fixed number of queries)."""
    rows, percent, known, (due, unpaid, low) = evaluate(scope, today=today, street_id=street_id)
    return Report(fund_percent=percent, meetings_known=known, compounds=rows, fund_due=due, fund_unpaid=unpaid,
                  fund_low=low)


def compounds(scope: Scope, *, today: date, street_id: int | None = None, community_id: int | None = None,
              criterion: str | None = None, missing: bool = False) -> list[CompoundCoverage]:
    """The compounds behind a figure: those meeting `criterion` (or, with `missing`, those that do not)."""
    rows, _percent, _known, _fund = evaluate(scope, today=today, street_id=street_id, community_id=community_id)
    if criterion is None:
        return rows
    return [c for c in rows if c.has(criterion) != missing]

