"""演示数据 command `flask pm demo`: load the demo county (or a city-size data set) into an empty database."""
from __future__ import annotations

import sys
import time
from dataclasses import replace

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from pm import demo
from pm.cli.common import domain_message, fail
from pm.errors import DomainError
from pm.extensions import db
from pm.services.labels import label


@click.command("demo")
@click.option("--size", type=click.Choice(["demo", "city"]), default="demo", show_default=True,
              help="demo: the county of seed 000 (107 compounds); city: 2,000 compounds, ~400,000 households.")
@click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when the database already holds a county.")
@click.option("--compounds", type=click.IntRange(min=5), default=2000, show_default=True,
              help="Number of compounds for --size city.")
@click.option("--seed", type=int, default=None, help="Random seed (the default gives the same data every time).")
@with_appcontext
def demo_command(size: str, if_empty: bool, compounds: int, seed: int | None) -> None:
    """Load the demo county (or a city-size data set) and print one login per role."""
    if demo.has_county():
        if if_empty:
            click.echo("数据库中已有县级数据，跳过演示数据载入（--if-empty）。演示账号见 README。")
            return
        fail("数据库中已有县级数据，演示数据只能载入空的数据库（make run 使用 --if-empty 跳过）。")
    spec = demo.DEMO if size == "demo" else demo.city_spec(compounds)
    if seed is not None:
        spec = replace(spec, seed=seed)
    started = time.perf_counter()
    try:
        with tqdm(total=spec.compounds, unit="个小区", desc=f"生成{spec.county_name}", file=sys.stderr) as bar:
            result = demo.build_data_set(spec, progress=bar.update)
        db.session.commit()
    except DomainError as err:
        fail(domain_message(err))
    elapsed = time.perf_counter() - started
    counts = result.counts
    click.echo(
        f"已载入 {spec.county_name}：{counts['streets']} 个街道、{counts['communities']} 个社区、"
        f"{counts['compounds']} 个小区、{counts['buildings']} 栋楼、{counts['households']} 户、"
        f"{counts['persons']} 人、{counts['stations']} 个服务站，用时 {elapsed:.1f} 秒。"
    )
    click.echo("演示账号（用户名 / 密码 / 角色 / 所属）：")
    for login, user, bound in result.logins:
        click.echo(f"  {login.username:<10} {login.password:<22} {label(user.role):<8} {bound}")


COMMANDS = [demo_command]
