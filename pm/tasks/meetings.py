"""联席会议督办: daily job telling the responsible bodies and the level above about overdue action items."""
# A system job (SYSTEM scope). The runner records one run per day (JobRun unique job + period) and each notice
# carries a dedupe key with the day, so a rerun or a second scheduler never tells anyone twice on one day.
from __future__ import annotations

import logging
from datetime import datetime

from pm.access import SYSTEM
from pm.services.meetings import meetings

logger = logging.getLogger(__name__)


def escalate_overdue(now: datetime) -> dict[str, int]:
    """Notify the responsible body and its supervisors of each overdue action item (once per day)."""
    counts = meetings.escalate_overdue(now, scope=SYSTEM)
    logger.info("action item escalation as of %s: %r", now.isoformat(), counts)
    return counts
