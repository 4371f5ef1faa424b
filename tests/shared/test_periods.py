"""期间: Month and Year values, their Beijing-time days and UTC bounds, and the period keys jobs use."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pm.errors import DomainError
from pm.services.periods import MAX_YEAR, MIN_YEAR, Month, Year
from pm.timeutil import LOCAL_TZ, to_local

UTC = timezone.utc
months = st.builds(Month, st.integers(min_value=MIN_YEAR + 1, max_value=MAX_YEAR - 1), st.integers(1, 12))


def test_str_is_the_monthly_job_period_key():
    """str(Month) is "YYYY-MM", the JobRun period of monthly jobs and the key of fund reminders."""
    assert str(Month(2026, 3)) == "2026-03" and str(Month(2026, 11)) == "2026-11"


@pytest.mark.parametrize("text, month", [("2026-11", Month(2026, 11)), ("2026-01", Month(2026, 1)),
                                         (" 2000-12 ", Month(2000, 12))])
def test_parse(text, month):
    """"YYYY-MM" parses to its month."""
    assert Month.parse(text) == month


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", "", None, "abcd-ef",
                                  "1899-12", "2101-01", "２０２６-１１"])
def test_parse_refuses_junk(text):
    """Anything but a real month written YYYY-MM is a DomainError on the given field."""
    with pytest.raises(DomainError) as err:
        Month.parse(text, field="period")
    assert list(err.value.fields) == ["period"]


@pytest.mark.parametrize("year, month", [(2026, 0), (2026, 13), (1899, 5), (2101, 1), (2026.0, 1), (True, 1)])
def test_constructor_refuses_impossible_months(year, month):
    """A month outside 1–12, a year outside the supported range, or a non-int part is refused."""
    with pytest.raises(DomainError):
        Month(year, month)


def test_of_aware_datetime_uses_beijing_time():
    """16:00 UTC on 31 October is already 1 November in Beijing."""
    assert Month.of(datetime(2026, 10, 31, 15, 59, tzinfo=UTC)) == Month(2026, 10)
    assert Month.of(datetime(2026, 10, 31, 16, 0, tzinfo=UTC)) == Month(2026, 11)


def test_of_date_and_naive_datetime():
    """A date gives its own month; a naive datetime is a programming error."""
    assert Month.of(date(2026, 2, 28)) == Month(2026, 2)
    with pytest.raises(ValueError):
        Month.of(datetime(2026, 2, 28, 12, 0))


@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)))
def test_of_matches_the_job_period_format(at):
    """Month.of(now) gives the key pm.tasks' Monthly cadence writes: the Beijing month as %Y-%m."""
    assert str(Month.of(at)) == to_local(at).strftime("%Y-%m")


def test_first_last_day_and_days():
    """A month knows its first and last day (leap years too) and lists its days, optionally up to a date."""
    feb = Month(2024, 2)
    assert (feb.first_day, feb.last_day) == (date(2024, 2, 1), date(2024, 2, 29))
    assert Month(2026, 2).last_day == date(2026, 2, 28)
    assert len(feb.days()) == 29 and feb.days()[0] == date(2024, 2, 1) and feb.days()[-1] == date(2024, 2, 29)
    assert feb.days(until=date(2024, 2, 3)) == [date(2024, 2, 1), date(2024, 2, 2), date(2024, 2, 3)]
    assert feb.days(until=date(2024, 1, 31)) == []


def test_bounds_are_beijing_midnights_in_utc():
    """November 2026 runs from 2026-10-31T16:00Z to 2026-11-30T16:00Z (as repairs.month_bounds)."""
    start, end = Month(2026, 11).bounds()
    assert start == datetime(2026, 10, 31, 16, tzinfo=UTC) and end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)


def test_order_and_hash():
    """Months order chronologically and can be dict keys."""
    assert Month(2025, 12) < Month(2026, 1) < Month(2026, 2)
    assert sorted([Month(2026, 2), Month(2025, 12), Month(2026, 1)])[0] == Month(2025, 12)
    assert {Month(2026, 1): "a"}[Month(2026, 1)] == "a"


