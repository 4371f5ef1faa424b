"""考核数据: what a month's records say about every unit of a county, each one set-based query (never per unit),
as of the period's fixed cut-off time (never "now")."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import case, func, select

from pm.extensions import db
from pm.models import (
    AssessmentEvent,
    AssessmentSchemeItem,
    Community,
    Compound,
    Finding,
    Inspection,
    ResponsibleKind,
    Station,
    StreetOffice,
    TargetKind,
    Team,
    TeamKind,
    UnitKind,
    WorkLog,
    station_compounds,
)
from pm.services import surveys
from pm.services.governance.coverage_units import unit_shares
from pm.services.inspections import deadlines
from pm.services.periods import Month
from pm.services.repairs.metrics import Metrics, station_metrics
from pm.timeutil import LOCAL_TZ


@dataclass(frozen=True)
class Unit:
    """One assessed unit and where it sits (street, community, station)."""

    kind: UnitKind
    id: int
    name: str
    street_id: int
    community_id: int | None = None
    station_id: int | None = None


@dataclass
class MonthData:
    """Everything the scores of a county's month are computed from, keyed by (unit kind, unit id)."""

    units: list[Unit]
    findings: dict = field(default_factory=lambda: defaultdict(list))  # key → [(finding, code, points, level, inspection)]
    events: dict = field(default_factory=lambda: defaultdict(list))  # key → [(event id, code, points)]
    repairs: dict[int, Metrics] = field(default_factory=dict)  # station id → metrics
    missing_days: dict[int, int] = field(default_factory=dict)  # station id → team-days without a counted log
    overdue: dict = field(default_factory=dict)  # key → orders overdue during the month
    satisfaction: dict = field(default_factory=dict)  # key → (average, responses) when surveyed
    coverage: dict = field(default_factory=dict)  # criterion → UnitShares (streets and communities), when used


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def units(county_id: int) -> list[Unit]:
    """Stations, communities with a compound no station keeps, and street offices of a county (three queries)."""
    streets = db.session.execute(select(StreetOffice.id, StreetOffice.name).where(
        StreetOffice.county_id == county_id).order_by(StreetOffice.id)).all()
    in_county = select(StreetOffice.id).where(StreetOffice.county_id == county_id)
    stations = db.session.execute(
        select(Station.id, Station.name, Community.street_id, Community.id).join(Community, Community.id == Station.community_id)
        .where(Community.street_id.in_(in_county)).order_by(Station.id)).all()
    unkept = select(Compound.community_id).where(~Compound.id.in_(select(station_compounds.c.compound_id)))
    communities = db.session.execute(select(Community.id, Community.name, Community.street_id).where(
        Community.street_id.in_(in_county), Community.id.in_(unkept)).order_by(Community.id)).all()
    return ([Unit(UnitKind.STATION, i, n, s, c, i) for i, n, s, c in stations]
            + [Unit(UnitKind.COMMUNITY, i, n, s, i) for i, n, s in communities]
            + [Unit(UnitKind.STREET, i, n, i) for i, n in streets])


def _finding_key(station_id, community_id, street_id, target_kind) -> tuple[UnitKind, int]:
    if station_id:
        return UnitKind.STATION, station_id
    if target_kind == TargetKind.STREET:
        return UnitKind.STREET, street_id
    return UnitKind.COMMUNITY, community_id


def collect(county_id: int, month: Month, *, cutoff: datetime, log_delay_days: int) -> MonthData:
    """The month's findings, bonus/veto events, repair metrics, log gaps and overdue orders of every unit."""
    data = MonthData(units=units(county_id))
    in_county = select(StreetOffice.id).where(StreetOffice.county_id == county_id)
    first, last = month.first_day, month.last_day
    for fid, code, points, level, iid, station_id, community_id, street_id, kind in db.session.execute(
            select(Finding.id, Finding.item_code, Finding.deduction, Inspection.level, Inspection.id, Inspection.station_id,
                   Inspection.community_id, Inspection.street_id, Inspection.target_kind)
            .join(Inspection, Inspection.id == Finding.inspection_id)
            .where(Inspection.street_id.in_(in_county), Inspection.inspected_on >= first,
                   Inspection.inspected_on <= last, Finding.created_at <= cutoff).order_by(Finding.id)):
        data.findings[_finding_key(station_id, community_id, street_id, kind)].append((fid, code, points, level, iid))
    for eid, kind, unit_id, code, points in db.session.execute(
            select(AssessmentEvent.id, AssessmentEvent.unit_kind, AssessmentEvent.unit_id, _event_code(),
                   AssessmentEvent.points)
            .where(AssessmentEvent.county_id == county_id, AssessmentEvent.happened_on >= first,
                   AssessmentEvent.happened_on <= last, AssessmentEvent.created_at <= cutoff)
            .order_by(AssessmentEvent.id)):
        data.events[(UnitKind(kind), unit_id)].append((eid, code, points))
    station_ids = [u.id for u in data.units if u.kind == UnitKind.STATION]
    data.repairs = station_metrics(station_ids, month, as_of=cutoff) if station_ids else {}
    data.missing_days = _missing_days(county_id, month, station_ids, cutoff=cutoff, delay=log_delay_days)
    data.overdue = overdue_orders(county_id, month, cutoff=cutoff)
    data.satisfaction = unit_satisfaction(county_id, month)
    return data


