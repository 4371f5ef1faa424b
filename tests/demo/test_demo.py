"""演示数据: the demo county matches seed 000's survey; the city-size generator at a tiny size."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pm.access import scope_for
from pm.errors import Conflict
from pm.models import (
    Building,
    Community,
    Compound,
    County,
    Household,
    ManagementMode,
    Ownership,
    Person,
    Relation,
    Residency,
    Role,
    Station,
    StreetOffice,
    User,
    station_compounds,
)
from pm import demo
from pm.demo import city
from pm.services.accounts.login import authenticate
from pm.services.text import normalise_phone


# The loader writes with COPY and moves the sequences on PostgreSQL: its results are checked on both backends.
pytestmark = pytest.mark.postgres


@pytest.fixture
def loaded(demo_db):
    """The demo county, committed (conftest's demo_db: built by demo.build_data_set once per session)."""


def _count(db, stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def test_demo_has_the_seed_counts_of_compounds(db, loaded):
    """Seed 000: 107 compounds; 35 with a firm; 72 without (7 unit, 56 committee, 9 self); 22 owners' committees (7 + 15)."""
    by_mode = dict(db.session.execute(select(Compound.management_mode, func.count()).group_by(Compound.management_mode)).all())
    assert sum(by_mode.values()) == 107
    assert by_mode == {
        ManagementMode.PROFESSIONAL: 35,
        ManagementMode.UNIT: 7,
        ManagementMode.COMMITTEE: 56,
        ManagementMode.SELF: 9,
    }
    with_committee = Compound.owners_committee_formed_on.is_not(None)
    assert _count(db, select(Compound.id).where(with_committee)) == 22
    professional = Compound.management_mode == ManagementMode.PROFESSIONAL
    assert _count(db, select(Compound.id).where(with_committee, professional)) == 7
    assert _count(db, select(Compound.id).where(with_committee, ~professional)) == 15


def test_demo_tree_has_streets_and_communities_with_chinese_names(db, loaded):
    """One county, 4 streets (街道), 12 communities (社区); every community has at least one compound."""
    assert _count(db, select(County.id)) == 1
    streets = db.session.scalars(select(StreetOffice.name)).all()
    assert len(streets) == 4 and all(name.endswith("街道") for name in streets)
    assert _count(db, select(Community.id)) == 12
    empty = select(Community.id).where(~Community.id.in_(select(Compound.community_id)))
    assert _count(db, empty) == 0


def test_every_firm_managed_compound_has_exactly_one_station(db, loaded):
    """Each compound with a property firm is served by one station; a station serves 1–3 compounds of its community."""
    per_compound = dict(db.session.execute(
        select(station_compounds.c.compound_id, func.count()).group_by(station_compounds.c.compound_id)
    ).all())
    professional = set(db.session.scalars(
        select(Compound.id).where(Compound.management_mode == ManagementMode.PROFESSIONAL)
    ))
    assert set(per_compound) == professional
    assert set(per_compound.values()) == {1}
    for station in db.session.scalars(select(Station)):
        assert 1 <= len(station.compounds) <= 3
        assert {c.community_id for c in station.compounds} == {station.community_id}
        assert station.name.endswith("物业服务站")


def test_demo_compounds_are_old_and_renovated(db, loaded):
    """Compounds were built 1980–2005; most carry a renovation class and items; surveyed counts match the registry."""
    compounds = db.session.scalars(select(Compound)).all()
    assert all(1980 <= c.year_built <= 2005 for c in compounds)
    renovated = [c for c in compounds if c.renovation_class is not None]
    assert len(renovated) > 80
    assert all(c.renovation_items for c in renovated)
    registry = dict(db.session.execute(select(Household.compound_id, func.count()).group_by(Household.compound_id)).all())
    areas = dict(db.session.execute(select(Household.compound_id, func.sum(Household.area_m2)).group_by(Household.compound_id)).all())
    for c in compounds:
        assert c.household_count == registry[c.id]
        assert Decimal(c.floor_area_m2) == Decimal(areas[c.id])


def test_demo_buildings_and_dwellings_are_realistic(db, loaded):
    """Buildings have 4–12 floors, no lift up to 6; floor areas are exact 45–140 m² with two decimals."""
    for floors, has_elevator in db.session.execute(select(Building.floors, Building.has_elevator)):
        assert 4 <= floors <= 12
        if floors <= 6:
            assert not has_elevator
    total = _count(db, select(Household.id))
    assert 2000 <= total <= 6000  # a few thousand: loads in seconds
    for area, floor in db.session.execute(select(Household.area_m2, Household.floor)):
        assert isinstance(area, Decimal)
        assert area.as_tuple().exponent == -2
        assert Decimal(45) <= area <= Decimal(140)
        assert floor >= 1
    public = _count(db, select(Household.id).where(Household.is_sold_public_housing.is_(True)))
    assert 0.10 <= public / total <= 0.20


def test_most_households_have_owners_and_some_tenants(db, loaded):
    """Most dwellings have a current owner (Person + Ownership); some have tenants (Residency)."""
    total = _count(db, select(Household.id))
    owned = _count(db, select(Ownership.household_id).where(Ownership.ended_on.is_(None)).distinct())
    assert owned / total > 0.9
    tenants = _count(db, select(Residency.id).where(Residency.relation == Relation.TENANT))
    assert tenants > 0.03 * total
    named = db.session.scalars(select(Person.name).where(Person.is_organisation.is_(False)).limit(200)).all()
    assert all(2 <= len(name) <= 3 for name in named)
    phones = db.session.scalars(
        select(Person.phone).where(Person.phone.is_not(None), Person.is_organisation.is_(False)).limit(200)
    ).all()
    assert all(len(p) == 11 and p.startswith("1") and p.isdigit() for p in phones)


def test_one_demo_login_per_role_authenticates(app, db, loaded):
    """Every role has one demo login, and its fixed password passes authentication."""
    assert {login.role for login in demo.DEMO_LOGINS} == set(Role)
    assert len(demo.DEMO_LOGINS) == len(Role)
    for login in demo.DEMO_LOGINS:
        user = authenticate(login.username, login.password)
        assert user.role == login.role
    db.session.commit()


def test_owner_and_resident_live_in_the_station_managers_compound(db, loaded):
    """The demo owner and resident are bound to persons of a household of the station manager's compound."""
    users = _users(db)
    manager = users[Role.STATION_MANAGER]
    station_compound_ids = set(db.session.scalars(scope_for(manager).compound_ids))
    for role in (Role.OWNER, Role.RESIDENT):
        own = set(db.session.scalars(
            select(Household.compound_id).where(Household.id.in_(scope_for(users[role]).household_ids))
        ))
        assert own and own <= station_compound_ids
    committee = users[Role.COMMITTEE_MEMBER]
    assert committee.compound_id in station_compound_ids
    assert db.session.get(Compound, committee.compound_id).owners_committee_formed_on is not None
    assert users[Role.OWNER].phone is not None


def test_demo_refuses_a_database_that_has_a_county(db, loaded):
    """A second load is refused and changes nothing."""
    with pytest.raises(Conflict):
        demo.build_data_set(demo.DEMO)
    db.session.rollback()
    assert _count(db, select(Compound.id)) == 107


def test_city_generator_at_a_tiny_size(db):
    """city_spec(n) builds n compounds with households, owners about one per household, stations, and logins."""
    progressed = []
    result = demo.build_data_set(demo.city_spec(6), progress=progressed.append)
    db.session.commit()
    assert sum(progressed) == 6
    assert _count(db, select(Compound.id)) == 6
    households = _count(db, select(Household.id))
    assert households == result.counts["households"] > 6 * 60
    owners = _count(db, select(Ownership.id))
    assert 0.9 * households <= owners <= 1.15 * households
    assert _count(db, select(User.id)) == len(Role)
    firm = select(Compound.id).where(
        Compound.management_mode.in_([ManagementMode.PROFESSIONAL, ManagementMode.QUASI])
    )
    assert _count(db, select(station_compounds.c.compound_id).where(station_compounds.c.compound_id.in_(firm))) == _count(db, firm)


def test_ids_continue_after_the_bulk_load(db):
    """Rows added normally after the bulk load get fresh ids (PostgreSQL sequences are moved past the loaded ids)."""
    demo.build_data_set(demo.city_spec(5), with_logins=False)
    db.session.commit()
    before = db.session.scalar(select(func.max(Person.id)))
    person = Person(name="新业主", phone="13900000000")
    db.session.add(person)
    db.session.commit()
    assert person.id > before


@pytest.mark.parametrize("total", [5, 6, 7, 107, 2000, 2001])
def test_city_mode_shares_sum_exactly(total):
    """The city's management modes are split from integer shares exactly (largest remainder)."""
    spec = demo.city_spec(total)
    assert spec.compounds == total
    assert sum(spec.modes.values()) == total
    firm = spec.modes[ManagementMode.PROFESSIONAL] + spec.modes[ManagementMode.QUASI]
    assert spec.committees_professional <= firm
    assert spec.committees_other <= total - firm
    assert firm >= 1


def test_city_spec_refuses_too_small_a_city():
    """Fewer compounds than a city needs (a station and each common mode) is refused."""
    with pytest.raises(ValueError):
        demo.city_spec(city.CITY_MIN_COMPOUNDS - 1)


def test_the_same_seed_plans_the_same_county():
    """The generator is deterministic: the same seed gives the same compounds."""
    import random

    first = city.plan_compounds(demo.DEMO, random.Random(1), 12)
    second = city.plan_compounds(demo.DEMO, random.Random(1), 12)
    assert first == second
    assert len({p.name for p in first}) == 107


# -- the modules around the demo logins ------------------------------------------------------------
def _users(db) -> dict:
    """The demo logins by role (the demo also makes a manager account for each other station of the demo street)."""
    from pm.demo.logins import DEMO_LOGINS

    return {u.role: u for u in db.session.scalars(select(User).where(
        User.username.in_([login.username for login in DEMO_LOGINS])))}


def test_demo_fund_has_policy_standards_accounts_and_both_worklists(db, loaded):
    """The county has a FundPolicy and two deposit standards; accounts carry deposits; 追缴 and 续交 lists have rows."""
    from pm.models import (
        DepositRate,
        SubAccount,
        FundPolicy,
        LedgerEntry,
        ReturnsDistribution,
    )
    from pm.services.fund import arrears as fund_arrears

    county = db.session.scalar(select(County))
    assert db.session.scalar(select(FundPolicy).where(FundPolicy.county_id == county.id)) is not None
    assert sorted(db.session.scalars(select(DepositRate.fen_per_m2))) == [4000, 8000]
    accounts = db.session.scalars(select(SubAccount)).all()
    assert len(accounts) > 500
    assert all(a.balance_fen >= 0 for a in accounts)
    # The cached balance is the sum of the ledger, account by account.
    sums = dict(db.session.execute(select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_fen))
                                   .group_by(LedgerEntry.account_id)).all())
    assert all(a.balance_fen == sums.get(a.id, 0) for a in accounts)
    scope = scope_for(_users(db)[Role.COUNTY_ADMIN])
    arrears = db.session.execute(fund_arrears.arrears_select(scope)).all()
    assert 0 < len(arrears) < len(accounts) // 5
    assert db.session.execute(fund_arrears.replenishment_select(scope)).all()
    # last year's two distributions, and the common-part income the 以区养区 step credits (pm/demo/commonincome.py)
    assert _count(db, select(ReturnsDistribution.id)) == 3


