"""Clock helpers: aware UTC in storage, Asia/Shanghai on screen."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def to_local(value: datetime | None) -> datetime | None:
    """Convert an aware (or naive-UTC) datetime to Asia/Shanghai for display."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ)


def local_today(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai."""
    return to_local(now or utcnow()).date()
