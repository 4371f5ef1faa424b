"""业主委员会换届提醒: daily job reminding six and three months before a committee's term ends."""
from __future__ import annotations

import logging
from datetime import datetime

from pm.access import SYSTEM
from pm.services.governance import reminders

logger = logging.getLogger(__name__)


def term_reminders(now: datetime) -> dict[str, int]:
    """Tell the street office, community and committee that a term ends in six (then three) months."""
    return reminders.send_term_reminders(now, scope=SYSTEM)
