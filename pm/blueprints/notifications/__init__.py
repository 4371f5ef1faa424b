"""通知: the bell page — a user's own notifications, newest first."""
from pm.blueprints.notifications.views import bp

__all__ = ["bp"]
