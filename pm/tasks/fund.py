"""维修资金提醒: monthly reminders of low balances (续交) and unpaid first deposits (首期未交), and a daily
notice that a plan's publicity period (公示期) has ended so voting can open.

System jobs: they act on the whole database on behalf of no user, so they are not filtered by a user's
scope; each recipient is chosen by the rule of the reminder (the dwelling's current owners with an owner
login, the compound's station managers and its street office, the compound's committee members). Runs are
exactly-once per period through run_job/JobRun, and every notification carries a dedupe key naming the
period, so a rerun sends nothing twice. Dates are Beijing dates of `now`.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from pm.extensions import db
from pm.models import (
    Community,
    Compound,
    Household,
    Ownership,
    Role,
    UsePlan,
    User,
    station_compounds,
)
from pm.models.fund import PlanStatus
from pm.services.fund import statements as fund_statements
from pm.services.notifications import notify
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

MY_ACCOUNT_LINK = "/statements/my"


def _owner_users(household_ids: set[int]) -> dict[int, list[int]]:
    """household id → ids of enabled owner logins of its current owners (one query)."""
    out: dict[int, list[int]] = defaultdict(list)
    if not household_ids:
        return out
    rows = db.session.execute(
        select(Ownership.household_id, User.id)
        .join(User, User.person_id == Ownership.person_id)
        .where(Ownership.household_id.in_(household_ids), Ownership.ended_on.is_(None),
               User.role == Role.OWNER, User.is_enabled.is_(True))
        .order_by(Ownership.household_id, User.id)
    )
    for household_id, user_id in rows:
        if user_id not in out[household_id]:
            out[household_id].append(user_id)
    return out


def _officials(compound_ids: set[int]) -> dict[int, list[int]]:
    """compound id → ids of its station managers and its street office's officers (two queries)."""
    out: dict[int, list[int]] = defaultdict(list)
    if not compound_ids:
        return out
    for compound_id, user_id in db.session.execute(
        select(station_compounds.c.compound_id, User.id)
        .join(User, User.station_id == station_compounds.c.station_id)
        .where(station_compounds.c.compound_id.in_(compound_ids), User.role == Role.STATION_MANAGER,
               User.is_enabled.is_(True))
        .order_by(User.id)
    ):
        out[compound_id].append(user_id)
    for compound_id, user_id in db.session.execute(
        select(Compound.id, User.id)
        .join(Community, Community.id == Compound.community_id)
        .join(User, User.street_id == Community.street_id)
        .where(Compound.id.in_(compound_ids), User.role == Role.STREET_OFFICER, User.is_enabled.is_(True))
        .order_by(User.id)
    ):
        if user_id not in out[compound_id]:
            out[compound_id].append(user_id)
    return out


