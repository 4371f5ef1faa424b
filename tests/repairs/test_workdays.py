"""工作日: statutory holidays and make-up days from the library, the county's schedule overriding it."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pm.models import WorkCalendarDay
from pm.services.repairs.workdays import Calendar, add_workdays, year_is_known
from pm.timeutil import to_local
from tests.factories import make_county


def test_library_knows_national_day_and_makeup_day(app, db):
    """2026-10-01 is a holiday; a weekday is a working day; the library's answer is used without county rows."""
    cal = Calendar(None)
    assert cal.is_workday(date(2026, 10, 1)) is False
    assert cal.is_workday(date(2026, 3, 3)) is True


def test_unknown_year_is_none_not_an_error(app, db):
    """A year the library does not know, with no county schedule, is unknown (None)."""
    assert Calendar(None).is_workday(date(2027, 6, 1)) is None
    assert not year_is_known(None, 2027)


def test_county_override_beats_library(app, db):
    """A county row turns a library working day into a holiday."""
    county = make_county()
    db.session.add(WorkCalendarDay(county_id=county.id, day=date(2026, 3, 3), is_workday=False))
    db.session.flush()
    assert Calendar(county.id).is_workday(date(2026, 3, 3)) is False


def test_county_schedule_makes_year_known_with_weekday_rule(app, db):
    """With any row for 2027, other 2027 days follow Mon–Fri; the make-up Saturday is a working day."""
    county = make_county()
    db.session.add_all([
        WorkCalendarDay(county_id=county.id, day=date(2027, 2, 8), is_workday=False),
        WorkCalendarDay(county_id=county.id, day=date(2027, 2, 20), is_workday=True),  # Saturday, 调休
    ])
    db.session.flush()
    cal = Calendar(county.id)
    assert cal.is_workday(date(2027, 2, 9)) is True
    assert cal.is_workday(date(2027, 2, 13)) is False
    assert cal.is_workday(date(2027, 2, 20)) is True
    assert year_is_known(county.id, 2027)


@pytest.mark.parametrize("start, days, expected", [
    ("2026-03-02T02:00:00+00:00", 2, "2026-03-05T00:00:00+08:00"),  # Monday → end of Wednesday
    ("2026-03-06T08:00:00+00:00", 2, "2026-03-11T00:00:00+08:00"),  # Friday afternoon → end of Tuesday
    ("2026-09-30T02:00:00+00:00", 1, "2026-10-09T00:00:00+08:00"),  # before National Day → first day back
])
def test_add_workdays_skips_weekends_and_holidays(app, db, start, days, expected):
    """"Within N working days" ends at midnight after the N-th working day following the filing day."""
    due = add_workdays(datetime.fromisoformat(start), days, Calendar(None))
    assert not due.unknown and to_local(due.at).isoformat() == expected


def test_add_workdays_across_unknown_year_is_flagged(app, db):
    """A deadline running into 2027 without a schedule is flagged unknown."""
    due = add_workdays(datetime(2026, 12, 31, 2, tzinfo=timezone.utc), 2, Calendar(None))
    assert due.unknown and due.at is None
