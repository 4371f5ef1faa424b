"""`flask pm ...`: demo loading, account and token creation, running jobs by name and time."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pm.models import (
    ApiToken,
    AuditLog,
    Compound,
    County,
    JobRun,
    Role,
    RunStatus,
    User,
)
from pm.services.accounts.login import authenticate
from pm.services.accounts.tokens import user_for_token
from pm.demo import DEMO_LOGINS
from tests.factories import (
    make_community,
    make_compound,
    make_county,
    make_person,
    make_station,
    make_street,
    make_user,
)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- demo ------------------------------------------------------------------------------------------
def test_demo_command_loads_the_county_and_prints_every_login(runner, db):
    """`flask pm demo` loads 107 compounds and prints username, password and role of one login per role."""
    result = runner.invoke(args=["pm", "demo"])
    assert result.exit_code == 0, result.output
    assert _count(db, Compound) == 107
    for login in DEMO_LOGINS:
        line = next(line for line in result.output.splitlines() if line.strip().startswith(login.username + " "))
        assert login.password in line
    assert "服务站站长" in result.output
    assert "107 个小区" in result.output


def test_demo_if_empty_does_nothing_the_second_time(runner, db):
    """`--if-empty` (run by `make run` every time) loads once, then only prints a note."""
    first = runner.invoke(args=["pm", "demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    audits = _count(db, AuditLog)
    second = runner.invoke(args=["pm", "demo", "--if-empty"])
    assert second.exit_code == 0
    assert "跳过" in second.output
    assert _count(db, County) == 1
    assert _count(db, Compound) == 107
    # one login per role and the demo bank's service account, besides the managers of the demo street's other
    # stations (accounts with random passwords that work their repairs, not demo logins)
    station_managers = db.session.scalars(select(User).where(User.username.like("demo-station-%"))).all()
    assert station_managers and {u.role for u in station_managers} == {Role.STATION_MANAGER}
    assert _count(db, User) == len(Role) + 1 + len(station_managers)
    assert _count(db, AuditLog) == audits


def test_demo_without_if_empty_refuses_a_non_empty_database(runner, db):
    """Without --if-empty, a database that has a county is refused with a message and left unchanged."""
    make_county(name="已有县")
    db.session.commit()
    result = runner.invoke(args=["pm", "demo"])
    assert result.exit_code == 1
    assert "已有县级数据" in result.output
    assert _count(db, Compound) == 0


def test_demo_city_size_runs_small(runner, db):
    """`--size city --compounds 5` builds a small city with a progress bar and the demo logins."""
    result = runner.invoke(args=["pm", "demo", "--size", "city", "--compounds", "5"])
    assert result.exit_code == 0, result.output
    assert _count(db, Compound) == 5
    assert "个小区" in result.output
    for login in DEMO_LOGINS:
        assert authenticate(login.username, login.password).role == login.role
    db.session.commit()


# -- create-user -----------------------------------------------------------------------------------
def test_create_user_with_password_option(runner, db):
    """An operator creates a street officer bound to a street; the password works."""
    street = make_community().street
    db.session.commit()
    result = runner.invoke(args=[
        "pm", "create-user", "--username", "wang", "--role", "street_officer", "--bind", str(street.id),
        "--display-name", "王干事", "--phone", "13912345678", "--password", "a long street password",
    ])
    assert result.exit_code == 0, result.output
    user = authenticate("wang", "a long street password")
    assert user.street_id == street.id and user.display_name == "王干事" and user.phone == "13912345678"
    db.session.commit()


def test_create_user_prompts_for_the_password_twice(runner, db):
    """Without --password the password is prompted for, with confirmation."""
    county = make_county()
    db.session.commit()
    result = runner.invoke(
        args=["pm", "create-user", "--username", "admin", "--role", "county_admin", "--bind", str(county.id)],
        input="county admin secret\ncounty admin secret\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate("admin", "county admin secret").county_id == county.id
    db.session.commit()


def _bindings(db):
    county = make_county()
    community = make_community(make_street(county))
    compound = make_compound(community)
    station = make_station(community, [compound])
    make_user(Role.STATION_STAFF, station, username="taken")
    person = make_person()
    db.session.commit()
    return {"county": county.id, "station": station.id, "person": person.id}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--username", "x1", "--role", "mayor", "--bind", "{county}", "--password", "long enough secret"], "mayor"),
        (["--username", "x2", "--role", "county_admin", "--bind", "999999", "--password", "long enough secret"], "所选单位不存在（--bind）"),
        (["--username", "x3", "--role", "station_manager", "--bind", "{station}", "--password", "short"], "至少需要 12 个字符"),
        (["--username", "x4", "--role", "owner", "--bind", "{person}", "--password", "long enough secret"], "本人凭邀请码认领"),
        (["--username", "x5", "--role", "county_admin", "--bind", "{county}", "--password", "123456789012"], "太常见"),
        (["--username", "taken", "--role", "county_admin", "--bind", "{county}", "--password", "long enough secret"], "已被使用"),
        (["--username", "x7", "--role", "county_admin", "--password", "long enough secret"], "--bind"),
    ],
    ids=["bad-role", "unknown-binding", "official-too-short", "owner-is-claimed-not-created", "common", "taken", "no-binding"],
)
def test_create_user_errors_are_clear_and_change_nothing(runner, db, args, message):
    """A bad role, binding or password is refused with a clear message and no account is created."""
    ids = _bindings(db)
    users = _count(db, User)
    args = [a.format(**ids) for a in args]
    result = runner.invoke(args=["pm", "create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert _count(db, User) == users


# -- create-token ----------------------------------------------------------------------------------
def test_create_token_prints_a_working_token_once(runner, db):
    """The raw token is printed once; it authenticates as the user; only its hash is stored."""
    county = make_county()
    user = make_user(Role.COUNTY_ADMIN, county, username="api-admin")
    db.session.commit()
    result = runner.invoke(args=["pm", "create-token", "--username", "api-admin", "--name", "数据中心"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert raw.startswith("pm_")
    assert user_for_token(raw).id == user.id
    token = db.session.scalar(select(ApiToken))
    assert token.name == "数据中心" and raw not in token.token_hash


def test_create_token_for_an_unknown_user_fails(runner, db):
    """An unknown username is an error and no token is created."""
    result = runner.invoke(args=["pm", "create-token", "--username", "nobody", "--name", "x"])
    assert result.exit_code == 1
    assert "不存在" in result.output
    assert _count(db, ApiToken) == 0


# -- jobs ------------------------------------------------------------------------------------------
def test_jobs_list_shows_ids_and_schedules(runner):
    """`flask pm jobs list` prints each job's id, schedule and grace time."""
    result = runner.invoke(args=["pm", "jobs", "list"])
    assert result.exit_code == 0
    assert "pm.tasks.imports.housekeeping" in result.output
    assert "每天 03:15" in result.output


