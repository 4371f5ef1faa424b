"""住户工作台: owner motions awaiting the owner's ballot (业主表决事项, e.g. an elevator for their unit)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from pm.extensions import db
from pm.models import Role
from pm.services import motions
from pm.services.dashboard.cards import Card, Figure, card
from pm.services.dashboard.home import Home, fact


@fact("motions_due")
def motions_due(home: Home) -> int:
    """How many motions await a ballot of one of the owner's dwellings (the same SELECT as /motions?due=1)."""
    stmt = motions.motions_stmt(home.scope, due_for=home.user).order_by(None).options()
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


@card(roles={Role.OWNER}, order=6)
def my_motions(home: Home) -> Card | None:
    """待我表决的事项: a figure linking to the motions awaiting my vote (none: no card)."""
    due = home.fact("motions_due")
    if not due:
        return None
    return Card(_("业主表决事项"), key="my_motions", figures=[
        Figure(_("等待我投票"), due, "motions.index", {"due": 1}, tone="warn", key="motions_due"),
    ])
