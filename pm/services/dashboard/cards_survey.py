"""满意度测评 on the home page: owners and residents are asked to answer their compound's open survey."""
from __future__ import annotations

from flask_babel import gettext as _

from pm.extensions import db
from pm.models import Role
from pm.services.dashboard.cards import Card, Figure, card
from pm.services.dashboard.home import Home, fact
from pm.services.surveys import reading


@fact("surveys_due")
def surveys_due(home: Home) -> list:
    """(survey, household) pairs of the user's homes still to answer in open surveys (one query)."""
    return db.session.execute(reading.pending_stmt(home.scope)).all()


@card(roles={Role.OWNER, Role.RESIDENT}, order=6, capability="survey.answer")
def my_surveys(home: Home) -> Card | None:
    """请参加满意度测评: shown while one of the user's homes has not answered an open survey."""
    due = home.fact("surveys_due")
    if not due:
        return None
    return Card(_("请参加群众满意度测评"), key="my_surveys", figures=[
        Figure(_("待参加的测评"), len(due), "surveys.index", tone="warn", key="surveys_due"),
    ])
