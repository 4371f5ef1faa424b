"""定时任务 commands `flask pm jobs ...` and `flask pm scheduler`: list, run one as of a time, run the scheduler."""
from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from pm.cli.common import fail
from pm.models import RunStatus
from pm.services.labels import label
from pm.tasks import JOBS, find_job
from pm.tasks.scheduler import SchedulerLockHeld, run_blocking, run_job
from pm.timeutil import LOCAL_TZ, utcnow

jobs_cli = AppGroup("jobs", help="定时任务: list the scheduled jobs, run one as of a given time.")


@jobs_cli.command("list")
def jobs_list_command() -> None:
    """List the registered jobs with their schedule and grace time."""
    for spec in JOBS:
        click.echo(f"{spec.id}\n    {spec.description}\n    时间：{spec.cadence.describe()}；"
                   f"错过后 {spec.misfire_grace_time // 60} 分钟内补跑")


def _parse_at(value: str | None) -> datetime:
    if value is None:
        return utcnow()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"无法识别的时间 {value!r}，请用 ISO 格式，如 2026-03-01T03:00") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=LOCAL_TZ)  # operators type Beijing time
    if at > utcnow():
        # Running a future period now would claim it, and the real run at its time would then be skipped.
        raise click.BadParameter(f"时间 {value} 在将来：任务只能按现在或过去的时间运行", param_hint="--at")
    return at


@jobs_cli.command("run")
@click.argument("name")
@click.option("--at", "at", default=None, help="As-of time, ISO 8601 (Beijing time unless an offset is given).")
def jobs_run_command(name: str, at: str | None) -> None:
    """Run one job once as of a time; a period already run is not run again."""
    spec = find_job(name)
    if spec is None:
        fail(f"没有名为 {name} 的任务（flask pm jobs list 列出全部）")
    outcome = run_job(spec, _parse_at(at))
    if outcome.ran and outcome.run.status == RunStatus.DONE:
        click.echo(f"{spec.id} [{outcome.run.period}] 完成：{outcome.run.counts}")
    elif outcome.ran:
        click.secho(f"{spec.id} [{outcome.run.period}] 失败：{outcome.run.error}", fg="red", err=True)
        sys.exit(1)
    else:
        state = label(outcome.run.status, RunStatus) if outcome.run else label(RunStatus.RUNNING)
        click.echo(f"{spec.id} [{outcome.period}] 已运行过（{state}），本次不再运行。")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler in this process (one per deployment; a second one exits)."""
    try:
        run_blocking(current_app._get_current_object())
    except SchedulerLockHeld as err:
        click.secho(str(err), fg="yellow", err=True)
        sys.exit(1)


COMMANDS = [jobs_cli, scheduler_command]
