"""The stored warning instant (``warning_at``): hand-worked cases and its agreement with the share.

The sweeper never walks a calendar: the instant the warning share is reached is computed once, when
the deadline is set, and stored beside it. These tests hold it to ``time_used_share``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.deadlines import (
    LimitUnit,
    OfficeHours,
    TimeLimit,
    TimeLimitError,
    WorkingTime,
    due_at,
    time_used_share,
    warning_at,
)
from hotline.sla.calendars import ChinaCalendar, HolidaysCalendar

CST = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
CN = ChinaCalendar()
WD = LimitUnit.WORKING_DAYS
KW = {"unit": WD, "calendar": CN, "tz": CST}


def cst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=CST)


def test_one_working_day_from_monday_morning_warns_tuesday_1412() -> None:
    # docs/time-limits.md: Mon 10:00 + 1wd → due Tue 17:30; 16.5 office hours; 80 % = 13.2 h
    # = 7.5 h on Monday + 5.7 h on Tuesday from 08:30 → Tue 14:12.
    start = cst(2026, 11, 23, 10)
    due = due_at(start, TimeLimit.parse("1wd"), CN, CST)
    assert warning_at(start, due, **KW) == cst(2026, 11, 24, 14, 12)


def test_the_national_day_week_holds_no_office_time() -> None:
    # Wed 2026-09-30 17:30 + 1wd → due Thu Oct 8 17:30; the only office time is Oct 8: 80 % of 9 h
    # = 7 h 12 min after 08:30 → 15:42 (a wall-clock share would warn in the middle of the holiday).
    start = cst(2026, 9, 30, 17, 30)
    due = due_at(start, TimeLimit.parse("1wd"), CN, CST)
    assert warning_at(start, due, **KW) == cst(2026, 10, 8, 15, 42)


def test_friday_evening_before_national_day_with_three_working_days() -> None:
    # Fri 2024-09-27 17:30 + 3wd → Sun 29 (调休), Mon 30, Tue Oct 8 → due Oct 8 17:30.
    # Office time: Sep 29 9 h, Sep 30 9 h, Oct 8 9 h = 27 h; 80 % = 21.6 h → Oct 8 08:30 + 3.6 h = 12:06.
    start = cst(2024, 9, 27, 17, 30)
    due = due_at(start, TimeLimit.parse("3wd"), CN, CST)
    assert due == cst(2024, 10, 8, 17, 30)
    assert warning_at(start, due, **KW) == cst(2024, 10, 8, 12, 6)


def test_wall_clock_limits_warn_at_eighty_percent_of_elapsed_time() -> None:
    start = cst(2026, 11, 21, 23, 50)  # a Saturday night: minutes do not care
    due = due_at(start, TimeLimit.parse("30m"), CN, CST)
    assert warning_at(start, due) == cst(2026, 11, 22, 0, 14)
    assert warning_at(start, due, share=0.5) == cst(2026, 11, 22, 0, 5)
    assert warning_at(start, due, share=1.0) == due


def test_a_fraction_of_a_second_rounds_up_never_down() -> None:
    start = cst(2026, 11, 23, 10)
    due = start + timedelta(seconds=7)  # 80 % = 5.6 s
    assert warning_at(start, due) == start + timedelta(seconds=6)


def test_office_hours_and_a_us_calendar_are_respected() -> None:
    ny = HolidaysCalendar("US", "NY")
    centre = WorkingTime(ny, NEW_YORK, OfficeHours.parse("09:00-17:00"))
    # Wed 2026-11-25 16:00 + 1wd: Thanksgiving Thu 26 is off → due Fri 27 17:00 (EST).
    # Office time: Wed 16:00–17:00 = 1 h, Fri 8 h → 9 h; 80 % = 7.2 h → Fri 09:00 + 6.2 h = 15:12.
    start = datetime(2026, 11, 25, 16, tzinfo=NEW_YORK)
    due = centre.due_at(start, TimeLimit.parse("1wd"))
    assert due == datetime(2026, 11, 27, 17, tzinfo=NEW_YORK)
    assert centre.warning_at(start, due, WD) == datetime(2026, 11, 27, 15, 12, tzinfo=NEW_YORK)


def test_a_deadline_at_or_before_the_start_warns_at_once() -> None:
    start = cst(2026, 11, 23, 10)
    assert warning_at(start, start, **KW) == start.astimezone(UTC)
    assert warning_at(start, start - timedelta(hours=1)) == (start - timedelta(hours=1)).astimezone(UTC)


def test_bad_inputs_are_refused() -> None:
    start = cst(2026, 11, 23, 10)
    with pytest.raises(TimeLimitError):
        warning_at(start, start + timedelta(days=1), share=0)
    with pytest.raises(TimeLimitError, match="日历"):
        warning_at(start, start + timedelta(days=1), unit=WD)
    with pytest.raises(TimeLimitError, match="时区"):
        warning_at(datetime(2026, 11, 23, 10), start)


instants = st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2025, 6, 30)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=150, deadline=None)
@given(start=instants, n=st.integers(min_value=1, max_value=7), share=st.floats(0.05, 1.0))
def test_the_warning_instant_is_the_first_second_the_share_is_reached(
    start: datetime, n: int, share: float
) -> None:
    due = due_at(start, TimeLimit(n, WD), CN, CST)
    at = warning_at(start, due, share=share, **KW)
    assert start <= at <= due and at.microsecond == 0
    assert time_used_share(start, due, at, **KW) >= share - 1e-9
    before = at - timedelta(seconds=1)
    if before > start:
        assert time_used_share(start, due, before, **KW) < share


@settings(max_examples=100, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=5000), share=st.floats(0.05, 1.0))
def test_the_wall_clock_warning_instant_agrees_with_the_share(
    start: datetime, minutes: int, share: float
) -> None:
    due = start + timedelta(minutes=minutes)
    at = warning_at(start, due, share=share)
    assert time_used_share(start, due, at) >= share - 1e-9
    assert time_used_share(start, due, at - timedelta(seconds=1)) < share
