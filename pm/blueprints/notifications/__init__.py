"""通知: the bell page — a user's own notifications, newest first."""