@given(months)
def test_prev_next_inverse(month):
    """next() undoes prev() and prev() undoes next()."""
    assert month.prev().next() == month and month.next().prev() == month
    assert month.prev() < month < month.next()


@given(months, st.integers(min_value=-600, max_value=600))
def test_shift_agrees_with_repeated_next(month, n):
    """shift(n) is n steps of next() (or -n of prev()), and shift(-n) returns."""
    try:
        moved = month.shift(n)
    except DomainError:
        return  # left the supported range
    step = month
    for _ in range(abs(n)):
        step = step.next() if n > 0 else step.prev()
    assert moved == step and moved.shift(-n) == month


@given(months)
def test_bounds_tile_time(month):
    """A month's end is the next month's start; its start is the first instant of its first day in Beijing.

    (Midnight itself, except on the days daylight saving began at midnight in 1940-41 and 1986-91: then the
    day's first instant is 01:00.)"""
    start, end = month.bounds()
    assert end == month.next().bounds()[0]
    assert to_local(start).date() == month.first_day
    assert to_local(start - timedelta(microseconds=1)).date() == month.first_day - timedelta(days=1)
    assert to_local(start).time().hour in (0, 1)
    assert Month.of(start) == month and Month.of(end - timedelta(microseconds=1)) == month


def test_a_month_that_began_with_daylight_saving_starts_at_its_first_instant():
    """June 1940: Shanghai's clocks went from 00:00 to 01:00 on the 1st; the month starts at that instant."""
    start, _end = Month(1940, 6).bounds()
    assert to_local(start).date().isoformat() == "1940-06-01"
    assert to_local(start - timedelta(microseconds=1)).date().isoformat() == "1940-05-31"


@given(months)
def test_days_count_and_order(month):
    """A month has 28–31 days, consecutive, from its first to its last."""
    days = month.days()
    assert 28 <= len(days) <= 31 and days[0] == month.first_day and days[-1] == month.last_day
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:]))


@given(months, months)
def test_order_agrees_with_first_days(a, b):
    """Months compare like their first days."""
    assert (a < b) == (a.first_day < b.first_day) and (a == b) == (a.first_day == b.first_day)


def test_month_contains():
    """A late-evening UTC instant belongs to the next Beijing day's month."""
    assert Month(2026, 11).contains(datetime(2026, 10, 31, 16, tzinfo=UTC))
    assert not Month(2026, 11).contains(date(2026, 10, 31))


def test_year_days_bounds_and_key():
    """A year runs 1 January–31 December (fund statements' value_on range); str() is "2025"."""
    y = Year(2025)
    assert (y.first_day, y.last_day) == (date(2025, 1, 1), date(2025, 12, 31)) and str(y) == "2025"
    assert y.bounds() == (datetime(2024, 12, 31, 16, tzinfo=UTC), datetime(2025, 12, 31, 16, tzinfo=UTC))
    assert y.months()[0] == Month(2025, 1) and y.months()[-1] == Month(2025, 12) and len(y.months()) == 12
    assert y.prev() == Year(2024) and y.next() == Year(2026) and Year(2024) < y


def test_year_parse_and_of():
    """"2025" parses; the year of an aware datetime is its Beijing year; junk is refused."""
    assert Year.parse("2025") == Year(2025)
    assert Year.of(datetime(2025, 12, 31, 16, tzinfo=UTC)) == Year(2026)
    assert Year(2026).contains(datetime(2025, 12, 31, 16, tzinfo=UTC))
    for junk in ("25", "2025-01", "", None, "1800", "abcd"):
        with pytest.raises(DomainError):
            Year.parse(junk)


def test_local_zone_is_beijing():
    """The bounds use Asia/Shanghai (UTC+8), the zone of pm.timeutil."""
    assert datetime(2026, 1, 1, tzinfo=LOCAL_TZ).utcoffset() == timedelta(hours=8)
