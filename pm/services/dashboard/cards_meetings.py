"""联席会议督办 card: overdue action items of the user's own body and of the area they supervise."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from pm.access import OFFICIALS_ABOVE_STATION
from pm.extensions import db
from pm.models import ActionItem, ItemStatus, Role
from pm.services.dashboard.cards import Card, Figure, Link, card
from pm.services.dashboard.facts import count_if
from pm.services.dashboard.home import Home, fact
from pm.services.meetings.meetings import mine_filter, overdue_filter

MEETING_ROLES = set(OFFICIALS_ABOVE_STATION) | {Role.STATION_MANAGER, Role.STATION_STAFF, Role.COMMITTEE_MEMBER}


@dataclass
class ItemCounts:
    overdue: int = 0
    mine_overdue: int = 0
    reported: int = 0


@fact("action_items")
def action_item_counts(home: Home) -> ItemCounts:
    """督办事项 in scope: overdue, overdue for the user's own body, waiting for confirmation (one row)."""
    late = overdue_filter(home.today)
    row = db.session.execute(home.scope.filter(select(
        count_if(late), count_if(late & mine_filter(home.user)),
        count_if(ActionItem.status == ItemStatus.REPORTED)), ActionItem)).one()
    return ItemCounts(*(int(n) for n in row))


@card(roles=MEETING_ROLES, order=45, capability="meetings.view")
def meeting_items(home: Home) -> Card:
    """Overdue action items: the user's body's own (responsible) and the area's (supervisors)."""
    counts = home.fact("action_items")
    links = [Link(_("记录联席会议"), "meetings.new")] if home.user.role in OFFICIALS_ABOVE_STATION else []
    return Card(_("联席会议督办"), key="meeting_items", links=links, figures=[
        Figure(_("本单位逾期事项"), counts.mine_overdue, "meetings.items", {"mine": 1, "overdue": 1}, tone="alert",
               key="items_mine_overdue"),
        Figure(_("辖区逾期事项"), counts.overdue, "meetings.items", {"overdue": 1}, tone="warn", key="items_overdue"),
    ])
