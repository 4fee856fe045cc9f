"""Calendar adapters against the real library data (chinesecalendar, holidays): no mocks."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.domain.deadlines import LimitUnit, TimeLimit, due_at
from hotline.sla.calendars import (
    CalendarConfigError,
    ChinaCalendar,
    CoverageSource,
    CoveredCalendar,
    HolidaysCalendar,
    WeekendsCalendar,
    calendar_from_config,
    coverage_gaps,
)

CST = ZoneInfo("Asia/Shanghai")
FAR_FUTURE = 2099  # no State Council notice will be in any release for a long time


def _last_covered_year(cal: ChinaCalendar) -> int:
    year = 2026
    while cal.coverage(year + 1).source is CoverageSource.OFFICIAL:
        year += 1
    return year


# --- China --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 8), True),  # Thursday after the holiday
        (date(2026, 10, 10), True),  # Saturday, adjusted working day (调休)
        (date(2026, 10, 11), False),  # Sunday
        (date(2026, 9, 20), True),  # Sunday, adjusted working day
        (date(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
        (date(2026, 2, 14), True),  # Saturday before the Spring Festival, adjusted working day
        (date(2026, 2, 23), False),  # Monday, last day of the Spring Festival break
        (date(2024, 9, 29), True),  # Sunday, adjusted working day
        (date(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_china_follows_the_state_council_notices(day: date, working: bool) -> None:
    assert ChinaCalendar().is_working_day(day) is working


def test_china_is_a_covered_calendar_with_holiday_names() -> None:
    cal = ChinaCalendar()
    assert isinstance(cal, CoveredCalendar)
    assert cal.name == "cn"
    assert cal.coverage(2026).source is CoverageSource.OFFICIAL
    assert not cal.coverage(2026).fallback
    assert cal.coverage(2026).message == ""
    assert cal.holiday_name(date(2026, 10, 1)) == "National Day"
    assert cal.holiday_name(date(2026, 11, 23)) is None


def test_an_uncovered_year_falls_back_to_weekends_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    cal = ChinaCalendar()
    coverage = cal.coverage(FAR_FUTURE)
    assert coverage.fallback
    assert coverage.source is CoverageSource.WEEKENDS
    assert str(FAR_FUTURE) in coverage.message
    assert coverage.message.index("尚未收录") < coverage.message.index("no holiday data")
    with caplog.at_level(logging.WARNING, logger="hotline.sla.calendars"):
        # Jan 1 2099 is a Thursday: a holiday in reality, a working day in the fallback.
        assert cal.is_working_day(date(FAR_FUTURE, 1, 1))
        assert not cal.is_working_day(date(FAR_FUTURE, 1, 3))  # Saturday
        assert cal.is_working_day(date(FAR_FUTURE, 1, 5))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per year, not once per lookup
    assert str(FAR_FUTURE) in warnings[0].getMessage()
    assert cal.holiday_name(date(FAR_FUTURE, 1, 1)) is None


def test_a_deadline_across_the_end_of_the_data_does_not_crash() -> None:
    # Whatever the installed release covers (2026 in 1.11), a dispatch on Dec 31 of the last covered
    # year with 7 working days runs into the next year and must still give a working-day answer.
    cal = ChinaCalendar()
    last = _last_covered_year(cal)
    start = datetime(last, 12, 31, 10, tzinfo=CST)
    due = due_at(start, TimeLimit(7, LimitUnit.WORKING_DAYS), cal, CST).astimezone(CST)
    assert due.year == last + 1
    assert due.weekday() < 5
    assert [c.year for c in coverage_gaps(cal, date(last, 12, 1), horizon_days=60)] == [last + 1]
    assert coverage_gaps(cal, date(last, 1, 1), horizon_days=30) == []


# --- other countries -----------------------------------------------------------------------------


def test_us_new_york_independence_day() -> None:
    ny = calendar_from_config("us-ny")
    assert ny.name == "us-ny"
    assert not ny.is_working_day(date(2026, 7, 3))  # July 4th on a Saturday, observed Friday
    assert not ny.is_working_day(date(2027, 7, 5))  # July 4th on a Sunday, observed Monday
    assert ny.is_working_day(date(2026, 7, 6))
    assert not ny.is_working_day(date(2026, 11, 26))  # Thanksgiving
    assert ny.coverage(2027).source is CoverageSource.RULES
    assert not ny.coverage(2027).fallback
    assert isinstance(ny, HolidaysCalendar)
    assert ny.holiday_name(date(2026, 7, 4)) == "Independence Day"


def test_a_country_without_subdivision() -> None:
    de = calendar_from_config("DE")
    assert de.name == "de"
    assert not de.is_working_day(date(2026, 10, 3))  # German Unity Day (a Saturday anyway)
    assert not de.is_working_day(date(2026, 12, 25))


def test_weekends_only_calendar() -> None:
    cal = calendar_from_config("weekends")
    assert isinstance(cal, WeekendsCalendar)
    assert cal.is_working_day(date(2026, 10, 1))  # no holidays at all
    assert not cal.is_working_day(date(2026, 11, 21))
    assert not cal.coverage(2026).fallback
    friday_weekend = WeekendsCalendar(frozenset({4, 5}), name="fri-sat")
    assert not friday_weekend.is_working_day(date(2026, 11, 20))
    assert friday_weekend.is_working_day(date(2026, 11, 22))


def test_cn_from_config() -> None:
    assert isinstance(calendar_from_config(" CN "), ChinaCalendar)


@pytest.mark.parametrize("spec", ["", "xx", "us-zz", "12", "united-states"])
def test_bad_calendar_configuration(spec: str) -> None:
    with pytest.raises(CalendarConfigError) as info:
        calendar_from_config(spec)
    assert "日历" in str(info.value)


def test_a_weekend_of_seven_days_is_refused() -> None:
    with pytest.raises(CalendarConfigError):
        WeekendsCalendar(frozenset(range(7)))


def test_adapters_are_fast_enough_for_a_sweeper() -> None:
    # A sweeper recomputes many deadlines; a year of lookups must stay well under a second.
    cal = ChinaCalendar()
    day = date(2026, 1, 1)
    started = datetime.now()
    for i in range(366):
        cal.is_working_day(day + timedelta(days=i))
    assert datetime.now() - started < timedelta(seconds=1)