@pytest.mark.postgres
def test_jobs_run_at_records_a_run_and_does_not_repeat_it(runner, db):
    """`jobs run NAME --at` records a JobRun for that period; the same period again does nothing."""
    first = runner.invoke(args=["pm", "jobs", "run", "imports.housekeeping", "--at", "2026-03-10T03:15"])
    assert first.exit_code == 0, first.output
    assert "[2026-03-10] 完成" in first.output
    run = db.session.scalar(select(JobRun))
    assert run.job == "pm.tasks.imports.housekeeping" and run.status == RunStatus.DONE
    second = runner.invoke(args=["pm", "jobs", "run", "pm.tasks.imports.housekeeping", "--at", "2026-03-10T23:00+08:00"])
    assert second.exit_code == 0
    assert "已运行过" in second.output
    assert _count(db, JobRun) == 1


def test_jobs_run_rejects_unknown_names_and_bad_times(runner, db):
    """An unknown job or an unreadable time is refused and records nothing."""
    unknown = runner.invoke(args=["pm", "jobs", "run", "nope", "--at", "2026-03-10T03:15"])
    assert unknown.exit_code == 1 and "没有名为 nope 的任务" in unknown.output
    bad = runner.invoke(args=["pm", "jobs", "run", "imports.housekeeping", "--at", "yesterday"])
    assert bad.exit_code == 2 and "ISO" in bad.output
    assert _count(db, JobRun) == 0


def test_demo_command_fills_the_fund_and_the_repair_queue(runner, db):
    """After `flask pm demo` the owner has a fund account with entries and a plan in voting; the manager has repairs queued."""
    from pm.access import scope_for
    from pm.models import SubAccount, LedgerEntry, PlanStatus, UsePlan
    from pm.services.repairs import queue
    from pm.timeutil import utcnow

    result = runner.invoke(args=["pm", "demo"])
    assert result.exit_code == 0, result.output
    owner = db.session.scalar(select(User).where(User.username == "owner"))
    scope = scope_for(owner)
    account = db.session.scalars(scope.select(SubAccount)).first()
    assert account is not None
    assert db.session.scalar(select(func.count()).where(LedgerEntry.account_id == account.id)) >= 2
    assert db.session.scalars(scope.select(UsePlan).where(UsePlan.status == PlanStatus.VOTING)).first() is not None
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    assert db.session.scalars(queue.queue_stmt(scope_for(manager), now=utcnow())).first() is not None
