"""小区计数 command `flask pm tallies recount [--check]`: compare the per-compound counts with a recount of the rows
(--check: report only, exit status 1 on drift) or replace them by the recount (and report what it repaired)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from pm.extensions import db
from pm.services import tallies

tallies_cli = AppGroup("tallies", help="小区计数: check or recount the per-compound counts of the home pages.")


@tallies_cli.command("recount")
@click.option("--check", is_flag=True, help="Only compare with a recount; exit status 1 when they differ.")
def recount_command(check: bool) -> None:
    """Recount the per-compound counts from the sub-accounts and repair requests (one statement)."""
    found = tallies.drift() if check else tallies.recount()
    if check:
        db.session.rollback()
    else:
        db.session.commit()
    for d in found:
        diff = ", ".join(f"{k} {d.kept[k]} → {d.counted[k]}" for k in d.kept if d.kept[k] != d.counted[k])
        click.echo(f"小区 {d.compound_id}: {diff}")
    verb = "不一致" if check else "已重算"
    click.echo(f"{len(found)} 个小区的计数{verb}" if found else "计数与重算一致")
    if check and found:
        sys.exit(1)


COMMANDS = [tallies_cli]