def test_owner_sees_an_account_with_history_and_can_vote_on_the_open_plan(db, loaded):
    """The demo owner's account shows deposit, returns and a plan charge; a plan is in voting and the owner has not voted."""
    from pm.models import (
        Ballot,
        EntryKind,
        SubAccount,
        LedgerEntry,
        PlanStatus,
        UsePlan,
    )
    from pm.services.fund import plans as fund_plans

    owner = _users(db)[Role.OWNER]
    scope = scope_for(owner)
    account = db.session.scalars(scope.select(SubAccount)).first()
    assert account is not None and account.balance_fen > 0
    kinds = set(db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.account_id == account.id)))
    assert {EntryKind.FIRST_DEPOSIT, EntryKind.RETURNS, EntryKind.CHARGE} <= kinds
    plans = {p.status: p for p in db.session.scalars(scope.select(UsePlan))}
    assert {PlanStatus.CHARGED, PlanStatus.VOTING, PlanStatus.PASSED} <= set(plans)
    assert plans[PlanStatus.PASSED].is_emergency
    voting = plans[PlanStatus.VOTING]
    mine = fund_plans.my_households(voting, owner)
    assert mine
    assert not db.session.scalar(select(Ballot.id).where(Ballot.decision_id == voting.decision_id,
                                                        Ballot.household_id == mine[0].id))
    assert _count(db, select(Ballot.id).where(Ballot.decision_id == voting.decision_id)) > 0
    fund_plans.cast_ballot(voting, mine[0], "yes", actor=owner, scope=scope)
    assert fund_plans.tally(plans[PlanStatus.CHARGED]).passes


