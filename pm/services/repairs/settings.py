"""报修设置: the repair settings a deployment may change in its config (reopen window, auto-close, rate limits)."""
from __future__ import annotations

from flask import current_app, has_app_context

DEFAULTS = {  # the county's deadlines are DeadlineRule rows; these are per deployment
    "REPAIR_REOPEN_DAYS": 7,  # the filer may reopen within this many days of completion
    "REPAIR_AUTO_CLOSE_DAYS": 3,  # completed and not confirmed for this long → closed by the job
    "REPAIR_PUBLIC_PER_PHONE_HOUR": 5,  # public page: requests per phone number per hour
    "REPAIR_PUBLIC_PER_IP_HOUR": 10,  # public page: requests per IP address per hour
    "REPAIR_ESCALATE_STREET_HOURS": 24,  # overdue this long past the first escalation → the street office
}


def setting(name: str) -> int:
    """A repair setting from the app config, or its default."""
    if has_app_context():
        return int(current_app.config.get(name, DEFAULTS[name]))
    return DEFAULTS[name]
