"""整改单逾期督办: daily job telling the level above about overdue rectification orders."""
# A system job (the SYSTEM scope): it reads every overdue order; notifications carry dedupe keys, so a rerun
# for the same day, or the next day's run, never notifies the same person twice about the same deadline.
from __future__ import annotations

import logging
from datetime import datetime

from pm.access import SYSTEM
from pm.services.inspections import rectification, reminders

logger = logging.getLogger(__name__)


def escalate_overdue(now: datetime) -> dict[str, int]:
    """Notify the community / street / county above the responsible body of each overdue order."""
    counts = rectification.escalate_overdue(now, scope=SYSTEM)
    logger.info("rectification escalation as of %s: %r", now.isoformat(), counts)
    return counts


def remind_weekly_inspections(now: datetime) -> dict[str, int]:
    """Monday morning: remind the officers of every street that recorded no street-weekly inspection last ISO week."""
    counts = reminders.remind_missing_weekly(now, scope=SYSTEM)
    logger.info("weekly inspection reminders as of %s: %r", now.isoformat(), counts)
    return counts
