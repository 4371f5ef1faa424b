"""`flask pm ...` commands."""
import click
from flask import Flask
from flask.cli import AppGroup

pm_cli = AppGroup("pm", help="老旧小区长效管理平台 commands.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(pm_cli)
