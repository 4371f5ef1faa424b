"""`flask pm ...` commands: demo data, accounts, API tokens, scheduled jobs and the scheduler.

Each command is a boundary: it calls services (which flush) and commits once, or rolls back and
prints the reason when a service refuses.
"""
from __future__ import annotations

import logging
import sys
import time
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from pm.errors import DomainError
from pm.extensions import db
from pm.models import Role, User

logger = logging.getLogger(__name__)

pm_cli = AppGroup("pm", help="老旧小区长效管理平台 commands.")
jobs_cli = AppGroup("jobs", help="定时任务: list the scheduled jobs, run one as of a given time.")
pm_cli.add_command(jobs_cli)


def register_commands(app: Flask) -> None:
    """Add the `pm` command group to the app's CLI."""
    app.cli.add_command(pm_cli)


def _fail(message: str) -> None:
    """Roll back, print the reason in red and exit with status 1."""
    db.session.rollback()
    click.secho(f"错误：{message}", fg="red", err=True)
    sys.exit(1)


# Service field names as the options an operator typed.
OPTION_OF_FIELD = {"binding_id": "--bind", "display_name": "--display-name"}


def _domain_message(err: DomainError) -> str:
    """The service's message, naming the option(s) at fault: "所选单位不存在（--bind）"."""
    if not err.fields:
        return err.message
    parts = []
    for field, messages in err.fields.items():
        option = OPTION_OF_FIELD.get(field, f"--{field.replace('_', '-')}")
        extra = [str(m) for m in messages if str(m) != err.message]
        parts.append(f"{option}: {'，'.join(extra)}" if extra else option)
    return f"{err.message}（{'；'.join(parts)}）"


# -- demo data ------------------------------------------------------------------------------
@pm_cli.command("demo")
@click.option("--size", type=click.Choice(["demo", "city"]), default="demo", show_default=True,
              help="demo: the county of seed 000 (107 compounds); city: 2,000 compounds, ~400,000 households.")
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when the database already holds a county.")
@click.option("--compounds", type=click.IntRange(min=5), default=2000, show_default=True,
              help="Number of compounds for --size city.")
@click.option("--seed", type=int, default=None, help="Random seed (the default gives the same data every time).")
def demo_command(size: str, if_empty: bool, compounds: int, seed: int | None) -> None:
    """Load the demo county (or a city-size data set) and print one login per role."""
    from tqdm import tqdm

    from pm import demo

    if demo.has_county():
        if if_empty:
            click.echo("数据库中已有县级数据，跳过演示数据载入（--if-empty）。演示账号见 README。")
            return
        _fail("数据库中已有县级数据，演示数据只能载入空的数据库（make run 使用 --if-empty 跳过）。")
    spec = demo.DEMO if size == "demo" else demo.city_spec(compounds)
    if seed is not None:
        from dataclasses import replace

        spec = replace(spec, seed=seed)
    started = time.perf_counter()
    try:
        with tqdm(total=spec.compounds, unit="个小区", desc=f"生成{spec.county_name}", file=sys.stderr) as bar:
            result = demo.build_data_set(spec, progress=bar.update)
        db.session.commit()
    except DomainError as err:
        _fail(_domain_message(err))
    elapsed = time.perf_counter() - started
    counts = result.counts
    click.echo(
        f"已载入 {spec.county_name}：{counts['streets']} 个街道、{counts['communities']} 个社区、"
        f"{counts['compounds']} 个小区、{counts['buildings']} 栋楼、{counts['households']} 户、"
        f"{counts['persons']} 人、{counts['stations']} 个服务站，用时 {elapsed:.1f} 秒。"
    )
    click.echo("演示账号（用户名 / 密码 / 角色 / 所属）：")
    from pm.labels import label

    for login, user, bound in result.logins:
        click.echo(f"  {login.username:<10} {login.password:<22} {label(user.role):<8} {bound}")


