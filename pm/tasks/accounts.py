"""账号 jobs: forget old login sessions and login throttle rows (daily)."""
# Housekeeping of the whole database for no user (no scope): rows that no longer decide anything. Nothing is
# audited: login sessions and throttle counts are bookkeeping, the logins themselves are in the audit log.
from __future__ import annotations

import logging
from datetime import datetime

from pm.services.accounts import sessions, throttle

logger = logging.getLogger(__name__)


def expire_logins(now: datetime) -> dict[str, int]:
    """Delete login sessions ended or expired 30+ days ago and throttle rows without a failure in the last day."""
    counts = {"login_sessions": sessions.purge_logins(now), "login_throttles": throttle.purge(now)}
    logger.info("login housekeeping as of %s: %r", now.isoformat(), counts)
    return counts
