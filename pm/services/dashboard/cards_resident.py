"""住户工作台: an owner's or resident's cards — what to do now (vote, rate, top up), my repairs, my fund
sub-account (owners only: a resident never sees fund data) and notices."""
from __future__ import annotations

from flask_babel import gettext as _

from pm.models import Role
from pm.services.dashboard.cards import Card, Figure, Link, card
from pm.services.dashboard.home import Home
from pm.services.money import format_fen

RESIDENTS = {Role.OWNER, Role.RESIDENT}


@card(roles=RESIDENTS, order=5)
def my_todo(home: Home) -> Card:
    """请您处理: votes due, finished repairs to confirm and rate, a top-up due — as large buttons."""
    rows = [("vote", plan) for plan in home.fact("votes_due")]
    to_rate = home.fact("repairs").to_rate
    if to_rate:
        rows.append(("rate", to_rate))
    if any(a.needs_replenishment for a in home.fact("my_accounts")):
        rows.append(("top_up", None))
    return Card(_("请您处理"), key="my_todo", wide=True, partial="dashboard/_todo.html", rows=rows)


@card(roles=RESIDENTS, order=10)
def my_repairs(home: Home) -> Card:
    """我的报修: open requests and finished ones waiting for my confirmation."""
    counts = home.fact("repairs")
    return Card(_("我的报修"), key="my_repairs", figures=[
        Figure(_("处理中"), counts.open, "repairs.index", {"status": "open"}, key="repairs_open"),
        Figure(_("待我评价"), counts.to_rate, "repairs.index", {"status": "to_rate"}, tone="warn",
               key="repairs_to_rate"),
    ], links=[Link(_("我要报修"), "repairs.new"), Link(_("全部报修"), "repairs.index", {"status": "all"})])


@card(roles={Role.OWNER}, order=20)
def my_fund(home: Home) -> Card | None:
    """我的维修资金: the balance of each sub-account and whether a top-up (续交) is due."""
    accounts = home.fact("my_accounts")
    if not accounts:
        return None
    low = sum(1 for a in accounts if a.needs_replenishment)
    figures = [Figure(_("余额（元）"), format_fen(a.balance_fen), "statements.my_account",
                      tone="alert" if a.needs_replenishment else "", key=f"balance_{a.id}",
                      note=_("需要续交") if a.needs_replenishment else _("无需续交")) for a in accounts]
    if low:
        figures.append(Figure(_("需续交的账户"), low, "statements.my_account", tone="alert", key="top_up"))
    return Card(_("我的维修资金"), key="my_fund", figures=figures)


@card(roles=RESIDENTS, order=30)
def my_notices(home: Home) -> Card:
    """通知: unread notices and the newest few."""
    notes = home.fact("notices")
    return Card(_("通知"), key="my_notices", partial="dashboard/_notices.html", rows=notes.latest, figures=[
        Figure(_("未读通知"), notes.unread, "notifications.index", {"unread": 1}, key="unread"),
    ])
