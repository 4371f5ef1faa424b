"""报修 jobs: escalate overdue repair requests (every 15 minutes) and auto-close unconfirmed ones (daily)."""
# System jobs: they act with the SYSTEM scope. Escalation stores the level reached on the request and sends
# notifications with dedupe keys, so a rerun for the same slot, or the next slot, never notifies anyone twice.
from __future__ import annotations

import logging
from datetime import datetime

from pm.access import SYSTEM
from pm.services.repairs import escalation

logger = logging.getLogger(__name__)


def escalate_overdue(now: datetime) -> dict[str, int]:
    """Overdue requests: notify the community, then (after 24 more hours) the street office."""
    counts = escalation.escalate_overdue(now, scope=SYSTEM)
    logger.info("repair escalation as of %s: %r", now.isoformat(), counts)
    return counts


def auto_close(now: datetime) -> dict[str, int]:
    """Close completed requests that the filer has not confirmed in time."""
    counts = escalation.auto_close(now, scope=SYSTEM)
    logger.info("repair auto-close as of %s: %r", now.isoformat(), counts)
    return counts
