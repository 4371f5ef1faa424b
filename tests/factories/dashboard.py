"""工作台 factories: a two-street world with work in every module, `scale` times over, for the home pages."""
from __future__ import annotations

from datetime import date, timedelta

from pm.extensions import db
from pm.models import (
    Inspection,
    InspectionLevel,
    OrderSource,
    OrderStatus,
    PlanStatus,
    RectificationOrder,
    RepairCategory,
    RepairRequest,
    RepairStatus,
    ResponsibleKind,
    Role,
    Shift,
    TargetKind,
    TeamKind,
    WorkLog,
)
from pm.services import tallies
from pm.services.notifications import notify
from pm.timeutil import local_today, utcnow
from tests.factories.fund import deposit, make_plan, open_account
from tests.factories.registry import make_household, make_owner, make_unit
from tests.factories.repairs import repair_world
from tests.factories.seq import n as _n
from tests.factories.stations import make_station, make_team



def _repair(w, side: str, status: RepairStatus, *, household=None, submitted=None, due=None, assignee=None,
            filer=None, phone=None) -> RepairRequest:
    now = utcnow()
    station = w.stations[side]
    compound = w.compounds[side][0]
    req = RepairRequest(compound_id=compound.id, station_id=station.id, household_id=household.id if household else None,
                        category=RepairCategory.WATER_SUPPLY, description="厨房水管漏水", status=status,
                        submitted_at=submitted or now - timedelta(days=3), completion_due_at=due or now + timedelta(days=2),
                        assignee_id=assignee.id if assignee else None, filer_user_id=filer.id if filer else None,
                        filer_phone=phone, team_id=None)
    db.session.add(req)
    tallies.bump(compound.id, tallies.repair_flags(status))  # as filing and the workflow count it
    return req


def add_work(w, scale: int = 1) -> None:
    """On each side, `scale` times: repairs in every state, rectification orders in every status, fund
    sub-accounts (paid, partly paid, unpaid), plans publicised / voting / draft, a notice for side a's owner."""
    now, today = utcnow(), local_today()
    for side in ("a", "b"):
        staff = w.users[Role.STATION_STAFF] if side == "a" else w.staff_b
        owner = w.users[Role.OWNER] if side == "a" else None
        home = w.households[side][0]
        for _i in range(scale):
            # today's three: one waiting (submitted), one accepted and overdue, one dispatched to the staff member
            _repair(w, side, RepairStatus.SUBMITTED, submitted=now - timedelta(seconds=5), household=home, filer=owner)
            _repair(w, side, RepairStatus.ACCEPTED, submitted=now - timedelta(seconds=5), due=now - timedelta(minutes=1))
            _repair(w, side, RepairStatus.DISPATCHED, submitted=now - timedelta(seconds=5), assignee=staff,
                    phone="13800000001")
            # older: in progress (overdue, the staff member's), completed awaiting the owner's rating, closed
            _repair(w, side, RepairStatus.IN_PROGRESS, due=now - timedelta(days=1), assignee=staff)
            _repair(w, side, RepairStatus.COMPLETED, household=home, filer=owner, assignee=staff)
            _repair(w, side, RepairStatus.CLOSED, assignee=staff)
            _orders(w, side, today)
            _fund(w, side)
            make_plan(w.compounds[side][0], status=PlanStatus.PUBLICISED, title="外墙修缮")
            make_plan(w.compounds[side][0], status=PlanStatus.VOTING, title="电梯更换")
            make_plan(w.compounds[side][0], status=PlanStatus.DRAFT, title="草稿")
            if owner is not None:
                notify(owner, "test", f"停水通知 {_n()}")
    db.session.commit()


def _teams(w, side: str, today: date) -> None:
    """Maintenance exists (repair_world); add cleaning with today's log and security without."""
    cleaning = make_team(w.stations[side], TeamKind.CLEANING, name=f"保洁队{side}")
    make_team(w.stations[side], TeamKind.SECURITY, name=f"保安队{side}")
    db.session.add(WorkLog(station_id=w.stations[side].id, team_id=cleaning.id, log_on=today, shift=Shift.FULL_DAY,
                           content="清扫完毕", author_id=w.users[Role.STATION_MANAGER].id))


def _orders(w, side: str, today: date) -> None:
    inspector = w.users[Role.COMMUNITY_WORKER]
    compound = w.compounds[side][0]
    place = {"street_id": w.streets[side].id, "community_id": w.communities[side].id, "compound_id": compound.id,
             "station_id": w.stations[side].id}
    for status, due in ((OrderStatus.OPEN, today - timedelta(days=1)), (OrderStatus.RETURNED, today - timedelta(days=2)),
                        (OrderStatus.REPORTED, today - timedelta(days=1)), (OrderStatus.CLOSED, today)):
        db.session.add(RectificationOrder(
            source=OrderSource.INSPECTION, responsible_kind=ResponsibleKind.STATION, responsible_name="服务站",
            problem="垃圾未清运", measure="当日清运", due_on=due, status=status, issued_by_id=inspector.id, **place))


def _fund(w, side: str) -> None:
    unit = make_unit(w.households[side][0].building, name=f"9单元{_n()}")
    paid = open_account(make_household(unit, room_no="901"), due_fen=10_000)
    deposit(paid, 10_000, date(2025, 3, 1))  # paid in full, above 30%
    low = open_account(make_household(unit, room_no="902"), due_fen=10_000)
    deposit(low, 2_000, date(2025, 3, 1))  # owes 80 yuan (arrears) and below 30%
    make_owner(low.household)
    unpaid = open_account(make_household(unit, room_no="903"), due_fen=10_000)  # paid nothing: unpaid, not low
    db.session.flush()


def busy_world(scale: int = 1):
    """repair_world() with add_work(scale), and once per side: teams with and without today's log, the owner's
    own account below 30% (a top-up is due), a second station without a log today; an inspection of side a's
    second compound this week."""
    w = repair_world()
    today = local_today()
    for side in ("a", "b"):
        _teams(w, side, today)
        deposit(open_account(w.households[side][0], due_fen=10_000), 2_000, date(2025, 3, 1))
        make_station(w.communities[side], [w.compounds[side][1]], name=f"{side}第二服务站")
    db.session.add(Inspection(level=InspectionLevel.COMMUNITY_DAILY, target_kind=TargetKind.COMPOUND,
                              target_name=w.compounds["a"][1].name, inspected_on=today,
                              created_by_id=w.users[Role.COMMUNITY_WORKER].id, street_id=w.streets["a"].id,
                              community_id=w.communities["a"].id, compound_id=w.compounds["a"][1].id))
    db.session.commit()
    add_work(w, scale)
    return w
