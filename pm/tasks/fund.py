"""维修资金提醒: monthly reminders of low balances (续交) and unpaid first deposits (首期未交), daily notices of ended publicity (公示期满)."""
# System jobs: they act on the whole database on behalf of no user, so they read with the SYSTEM scope; each
# recipient is chosen by the rule of the reminder (pm.services.recipients: the dwelling's current owners with an
# owner login, the compound's station managers and its street office, the plan's creator and the compound's
# committee members; never a disabled account). Runs are exactly-once per period through run_job/JobRun, and
# every notification carries a dedupe key naming the period (the Month's "YYYY-MM"), so a rerun sends nothing
# twice. Dates are Beijing dates of `now`.
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from pm.access import SYSTEM
from pm.extensions import db
from pm.models import Building, Compound, Household, Unit, UsePlan
from pm.models.fund import PlanStatus
from pm.services import recipients
from pm.services.fund import arrears
from pm.services.fund.subaccounts import SubAccountSummary
from pm.services.messages import Message, counted
from pm.services.money import format_fen
from pm.services.notifications import notify
from pm.services.periods import Month
from pm.services.text import N_
from pm.timeutil import local_today

logger = logging.getLogger(__name__)

MY_ACCOUNT_LINK = "/statements/my"


def _doors(household_ids: set[int]) -> dict[int, str]:
    """household id → "小区 3号楼2单元501" (one query)."""
    rows = db.session.execute(
        select(Household.id, Compound.name, Building.name, Unit.name, Household.room_no)
        .join(Compound, Compound.id == Household.compound_id)
        .join(Building, Building.id == Household.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .where(Household.id.in_(household_ids))
    )
    return {hid: f"{compound} {building}{unit}{room}" for hid, compound, building, unit, room in rows}


def _remind(kind: str, period: str, summaries: list[SubAccountSummary], owner_title, owner_body,
            summary_title, summary_body) -> dict[str, int]:
    """Notify each sub-account's owners and each compound's officials once for the period."""
    counts = {"accounts": len(summaries), "owner_notices": 0, "summary_notices": 0}
    household_ids = {s.subaccount.household_id for s in summaries}
    owners = recipients.owners_of(household_ids)
    doors = _doors(household_ids) if household_ids else {}
    by_compound: dict[int, list[SubAccountSummary]] = defaultdict(list)
    for s in summaries:
        by_compound[s.subaccount.compound_id].append(s)
        for user_id in owners.get(s.subaccount.household_id, []):
            note = notify(user_id, kind, owner_title(s, doors[s.subaccount.household_id]),
                          body=owner_body(s), link=MY_ACCOUNT_LINK, compound_id=s.subaccount.compound_id,
                          key=f"{kind}:{period}:a{s.subaccount.id}:u{user_id}")
            counts["owner_notices"] += note is not None
    officials = recipients.officials_over(by_compound)
    for compound_id, items in by_compound.items():
        for user_id in officials.get(compound_id, []):
            note = notify(user_id, kind, summary_title(items), body=summary_body(items, doors),
                          link=f"/statements/compounds/{compound_id}/{period[:4]}", compound_id=compound_id,
                          key=f"{kind}.summary:{period}:c{compound_id}:u{user_id}")
            counts["summary_notices"] += note is not None
    return counts


def _door_list(items, doors, limit: int = 30) -> Message:
    """The first doors, in the reader's list style, and how many there are when the list is cut."""
    names = [doors[s.subaccount.household_id] for s in items[:limit]]
    if len(items) > len(names):
        return counted("%(doors)s等，共 %(num)d 户", "%(doors)s等，共 %(num)d 户", len(items), doors=names)
    return Message(N_("%(doors)s"), {"doors": names})


def low_balance(now: datetime) -> dict[str, int]:
    """续交提醒: sub-accounts whose balance is below 30% of the first deposit; owners and the compound's officials."""
    period = str(Month.of(now))
    summaries = arrears.below_thirty_percent(SYSTEM)
    yuan = format_fen
    return _remind(
        "fund.low_balance", period, summaries,
        owner_title=lambda s, door: Message(N_("维修资金余额不足首期交存额的 30%%，请续交：%(door)s"), {"door": door}),
        owner_body=lambda s: Message(N_("%(holder)s余额 %(balance)s 元，首期交存额 %(due)s 元。"), {
            "holder": s.subaccount.holder, "balance": yuan(s.subaccount.balance_fen), "due": yuan(s.due_fen)}),
        summary_title=lambda items: counted("本小区有 %(num)d 户维修资金余额低于首期交存额的 30%%",
                                            "本小区有 %(num)d 户维修资金余额低于首期交存额的 30%%", len(items)),
        summary_body=lambda items, doors: _door_list(items, doors),
    )


def unpaid_first_deposit(now: datetime) -> dict[str, int]:
    """首期未交足提醒: sub-accounts whose first deposit due exceeds what was paid; owners and officials."""
    period = str(Month.of(now))
    summaries = arrears.unpaid_first_deposits(SYSTEM)
    yuan = format_fen
    return _remind(
        "fund.unpaid_first_deposit", period, summaries,
        owner_title=lambda s, door: Message(N_("维修资金首期交存尚未交足：%(door)s"), {"door": door}),
        owner_body=lambda s: Message(N_("%(holder)s首期应交 %(due)s 元，已交 %(paid)s 元，尚欠 %(unpaid)s 元。"), {
            "holder": s.subaccount.holder, "due": yuan(s.due_fen), "paid": yuan(s.paid_fen),
            "unpaid": yuan(s.unpaid_fen)}),
        summary_title=lambda items: counted(
            "本小区有 %(num)d 户维修资金首期未交足，合计欠交 %(total)s 元",
            "本小区有 %(num)d 户维修资金首期未交足，合计欠交 %(total)s 元", len(items),
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
    committee = recipients.committee_members({p.compound_id for p in plans})
    for plan in plans:
        told = recipients.enabled([plan.created_by_id, *committee.get(plan.compound_id, [])])
        ended_on = plan.publicised_on + timedelta(days=plan.publicity_days)
        for user_id in told:
            note = notify(
                user_id, "fund.plan.publicity_ended",
                Message(N_("使用方案公示期已满，可以开始业主表决：%(title)s"), {"title": plan.title}),
                body=Message(N_("公示自 %(start)s 起 %(days)s 天，已于 %(end)s 期满。"), {
                    "start": plan.publicised_on, "days": plan.publicity_days, "end": ended_on}),
                link=f"/plans/{plan.id}", compound_id=plan.compound_id,
                key=f"fund.plan.publicity_ended:p{plan.id}:u{user_id}",
            )
            counts["notices"] += note is not None
    return counts
