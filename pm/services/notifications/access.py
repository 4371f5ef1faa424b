"""通知 scope rule: notifications are personal, a user sees only their own."""
from __future__ import annotations

from pm.access import register_rules
from pm.models import Notification

register_rules({Notification: lambda s: Notification.user_id == (s.user.id if s.user is not None else -1)})
