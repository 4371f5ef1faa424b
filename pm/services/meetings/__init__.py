"""联席会议 (joint meetings) services; compounds_with_meeting_since is what the coverage figure reads."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, and_, exists, or_, select

from pm.access import Scope
from pm.extensions import db
from pm.models import Compound, JointMeeting


def compounds_with_meeting_since(compound_ids: Iterable[int] | Select, since: date, *,
                                 scope: Scope | None = None) -> set[int]:
    """The given compounds that had a joint meeting on or after `since` (one query). A community-level meeting
    (no compound) counts for every compound of its community. The caller passes compounds it already scoped
    (a list of ids or a select of ids); with `scope`, only meetings in that scope count."""
    meeting = and_(JointMeeting.held_on >= since, or_(
        JointMeeting.compound_id == Compound.id,
        and_(JointMeeting.compound_id.is_(None), JointMeeting.community_id == Compound.community_id)))
    held = select(JointMeeting.id).where(meeting)
    if scope is not None:
        held = scope.filter(held, JointMeeting)
    ids = compound_ids if isinstance(compound_ids, Select) else list(compound_ids)
    return set(db.session.scalars(select(Compound.id).where(Compound.id.in_(ids), exists(held))))
