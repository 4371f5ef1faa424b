"""联席会议 as the coverage reads them: the joint meetings of pm.services.meetings (a compound's own, or its
community's) in the last quarter — the condition of pm.services.meetings.compounds_with_meeting_since, as a column
of the coverage's compounds statement (so the home page runs no extra query for it)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists, or_

from pm.models import Compound, JointMeeting

KNOWN = True  # joint meetings are recorded (pm.services.meetings)


def quarter_before(today: date) -> date:
    """The first day of the last three months (the "last quarter" of the coverage criterion)."""
    return today - timedelta(days=91)


def held_since(since: date):
    """A boolean column for each Compound row: it had a joint meeting (its own or its community's) since `since`."""
    return exists().where(JointMeeting.held_on >= since, or_(
        JointMeeting.compound_id == Compound.id,
        and_(JointMeeting.compound_id.is_(None), JointMeeting.community_id == Compound.community_id)))
