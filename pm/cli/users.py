"""账号 commands `flask pm create-user` and `create-token`, run by an operator on the server (SYSTEM)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from pm.access import SYSTEM
from pm.cli.common import domain_message, fail
from pm.errors import DomainError
from pm.extensions import db
from pm.models import Role, User
from pm.services.accounts.tokens import create_api_token
from pm.services.accounts.users import create_user
from pm.services.labels import label


@click.command("create-user")
@click.option("--username", required=True, help="Login name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="Role of the account.")
@click.option("--bind", "binding_id", required=True, type=int,
              help="Id of the node the account is bound to (county, street, community, station, compound or person).")
@click.option("--display-name", default=None, help="Name shown in the UI (default: the username).")
@click.option("--phone", default=None, help="Mobile number (also accepted as the login name).")
@click.password_option("--password", prompt="密码", confirmation_prompt="再次输入密码",
                       help="Password (prompted with confirmation when omitted).")
@with_appcontext
def create_user_command(username: str, role: str, binding_id: int, display_name: str | None,
                        phone: str | None, password: str) -> None:
    """Create an account (an operator on the server: SYSTEM scope, no actor)."""
    try:
        user = create_user(
            scope=SYSTEM, actor=None, username=username, display_name=display_name or username,
            password=password, role=role, binding_id=binding_id, phone=phone,
        )
        db.session.commit()
    except DomainError as err:
        fail(domain_message(err))
    click.echo(f"已创建账号 {user.username}（{label(user.role)}，绑定 {binding_id}），id={user.id}")


@click.command("create-token")
@click.option("--username", required=True, help="The account the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. the calling system.")
@click.option("--days", type=click.IntRange(min=1), default=365, show_default=True, help="Days until it expires.")
@with_appcontext
def create_token_command(username: str, name: str, days: int) -> None:
    """Issue an API token for /api/v1 and print it once (only its hash is stored)."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        fail(f"账号 {username} 不存在")
    try:
        token, raw = create_api_token(user, name, scope=SYSTEM, actor=None, days=days)
        db.session.commit()
    except DomainError as err:
        fail(domain_message(err))
    click.echo(f"已为 {user.username} 创建令牌“{token.name}”，有效期至 {token.expires_at:%Y-%m-%d}。")
    click.echo("令牌只显示这一次，请妥善保存：")
    click.echo(raw)


COMMANDS = [create_user_command, create_token_command]
