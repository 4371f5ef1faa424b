"""期间: calendar months (月份) and years (年度) in Beijing time, with their UTC bounds and period keys."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from pm.errors import DomainError
from pm.services.text import N_
from pm.timeutil import LOCAL_TZ, to_local

MIN_YEAR, MAX_YEAR = 1900, 2100  # wider than any rule of the platform (statements from 1990, repairs from 2000)

E_MONTH = N_("月份无效")
E_MONTH_FORMAT = N_("月份格式应为 YYYY-MM")
E_YEAR = N_("年度无效")

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_YEAR = re.compile(r"^[0-9]{4}$")


def _local_day(value: date | datetime) -> date:
    """The Beijing date of an aware datetime, or the date itself (a naive datetime is refused)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (pm.timeutil.utcnow()) or a date")
        return to_local(value).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"a date or an aware datetime, not {value!r}")


def _utc_midnight(day: date) -> datetime:
    """The UTC instant of Beijing midnight at the start of `day`."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month: Month(2026, 11); str() is the period key "2026-11" of monthly jobs and metrics."""

    year: int
    month: int

    def __post_init__(self) -> None:
        for part in (self.year, self.month):
            if isinstance(part, bool) or not isinstance(part, int):
                raise DomainError(E_MONTH, field="month")
        if not (1 <= self.month <= 12 and MIN_YEAR <= self.year <= MAX_YEAR):
            raise DomainError(E_MONTH, field="month")

    @classmethod
    def parse(cls, text: str | None, *, field: str = "month") -> Month:
        """"2026-11" → Month(2026, 11); anything else is a DomainError on `field`."""
        match = _MONTH.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise DomainError(E_MONTH_FORMAT, field=field)
        try:
            return cls(int(match.group(1)), int(match.group(2)))
        except DomainError:
            raise DomainError(E_MONTH, field=field) from None

    @classmethod
    def of(cls, value: date | datetime) -> Month:
        """The month of a date, or of an aware datetime in Beijing time."""
        day = _local_day(value)
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def prev(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def shift(self, months: int) -> Month:
        """The month `months` later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def days(self, *, until: date | None = None) -> list[date]:
        """Every date of the month in order (only up to `until`, inclusive, when given)."""
        last = self.last_day if until is None else min(self.last_day, until)
        return [self.first_day + timedelta(days=n) for n in range((last - self.first_day).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """(start, end) as aware UTC datetimes: Beijing midnight of the first day and of the next month's."""
        return _utc_midnight(self.first_day), _utc_midnight(self.last_day + timedelta(days=1))

    def contains(self, value: date | datetime) -> bool:
        """Whether a date (or an aware datetime, in Beijing time) falls in this month."""
        return Month.of(value) == self


@dataclass(frozen=True, order=True)
class Year:
    """A calendar year (年度) as fund statements use it: Year(2025); str() is "2025"."""

    year: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise DomainError(E_YEAR, field="year")

    @classmethod
    def parse(cls, text: str | None, *, field: str = "year") -> Year:
        """"2025" → Year(2025); anything else is a DomainError on `field`."""
        if not isinstance(text, str) or not _YEAR.match(text.strip()):
            raise DomainError(E_YEAR, field=field)
        try:
            return cls(int(text))
        except DomainError:
            raise DomainError(E_YEAR, field=field) from None

    @classmethod
    def of(cls, value: date | datetime) -> Year:
        """The year of a date, or of an aware datetime in Beijing time."""
        return cls(_local_day(value).year)

    def __str__(self) -> str:
        return f"{self.year:04d}"

    def prev(self) -> Year:
        return Year(self.year - 1)

    def next(self) -> Year:
        return Year(self.year + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    def months(self) -> list[Month]:
        return [Month(self.year, m) for m in range(1, 13)]

    def bounds(self) -> tuple[datetime, datetime]:
        """(start, end) as aware UTC datetimes: Beijing midnight of 1 January and of the next 1 January."""
        return _utc_midnight(self.first_day), _utc_midnight(date(self.year + 1, 1, 1))

    def contains(self, value: date | datetime) -> bool:
        """Whether a date (or an aware datetime, in Beijing time) falls in this year."""
        return _local_day(value).year == self.year