def test_station_manager_has_repairs_in_every_state_and_staff_in_maintenance(db, loaded):
    """The manager's queue has submitted, dispatched (to the staff member) and overdue requests; others await rating or are closed."""
    from pm.models import RepairRequest, RepairStatus, Team
    from pm.services.repairs import queue as repair_queue
    from pm.timeutil import utcnow

    users = _users(db)
    manager, staff = users[Role.STATION_MANAGER], users[Role.STATION_STAFF]
    now = utcnow()
    queue = db.session.scalars(repair_queue.queue_stmt(scope_for(manager), now=now)).all()
    assert {RepairStatus.SUBMITTED, RepairStatus.DISPATCHED} <= {r.status for r in queue}
    assert any(r.assignee_id == staff.id for r in queue if r.status == RepairStatus.DISPATCHED)
    assert db.session.scalars(select(RepairRequest.id).where(repair_queue.overdue_clause(now))).all()
    completed = db.session.scalars(select(RepairRequest).where(  # the hotline's requests of the assessed months aside
        RepairRequest.status == RepairStatus.COMPLETED, RepairRequest.filer_user_id != users[Role.STREET_OFFICER].id)).all()
    assert completed and all(r.filer_user_id in (users[Role.OWNER].id, users[Role.RESIDENT].id) for r in completed)
    closed = db.session.scalars(select(RepairRequest).where(RepairRequest.status == RepairStatus.CLOSED)).all()
    assert closed and all(1 <= r.rating <= 5 for r in closed)
    assert all(r.submitted_at <= now for r in db.session.scalars(select(RepairRequest)))
    teams = db.session.scalars(select(Team).where(Team.station_id == manager.station_id)).all()
    assert len(teams) == 4
    assert any(staff in t.members for t in teams if t.kind.value == "maintenance")


