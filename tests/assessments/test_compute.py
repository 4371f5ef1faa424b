"""计算月度得分: every line from the records, as of the cut-off, in a fixed number of statements."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from pm.access import SYSTEM
from pm.extensions import db as _db
from pm.errors import Conflict, DomainError
from pm.models import AssessmentEvent, AssessmentScore, PeriodStatus, Role, Shift, UnitKind, WorkLog
from pm.services.assessments import compute, schemes
from pm.tasks import JOBS
from tests.factories import make_world
from tests.factories.assessments import AFTER, IN_MONTH, MONTH, computed, full_logs, station_finding
from tests.factories.registry import make_compound
from tests.factories.stations import make_station
from tests.factories.surveys import answer, open_survey

pytestmark = pytest.mark.postgres  # CASE over dates, bulk INSERT ... RETURNING, row locks


def scores(period):
    return {(s.unit_kind, s.unit_id): s for s in _db.session.scalars(
        select(AssessmentScore).where(AssessmentScore.period_id == period.id))}


def line(score, code):
    return next(ln for ln in score.lines if ln.item.code == code)


def test_findings_are_weighted_by_level_and_logs_gaps_counted(db):
    """Street 2 × 1 + community 1 × 0.5 off environment; a station without teams loses the whole records item."""
    w = make_world()
    station_finding(w, deduction="2")
    station_finding(w, deduction="1", level="community_daily")
    full_logs(w.stations["b"], author=w.users[Role.STATION_STAFF])
    period = computed(w)
    got = scores(period)
    a, b = got[(UnitKind.STATION, w.stations["a"].id)], got[(UnitKind.STATION, w.stations["b"].id)]
    assert line(a, "environment").points == Decimal("-2.50")
    assert len(line(a, "environment").refs["findings"]) == 2
    assert line(a, "log_days").points == Decimal("-5.00")  # 124 team-days × 0.1, capped at 5
    assert a.total == Decimal("92.50") and b.total == Decimal("100.00")
    assert (b.rank, a.rank) == (1, 2)
    assert period.status == PeriodStatus.COMPUTED
    assert {k for k, _ in got} == set(UnitKind)  # stations, communities with an unkept compound, streets


def test_late_logs_do_not_count(db):
    """A log entered more than the scheme's allowed days after its date counts as missing."""
    w = make_world()
    teams = full_logs(w.stations["a"], author=w.users[Role.STATION_STAFF], skip=1)
    _db.session.add(WorkLog(station_id=w.stations["a"].id, team_id=teams[0].id, log_on=MONTH.last_day, shift=Shift.FULL_DAY,
                            content="补录", author_id=w.users[Role.STATION_STAFF].id,
                            created_at=datetime(2026, 3, 31, 12, tzinfo=UTC)))
    period = computed(w)
    a = scores(period)[(UnitKind.STATION, w.stations["a"].id)]
    assert line(a, "log_days").refs["missing"] == 3


def test_records_after_the_cutoff_do_not_count_and_recompute_replaces_the_draft(db):
    """A finding entered after the cut-off is not read; recomputing leaves one score set."""
    w = make_world()
    period = computed(w)
    station_finding(w, deduction="3", now=datetime(2026, 4, 3, tzinfo=UTC))
    compute.compute_month(period, now=datetime(2026, 4, 5, tzinfo=UTC))
    got = scores(period)
    assert line(got[(UnitKind.STATION, w.stations["a"].id)], "environment").points == 0
    assert len(got) == 6


def test_veto_sets_the_score_and_ranks_last(db):
    """A veto event sets the month to the veto score; the unit ranks last."""
    w = make_world()
    scheme = schemes.in_force(w.county.id, UnitKind.STATION, IN_MONTH)
    veto = schemes.item_by_code(scheme, "veto")
    s = w.stations["a"]
    _db.session.add(AssessmentEvent(county_id=w.county.id, item_id=veto.id, unit_kind=UnitKind.STATION, unit_id=s.id,
                                    street_id=w.streets["a"].id, community_id=s.community_id, station_id=s.id,
                                    happened_on=IN_MONTH, points=0, note="重大安全事故",
                                    recorded_by_id=w.users[Role.COUNTY_ADMIN].id,
                                    created_at=datetime(2026, 3, 11, tzinfo=UTC)))
    got = scores(computed(w))
    a, b = got[(UnitKind.STATION, s.id)], got[(UnitKind.STATION, w.stations["b"].id)]
    assert a.is_vetoed and a.total == 0 and a.rank == 2 and b.rank == 1


def test_a_month_is_not_computed_before_its_cutoff(db):
    """Computing March on 31 March is refused (its records are not final)."""
    w = make_world()
    period = compute.period_for(w.county.id, MONTH)
    with pytest.raises(DomainError):
        compute.compute_month(period, now=datetime(2026, 3, 31, 12, tzinfo=UTC))


def test_the_number_of_statements_does_not_grow_with_units(db, count_queries):
    """2 stations or 6 stations: the same number of SQL statements to compute the month."""
    w = make_world()
    station_finding(w)
    period = computed(w)
    db.session.flush()
    with count_queries() as small:
        compute.compute_month(period, now=AFTER)
    for n in range(4):
        community = w.communities["a"] if n % 2 else w.communities["b"]
        new = make_station(community, [make_compound(community)], name=f"新站{n}")
    station_finding(w, station=new)
    db.session.flush()
    with count_queries() as big:
        compute.compute_month(period, now=AFTER)
    assert len(scores(period)) == 10
    assert big.count == small.count


def test_the_monthly_job_computes_last_month_once(db):
    """The job firing on 1 April computes March (key 2026-03); a period under review is left alone."""
    spec = next(j for j in JOBS if j.id.endswith("compute_last_month"))
    fire = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)  # 1 April 02:00 Beijing
    assert spec.cadence.period(fire) == "2026-03"
    w = make_world()
    counts = compute.compute_last_month(fire, county_ids=[w.county.id])
    assert counts["periods"] == 1 and counts["scores"] == 6
    period = compute.period_for(w.county.id, MONTH)
    period.status = PeriodStatus.REVIEW
    assert compute.compute_last_month(fire, county_ids=[w.county.id])["skipped"] == 1
    with pytest.raises(Conflict):
        compute.compute_month(period, now=AFTER)
    assert SYSTEM.is_system


def test_overdue_orders_and_satisfaction_come_from_their_records(db):
    """The finding's order is overdue in March (−0.5); one survey response is fewer than the scheme's minimum."""
    w = make_world()
    station_finding(w, deduction="1")
    survey = open_survey(w, month=MONTH, now=datetime(2026, 3, 20, tzinfo=UTC))
    household = w.households["a"][0] if isinstance(w.households["a"], list) else w.households["a"]
    answer(survey, household, [3] * len(survey.questions), user=w.users[Role.COMMUNITY_WORKER], paper=True,
           now=datetime(2026, 3, 21, tzinfo=UTC))
    a = scores(computed(w))[(UnitKind.STATION, w.stations["a"].id)]
    assert line(a, "orders_overdue").points == Decimal("-0.50")
    sat = line(a, "satisfaction_survey")
    assert sat.points == 0 and sat.refs["survey"]["responses"] == 1
    assert compute.indicators.unit_satisfaction(w.county.id, MONTH)[(UnitKind.STATION, w.stations["a"].id)] == (
        Decimal("50.00"), 1)
