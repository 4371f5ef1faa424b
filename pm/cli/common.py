"""命令行: what every `flask pm` command shares — failing cleanly with the service's message."""
from __future__ import annotations

import sys

import click

from pm.errors import DomainError
from pm.extensions import db

# Service field names as the options an operator typed.
OPTION_OF_FIELD = {"binding_id": "--bind", "display_name": "--display-name"}


def fail(message: str) -> None:
    """Roll back, print the reason in red and exit with status 1."""
    db.session.rollback()
    click.secho(f"错误：{message}", fg="red", err=True)
    sys.exit(1)


def domain_message(err: DomainError) -> str:
    """The service's message, naming the option(s) at fault: "所选单位不存在（--bind）"."""
    if not err.fields:
        return err.message
    parts = []
    for field, messages in err.fields.items():
        option = OPTION_OF_FIELD.get(field, f"--{field.replace('_', '-')}")
        extra = [str(m) for m in messages if str(m) != err.message]
        parts.append(f"{option}: {'，'.join(extra)}" if extra else option)
    return f"{err.message}（{'；'.join(parts)}）"