def test_station_work_and_inspections_have_logs_gaps_checkins_and_orders(db, loaded):
    """Work logs for past days with some gaps, patrol check-ins (one problem), and one open and one closed order."""
    from pm.models import (
        CheckinStatus,
        OrderStatus,
        PatrolCheckin,
        RectificationOrder,
        Station,
        WorkLog,
    )
    from pm.access import SYSTEM
    from pm.services.periods import Month
    from pm.services.stations import worklogs
    from pm.timeutil import local_today

    today = local_today()
    station = db.session.get(Station, _users(db)[Role.STATION_MANAGER].station_id)
    days = db.session.scalars(select(WorkLog.log_on)).all()
    assert days and max(days) < today
    gaps = worklogs.month_gaps(station, Month(today.year, today.month), today=today, scope=SYSTEM)
    assert any(g.missing for g in gaps)
    statuses = db.session.scalars(select(PatrolCheckin.status)).all()
    assert CheckinStatus.PROBLEM in statuses and CheckinStatus.OK in statuses
    # the recent street inspection: one order closed, one open (the assessment months add older orders)
    assert {OrderStatus.OPEN, OrderStatus.CLOSED} <= set(db.session.scalars(select(RectificationOrder.status)))


def test_every_person_phone_follows_the_phone_rule(app, db, loaded):
    """People's phones are stored as the registry stores them: digits only, valid by the one phone rule."""
    phones = db.session.scalars(select(Person.phone).where(Person.phone.is_not(None))).all()
    assert phones and all(normalise_phone(p) == p for p in phones)
    assert any(p.startswith("0516") for p in phones)  # organisations' landlines, area code kept