# -- accounts -------------------------------------------------------------------------------
@pm_cli.command("create-user")
@click.option("--username", required=True, help="Login name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="Role of the account.")
@click.option("--bind", "binding_id", required=True, type=int,
              help="Id of the node the account is bound to (county, street, community, station, compound or person).")
@click.option("--display-name", default=None, help="Name shown in the UI (default: the username).")
@click.option("--phone", default=None, help="Mobile number (also accepted as the login name).")
@click.password_option("--password", prompt="密码", confirmation_prompt="再次输入密码",
                       help="Password (prompted with confirmation when omitted).")
def create_user_command(username: str, role: str, binding_id: int, display_name: str | None,
                        phone: str | None, password: str) -> None:
    """Create an account (an operator on the server: no actor, any scope)."""
    from pm.labels import label
    from pm.services.accounts import create_user

    try:
        user = create_user(
            actor=None, scope=None, username=username, display_name=display_name or username,
            password=password, role=role, binding_id=binding_id, phone=phone,
        )
        db.session.commit()
    except DomainError as err:
        _fail(_domain_message(err))
    click.echo(f"已创建账号 {user.username}（{label(user.role)}，绑定 {binding_id}），id={user.id}")


@pm_cli.command("create-token")
@click.option("--username", required=True, help="The account the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. the calling system.")
@click.option("--days", type=click.IntRange(min=1), default=365, show_default=True, help="Days until it expires.")
def create_token_command(username: str, name: str, days: int) -> None:
    """Issue an API token for /api/v1 and print it once (only its hash is stored)."""
    from pm.services.accounts import create_api_token

    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        _fail(f"账号 {username} 不存在")
    try:
        token, raw = create_api_token(user, name, days=days)
        db.session.commit()
    except DomainError as err:
        _fail(_domain_message(err))
    click.echo(f"已为 {user.username} 创建令牌“{token.name}”，有效期至 {token.expires_at:%Y-%m-%d}。")
    click.echo("令牌只显示这一次，请妥善保存：")
    click.echo(raw)


# -- scheduled jobs -------------------------------------------------------------------------
@jobs_cli.command("list")
def jobs_list_command() -> None:
    """List the registered jobs with their schedule and grace time."""
    from pm.tasks import JOBS

    for spec in JOBS:
        click.echo(f"{spec.id}\n    {spec.description}\n    时间：{spec.cadence.describe()}；"
                   f"错过后 {spec.misfire_grace_time // 60} 分钟内补跑")


def _parse_at(value: str | None) -> datetime:
    from pm.timeutil import LOCAL_TZ, utcnow

    if value is None:
        return utcnow()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"无法识别的时间 {value!r}，请用 ISO 格式，如 2026-03-01T03:00") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=LOCAL_TZ)  # operators type Beijing time
    return at


RUN_STATUS_TEXT = {"running": "运行中", "done": "已完成", "failed": "失败"}


@jobs_cli.command("run")
@click.argument("name")
@click.option("--at", "at", default=None, help="As-of time, ISO 8601 (Beijing time unless an offset is given).")
def jobs_run_command(name: str, at: str | None) -> None:
    """Run one job once as of a time; a period already run is not run again."""
    from pm.tasks import find_job
    from pm.tasks.scheduler import run_job

    spec = find_job(name)
    if spec is None:
        _fail(f"没有名为 {name} 的任务（flask pm jobs list 列出全部）")
    outcome = run_job(spec, _parse_at(at))
    if outcome.ran and outcome.run.status == "done":
        click.echo(f"{spec.id} [{outcome.run.period}] 完成：{outcome.run.counts}")
    elif outcome.ran:
        click.secho(f"{spec.id} [{outcome.run.period}] 失败：{outcome.run.error}", fg="red", err=True)
        sys.exit(1)
    else:
        state = RUN_STATUS_TEXT.get(outcome.run.status, outcome.run.status) if outcome.run else "运行中"
        click.echo(f"{spec.id} [{outcome.period}] 已运行过（{state}），本次不再运行。")


@pm_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler in this process (one per deployment; a second one exits)."""
    from pm.tasks.scheduler import SchedulerLockHeld, run_blocking

    try:
        run_blocking(current_app._get_current_object())
    except SchedulerLockHeld as err:
        click.secho(str(err), fg="yellow", err=True)
        sys.exit(1)