def add_coverage(data: MonthData, county_id: int, month: Month, criteria) -> None:
    """The coverage shares the scheme's coverage items need, as of the month's last day (one evaluation per
    criterion for the whole county, never per unit)."""
    for criterion in sorted(set(criteria)):
        data.coverage[criterion] = unit_shares(county_id, day=month.last_day, criterion=criterion)


def _event_code():
    return select(AssessmentSchemeItem.code).where(AssessmentSchemeItem.id == AssessmentEvent.item_id).scalar_subquery()


def _missing_days(county_id: int, month: Month, station_ids: list[int], *, cutoff: datetime,
                  delay: int) -> dict[int, int]:
    """Team-days of the month without a log entered in time (within `delay` days after its date, by the cut-off).
    A station without teams misses every day of each of the four teams. Two queries for the whole county."""
    days = month.days()
    in_county = select(Station.id).join(Community, Community.id == Station.community_id).where(
        Community.street_id.in_(select(StreetOffice.id).where(StreetOffice.county_id == county_id)))
    teams: dict[int, int] = dict(db.session.execute(
        select(Team.station_id, func.count()).where(Team.station_id.in_(in_county)).group_by(Team.station_id)).all())
    in_time = case({d: _midnight(d + timedelta(days=delay + 1)) for d in days}, value=WorkLog.log_on)
    team_days = (select(WorkLog.station_id, WorkLog.team_id, WorkLog.log_on)
                 .where(WorkLog.station_id.in_(in_county), WorkLog.log_on >= month.first_day,
                        WorkLog.log_on <= month.last_day, WorkLog.created_at < in_time, WorkLog.created_at <= cutoff)
                 .distinct().subquery())
    logged = dict(db.session.execute(
        select(team_days.c.station_id, func.count()).group_by(team_days.c.station_id)).all())
    out = {}
    for sid in station_ids:
        count = teams.get(sid, 0) or len(TeamKind)
        out[sid] = max(0, count * len(days) - int(logged.get(sid, 0)))
    return out


def overdue_orders(county_id: int, month: Month, *, cutoff: datetime) -> dict:
    """(unit kind, id) → rectification orders overdue at some moment of the month, by each order's recorded
    deadlines and timeline as known at the cut-off (pm.services.inspections.deadlines, one statement)."""
    kinds = {ResponsibleKind.STATION: UnitKind.STATION, ResponsibleKind.COMMUNITY: UnitKind.COMMUNITY,
             ResponsibleKind.STREET: UnitKind.STREET}
    return {(kinds[ResponsibleKind(kind)], unit_id): count for (kind, unit_id), count in
            deadlines.overdue_during(county_id, month.first_day, month.last_day, cutoff).items()}


def unit_satisfaction(county_id: int, month: Month) -> dict:
    """(unit kind, id) → (score 0–100, responses) of the month's surveys of the unit's compounds (a station's kept
    compounds, a community's compounds without a station, all of a street's), weighted by responses; two queries."""
    in_county = select(StreetOffice.id).where(StreetOffice.county_id == county_id)
    rows = db.session.execute(
        select(Compound.id, Community.street_id, Community.id, station_compounds.c.station_id)
        .join(Community, Community.id == Compound.community_id)
        .outerjoin(station_compounds, station_compounds.c.compound_id == Compound.id)
        .where(Community.street_id.in_(in_county))).all()
    results = surveys.satisfaction(sorted({r[0] for r in rows}), month)
    sums: dict = defaultdict(lambda: [Decimal(0), 0])
    counted: set = set()
    for compound_id, street_id, community_id, station_id in rows:
        found = results.get(compound_id)
        keys = [(UnitKind.STATION, station_id)] if station_id else [(UnitKind.COMMUNITY, community_id)]
        keys.append((UnitKind.STREET, street_id))
        for key in keys:
            if (key, compound_id) in counted or found is None or found.score is None:
                continue
            counted.add((key, compound_id))
            sums[key][0] += found.score * found.responses
            sums[key][1] += found.responses
    return {key: ((total / n).quantize(Decimal("0.01")), n) for key, (total, n) in sums.items() if n}


def as_decimal(value) -> Decimal:
    return Decimal(str(value))
