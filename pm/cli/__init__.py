"""命令行 `flask pm ...`: demo data, accounts, API tokens, scheduled jobs and the scheduler."""
# Each command is a boundary: it calls services (which flush) and commits once, or rolls back and prints the
# reason when a service refuses. Commands act for an operator on the server, not a person: services get `SYSTEM`.
from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from pm.cli import demo, jobs, tallies, users

pm_cli = AppGroup("pm", help="老旧小区长效管理平台 commands.")
for _command in (*demo.COMMANDS, *users.COMMANDS, *jobs.COMMANDS, *tallies.COMMANDS):
    pm_cli.add_command(_command)


def register_commands(app: Flask) -> None:
    """Add the `pm` command group to the app's CLI."""
    app.cli.add_command(pm_cli)
