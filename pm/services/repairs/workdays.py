"""工作日: China's working days (statutory holidays and make-up working days, 调休) for repair deadlines."""
# The `chinese_calendar` package knows the State Council's schedule for the years published before its
# release and raises for later years. A county enters a year's official schedule itself as
# WorkCalendarDay rows (holidays and make-up working days); those rows override the library, and for a
# year where the county has entered any row, every other day follows the weekday rule (Mon–Fri work).
# A day in a year that neither knows is *unknown*: callers flag the deadline, they never fail.
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import chinese_calendar
from sqlalchemy import extract, select

from pm.access import Scope, require
from pm.errors import DomainError
from pm.extensions import db
from pm.models import County, User, WorkCalendarDay
from pm.services import audit
from pm.services.text import check_text
from pm.timeutil import LOCAL_TZ, to_local

logger = logging.getLogger(__name__)


class Calendar:
    """The working-day calendar of one county, loaded lazily a year at a time (one query per year)."""

    def __init__(self, county_id: int | None):
        self.county_id = county_id
        self._years: dict[int, dict[date, bool]] = {}

    def _overrides(self, year: int) -> dict[date, bool]:
        if year not in self._years:
            rows = {}
            if self.county_id is not None:
                rows = dict(db.session.execute(
                    select(WorkCalendarDay.day, WorkCalendarDay.is_workday).where(
                        WorkCalendarDay.county_id == self.county_id,
                        extract("year", WorkCalendarDay.day) == year,
                    )
                ).all())
            self._years[year] = rows
        return self._years[year]

    def is_workday(self, day: date) -> bool | None:
        """True/False, or None when neither the county's schedule nor the library knows the year."""
        overrides = self._overrides(day.year)
        if day in overrides:
            return overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if overrides:  # the county entered this year's schedule: other days follow the weekday rule
                return day.weekday() < 5
            return None


@dataclass(frozen=True)
class Due:
    """A computed deadline; `at` is None and `unknown` True when the calendar does not cover the period."""

    at: datetime | None
    unknown: bool = False


def add_workdays(start: datetime, days: int, calendar: Calendar) -> Due:
    """The end (24:00 Beijing time) of the `days`-th working day after the day of `start`.

    "Done within 2 working days" filed on a Friday afternoon before an ordinary weekend is due at the
    end of Tuesday. A day whose status is unknown makes the whole deadline unknown (flagged).
    """
    if days < 1:
        raise ValueError("days must be positive")
    day = to_local(start).date()
    counted = 0
    for _ in range(days + 60):  # the longest run of holidays is far below 60 days
        day += timedelta(days=1)
        status = calendar.is_workday(day)
        if status is None:
            return Due(None, unknown=True)
        if status:
            counted += 1
            if counted == days:
                end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=LOCAL_TZ)
                return Due(end.astimezone(start.tzinfo))
    return Due(None, unknown=True)


def year_is_known(county_id: int | None, year: int) -> bool:
    """Whether working days of `year` are known (from the library or the county's schedule)."""
    cal = Calendar(county_id)
    return cal.is_workday(date(year, 7, 1)) is not None


def set_day(county_id: int, day: date, is_workday: bool, *, actor: User, scope: Scope,
            note: str | None = None) -> WorkCalendarDay:
    """Enter (or change) one day of the county's official schedule: a holiday or a make-up working day."""
    require(actor, "repair.rules")
    county = scope.get(County, county_id)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise DomainError("请填写日期", field="day")
    note = check_text(note, field="note", label="说明", max_len=64, required=False)
    row = db.session.scalar(
        select(WorkCalendarDay).where(WorkCalendarDay.county_id == county_id, WorkCalendarDay.day == day)
    )
    if row is None:
        row = WorkCalendarDay(county_id=county_id, day=day, is_workday=bool(is_workday), note=note)
        db.session.add(row)
        changes = {"day": day, "is_workday": bool(is_workday), "note": note}
    else:
        changes = audit.diff(row, {"is_workday": bool(is_workday), "note": note})
        row.is_workday, row.note = bool(is_workday), note
    db.session.flush()
    audit.record("workday.set", row, actor=actor, changes=changes, place=county)
    logger.info("work calendar day %s of county %s set by %r", day, county_id, actor)
    return row


def delete_day(row: WorkCalendarDay, *, actor: User, scope: Scope) -> None:
    """Remove one entered day (the library's answer applies again)."""
    require(actor, "repair.rules")
    county = scope.get(County, row.county_id)
    audit.record("workday.delete", row, actor=actor, changes={"day": row.day, "is_workday": row.is_workday},
                 place=county)
    db.session.delete(row)
    db.session.flush()
