"""联席会议 as the coverage reads them. Joint meetings are built by the `govmeet` work on issue 11; until it is
merged no meetings are known, so the "four bodies and a joint meeting last quarter" criterion is never met."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select

KNOWN = False  # becomes True when this module reads the joint meetings


def quarter_before(today: date) -> date:
    """The first day of the last three months (the "last quarter" of the coverage criterion)."""
    return today - timedelta(days=91)


def compounds_with_joint_meeting(compound_ids: Select, *, since: date, until: date) -> set[int]:
    """The compounds (of the given ids) that had a joint meeting between `since` and `until`: none known yet."""
    return set()