def _doors(household_ids: set[int]) -> dict[int, str]:
    """household id → "小区 3号楼2单元501" (one query)."""
    from pm.models import Building, Unit

    rows = db.session.execute(
        select(Household.id, Compound.name, Building.name, Unit.name, Household.room_no)
        .join(Compound, Compound.id == Household.compound_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .where(Household.id.in_(household_ids))
    )
    return {hid: f"{compound} {building}{unit}{room}" for hid, compound, building, unit, room in rows}


def _remind(kind: str, period: str, summaries: list[fund_statements.AccountSummary], owner_title, owner_body,
            summary_title, summary_body) -> dict[str, int]:
    """Notify each account's owners and each compound's officials once for the period."""
    counts = {"accounts": len(summaries), "owner_notices": 0, "summary_notices": 0}
    household_ids = {s.account.household_id for s in summaries}
    owners = _owner_users(household_ids)
    doors = _doors(household_ids) if household_ids else {}
    by_compound: dict[int, list[fund_statements.AccountSummary]] = defaultdict(list)
    for s in summaries:
        by_compound[s.account.compound_id].append(s)
        for user_id in owners.get(s.account.household_id, []):
            note = notify(user_id, kind, owner_title(s, doors[s.account.household_id]),
                          body=owner_body(s), link=MY_ACCOUNT_LINK, compound_id=s.account.compound_id,
                          key=f"{kind}:{period}:a{s.account.id}:u{user_id}")
            counts["owner_notices"] += note is not None
    officials = _officials(set(by_compound))
    for compound_id, items in by_compound.items():
        for user_id in officials.get(compound_id, []):
            note = notify(user_id, kind, summary_title(items), body=summary_body(items, doors),
                          link=f"/statements/compounds/{compound_id}/{period[:4]}", compound_id=compound_id,
                          key=f"{kind}.summary:{period}:c{compound_id}:u{user_id}")
            counts["summary_notices"] += note is not None
    return counts


def _door_list(items, doors, limit: int = 30) -> str:
    names = [doors[s.account.household_id] for s in items[:limit]]
    more = len(items) - len(names)
    text = "、".join(names)
    return text + (gettext("等，共 %(n)s 户", n=len(items)) if more > 0 else "")


def low_balance(now: datetime) -> dict[str, int]:
    """续交提醒: accounts whose balance is below 30% of the first deposit; owners and the compound's officials."""
    period = local_today(now).strftime("%Y-%m")
    summaries = [fund_statements.AccountSummary(a)
                 for a in db.session.scalars(fund_statements.accounts_needing_replenishment())]
    yuan = fund_statements.yuan
    return _remind(
        "fund.low_balance", period, summaries,
        owner_title=lambda s, door: gettext("维修资金余额不足首期交存额的 30%%，请续交：%(door)s", door=door),
        owner_body=lambda s: gettext(
            "%(holder)s余额 %(balance)s 元，首期交存额 %(due)s 元。", holder=s.holder_label,
            balance=yuan(s.account.balance_fen), due=yuan(s.due_fen)),
        summary_title=lambda items: gettext("本小区有 %(n)s 户维修资金余额低于首期交存额的 30%%", n=len(items)),
        summary_body=lambda items, doors: _door_list(items, doors),
    )


def unpaid_first_deposit(now: datetime) -> dict[str, int]:
    """首期未交足提醒: accounts whose first deposit due exceeds what was paid; owners and officials."""
    period = local_today(now).strftime("%Y-%m")
    summaries = fund_statements.accounts_with_unpaid_first_deposit()
    yuan = fund_statements.yuan
    return _remind(
        "fund.unpaid_first_deposit", period, summaries,
        owner_title=lambda s, door: gettext("维修资金首期交存尚未交足：%(door)s", door=door),
        owner_body=lambda s: gettext(
            "%(holder)s首期应交 %(due)s 元，已交 %(paid)s 元，尚欠 %(unpaid)s 元。", holder=s.holder_label,
            due=yuan(s.due_fen), paid=yuan(s.paid_fen), unpaid=yuan(s.unpaid_fen)),
        summary_title=lambda items: gettext(
            "本小区有 %(n)s 户维修资金首期未交足，合计欠交 %(total)s 元", n=len(items),
            total=yuan(sum(s.unpaid_fen for s in items))),
        summary_body=lambda items, doors: _door_list(items, doors),
    )


def plan_publicity_ended(now: datetime) -> dict[str, int]:
    """公示期满提醒: plans publicised whose publicity days have passed; the creator and the committee members."""
    today = local_today(now)
    plans = [
        p for p in db.session.scalars(
            select(UsePlan).where(UsePlan.status == PlanStatus.PUBLICISED, UsePlan.publicised_on.is_not(None))
            .order_by(UsePlan.id)
        )
        if p.publicised_on + timedelta(days=p.publicity_days) <= today
    ]
    counts = {"plans": len(plans), "notices": 0}
    if not plans:
        return counts
    committee: dict[int, list[int]] = defaultdict(list)
    for compound_id, user_id in db.session.execute(
        select(User.compound_id, User.id).where(
            User.compound_id.in_({p.compound_id for p in plans}), User.role == Role.COMMITTEE_MEMBER,
            User.is_enabled.is_(True)).order_by(User.id)
    ):
        committee[compound_id].append(user_id)
    for plan in plans:
        recipients = ([plan.created_by_id] if plan.created_by_id else []) + committee[plan.compound_id]
        ended_on = plan.publicised_on + timedelta(days=plan.publicity_days)
        for user_id in dict.fromkeys(recipients):
            note = notify(
                user_id, "fund.plan.publicity_ended",
                gettext("使用方案公示期已满，可以开始业主表决：%(title)s", title=plan.title),
                body=gettext("公示自 %(start)s 起 %(days)s 天，已于 %(end)s 期满。", start=plan.publicised_on.isoformat(),
                             days=plan.publicity_days, end=ended_on.isoformat()),
                link=f"/plans/{plan.id}", compound_id=plan.compound_id,
                key=f"fund.plan.publicity_ended:p{plan.id}:u{user_id}",
            )
            counts["notices"] += note is not None
    return counts
