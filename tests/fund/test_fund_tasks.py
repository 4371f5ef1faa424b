"""维修资金提醒 jobs: low balance, unpaid first deposit, publicity period ended — right recipients, once per period."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from pm.extensions import db
from pm.models import Notification, Role, UsePlan
from pm.models.fund import PlanStatus
from pm.tasks import find_job
from pm.tasks import fund as funds
from pm.tasks.scheduler import run_job
from tests.factories import make_user, make_world
from tests.factories.fund import deposit, open_account

MARCH = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 Beijing on 1 March


@pytest.fixture
def world(db):
    return make_world()


def _notes(user=None, kind=None) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def _low_balance_world(world):
    low = open_account(world.households["a"][0], 10_000)  # the owner's dwelling
    deposit(low, 2_999, date(2025, 1, 1))
    ok = open_account(world.households["a"][1], 10_000)
    deposit(ok, 3_000, date(2025, 1, 1))  # exactly 30%: not below
    db.session.commit()
    return low, ok


def test_low_balance_notifies_owner_and_officials(world):
    """The owner of a dwelling below 30% is told; the station manager and street officer get one summary."""
    low, _ok = _low_balance_world(world)
    counts = funds.low_balance(MARCH)
    db.session.commit()
    assert low.needs_replenishment
    assert counts == {"accounts": 1, "owner_notices": 1, "summary_notices": 2}
    [owner_note] = _notes(world.users[Role.OWNER])
    assert owner_note.kind == "fund.low_balance" and "29.99" in owner_note.body and "30%" in owner_note.title
    assert owner_note.link == "/statements/my"
    for role in (Role.STATION_MANAGER, Role.STREET_OFFICER):
        [note] = _notes(world.users[role])
        assert "1 户" in note.title and "1号楼1单元101" in note.body
    for role in (Role.COUNTY_ADMIN, Role.STATION_STAFF, Role.COMMITTEE_MEMBER, Role.RESIDENT):
        assert _notes(world.users[role]) == []


@pytest.mark.postgres
def test_low_balance_sends_once_per_month(world):
    """Running the reminder again in the same month sends nothing; the next month reminds again."""
    _low_balance_world(world)
    funds.low_balance(MARCH)
    again = funds.low_balance(datetime(2026, 3, 20, tzinfo=UTC))
    assert again["owner_notices"] == again["summary_notices"] == 0
    april = funds.low_balance(datetime(2026, 4, 1, 2, tzinfo=UTC))
    db.session.commit()
    assert april["owner_notices"] == 1
    assert len(_notes(world.users[Role.OWNER])) == 2


@pytest.mark.postgres
def test_low_balance_job_runs_once_per_period(world):
    """Through run_job the job is recorded and a second run of the same period does nothing."""
    _low_balance_world(world)
    spec = find_job("funds.low_balance")
    first = run_job(spec, MARCH)
    second = run_job(spec, datetime(2026, 3, 2, tzinfo=UTC))
    assert first.ran and not second.ran
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 3


def test_former_owner_is_not_reminded(world):
    """Only current owners with an owner login are reminded; a disabled login is not."""
    _low_balance_world(world)
    owner = world.users[Role.OWNER]
    owner.is_enabled = False
    db.session.commit()
    counts = funds.low_balance(MARCH)
    assert counts["owner_notices"] == 0 and counts["summary_notices"] == 2


def test_unpaid_first_deposit_reminder(world):
    """Households whose first deposit due exceeds what was paid are reminded with the amount owed."""
    part = open_account(world.households["a"][0], 10_000)
    deposit(part, 4_000, date(2025, 1, 1))
    paid = open_account(world.households["a"][1], 10_000)
    deposit(paid, 10_000, date(2025, 1, 1))
    db.session.commit()
    counts = funds.unpaid_first_deposit(MARCH)
    db.session.commit()
    assert counts == {"accounts": 1, "owner_notices": 1, "summary_notices": 2}
    [note] = _notes(world.users[Role.OWNER])
    assert "尚欠 60.00 元" in note.body
    [summary] = _notes(world.users[Role.STREET_OFFICER])
    assert "60.00" in summary.title


def _plan(world, publicised_on: date, status=PlanStatus.PUBLICISED) -> UsePlan:
    plan = UsePlan(compound_id=world.compounds["a"][0].id, title="2号楼外墙修缮", shared_part="外墙", reason="空鼓",
                   budget_fen=100_000, status=status, publicised_on=publicised_on, publicity_days=7,
                   created_by_id=world.users[Role.STATION_MANAGER].id)
    db.session.add(plan)
    db.session.commit()
    return plan


@pytest.mark.parametrize("now,expected", [
    (datetime(2026, 3, 7, 15, 30, tzinfo=UTC), 0),  # 23:30 on 7 March in Beijing: one day left
    (datetime(2026, 3, 7, 16, 30, tzinfo=UTC), 2),  # 00:30 on 8 March in Beijing: 7 days have passed
])
def test_publicity_end_is_a_beijing_date(world, now, expected):
    """A plan publicised on 1 March for 7 days can go to the vote from 8 March, Beijing time."""
    _plan(world, date(2026, 3, 1))
    counts = funds.plan_publicity_ended(now)
    assert counts["notices"] == expected


@pytest.mark.postgres
def test_publicity_end_notifies_creator_and_committee_once(world):
    """The plan's creator and the compound's committee members are told once; other plans are not announced."""
    plan = _plan(world, date(2026, 3, 1))
    _plan(world, date(2026, 3, 1), status=PlanStatus.VOTING)
    second_member = make_user(Role.COMMITTEE_MEMBER, world.compounds["a"][0])
    db.session.commit()
    now = datetime(2026, 3, 9, tzinfo=UTC)
    assert funds.plan_publicity_ended(now) == {"plans": 1, "notices": 3}
    assert funds.plan_publicity_ended(now)["notices"] == 0
    db.session.commit()
    for user in (world.users[Role.STATION_MANAGER], world.users[Role.COMMITTEE_MEMBER], second_member):
        [note] = _notes(user)
        assert note.link == f"/plans/{plan.id}" and "2号楼外墙修缮" in note.title


def test_reminders_run_from_the_cli(world, runner):
    """`flask pm jobs run funds.low_balance --at ISO` runs the reminder once for that month."""
    _low_balance_world(world)
    first = runner.invoke(args=["pm", "jobs", "run", "funds.low_balance", "--at", "2026-03-01T09:00+08:00"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["pm", "jobs", "run", "funds.low_balance", "--at", "2026-03-15T09:00+08:00"])
    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert len(_notes(kind="fund.low_balance")) == 3


def test_disabled_accounts_are_never_told(world):
    """A disabled official gets no summary and a disabled plan creator no publicity notice (same for everyone)."""
    _low_balance_world(world)
    world.users[Role.STREET_OFFICER].is_enabled = False
    world.users[Role.STATION_MANAGER].is_enabled = False
    db.session.commit()
    assert funds.low_balance(MARCH) == {"accounts": 1, "owner_notices": 1, "summary_notices": 0}
    _plan(world, date(2026, 3, 1))
    assert funds.plan_publicity_ended(datetime(2026, 3, 9, tzinfo=UTC)) == {"plans": 1, "notices": 1}
    db.session.commit()
    assert [n.user_id for n in _notes(kind="fund.plan.publicity_ended")] == [world.users[Role.COMMITTEE_MEMBER].id]


def test_reminder_keys_name_the_beijing_month(world):
    """Reminders are keyed by the Beijing month: 23:30 UTC on 31 March is already April in Beijing."""
    low, _ok = _low_balance_world(world)
    funds.low_balance(datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    db.session.commit()
    keys = {n.dedupe_key for n in _notes(kind="fund.low_balance")}
    user = world.users[Role.OWNER].id
    assert f"fund.low_balance:2026-04:a{low.id}:u{user}" in keys