def test_assessments_have_three_months_with_varied_scores_and_one_published(app, db, loaded):
    """Three computed months for the demo street's stations, the oldest published after an upheld appeal."""
    from pm.models import AppealStatus, AssessmentAppeal, AssessmentPeriod, AssessmentScore, PeriodStatus, UnitKind

    found = db.session.scalars(select(AssessmentPeriod).order_by(AssessmentPeriod.month)).all()
    assert [p.status for p in found] == [PeriodStatus.PUBLISHED, PeriodStatus.PUBLISHED, PeriodStatus.COMPUTED]
    totals = set(db.session.scalars(select(AssessmentScore.total).where(
        AssessmentScore.period_id == found[1].id, AssessmentScore.unit_kind == UnitKind.STATION)))
    assert len(totals) >= 3
    assert db.session.scalar(select(AssessmentAppeal.status).order_by(AssessmentAppeal.id)) == AppealStatus.UPHELD


def test_demo_bulletin_has_one_station_on_the_yellow_card(app, db, loaded):
    """The two published months put the station vetoed in both on 通报批评 then 黄牌警告."""
    from pm.models import AssessmentLadderStepRecord, LadderStep, UnitKind

    steps = db.session.execute(select(AssessmentLadderStepRecord.month, AssessmentLadderStepRecord.step).where(
        AssessmentLadderStepRecord.unit_kind == UnitKind.STATION,
        AssessmentLadderStepRecord.step == LadderStep.YELLOW_CARD)).all()
    assert len(steps) == 1


def test_every_demo_street_station_has_repairs_logs_and_inspections_that_vary_its_score(app, db, loaded):
    """Each assessed month, every station of the demo street has repairs, work logs and an inspection; its repair
    lines come from those records and differ between stations (some answer late)."""
    from pm.models import (AssessmentLine, AssessmentPeriod, AssessmentScore, Inspection, RepairRequest, UnitKind,
                           WorkLog)
    from pm.services.periods import Month

    periods = db.session.scalars(select(AssessmentPeriod).order_by(AssessmentPeriod.month)).all()
    stations = db.session.scalars(select(AssessmentScore.unit_id).where(
        AssessmentScore.period_id == periods[0].id, AssessmentScore.unit_kind == UnitKind.STATION)).all()
    demo_street = db.session.scalar(select(Community.street_id).join(Station, Station.community_id == Community.id)
                                    .where(Station.id == _users(db)[Role.STATION_MANAGER].station_id))
    in_street = set(db.session.scalars(select(Station.id).join(Community, Community.id == Station.community_id)
                                       .where(Community.street_id == demo_street)))
    assessed = [s for s in stations if s in in_street]
    assert len(assessed) >= 3
    for period in periods:
        first, end = Month.parse(period.month).bounds()
        for model, column in ((RepairRequest, RepairRequest.submitted_at), (WorkLog, WorkLog.created_at),
                              (Inspection, Inspection.created_at)):
            having = set(db.session.scalars(select(model.station_id).where(
                model.station_id.in_(assessed), column >= first, column < end)))
            assert having == set(assessed), (period.month, model.__name__)
    lines = db.session.execute(
        select(AssessmentScore.unit_id, AssessmentLine.points, AssessmentLine.refs).join(AssessmentLine.score)
        .where(AssessmentScore.unit_id.in_(assessed), AssessmentScore.unit_kind == UnitKind.STATION,
               AssessmentLine.points < 0)).all()
    late = {unit for unit, _p, refs in lines if "repairs" in (refs or {})}
    assert len(late) >= 2  # late repairs cost points at several stations, not all the same
