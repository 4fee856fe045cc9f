"""Working-day calendars: adapters from maintained libraries to the domain's ``WorkingCalendar``.

Why libraries and not a table: China's working days change every year by a State Council notice
(public holidays plus adjusted working weekends, 调休), and other countries' holidays follow rules
with observed days; a hand-typed table goes stale silently. ``chinesecalendar`` carries each year's
notice; ``holidays`` computes other countries' public holidays by rule.

A year the library does not know yet (the notice for next year comes out around November) falls back
to Monday–Friday for that year, and ``coverage(year)`` says so, so the platform can show a banner
instead of computing wrong deadlines in silence. See docs/time-limits.md.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol, runtime_checkable

import chinese_calendar
import holidays

from hotline.domain.deadlines import WorkingCalendar

__all__ = [
    "CalendarConfigError",
    "ChinaCalendar",
    "Coverage",
    "CoverageSource",
    "CoveredCalendar",
    "HolidaysCalendar",
    "WeekendsCalendar",
    "calendar_from_config",
    "coverage_gaps",
]

log = logging.getLogger(__name__)

_SATURDAY_SUNDAY = frozenset({5, 6})


class CalendarConfigError(ValueError):
    """The calendar named in configuration cannot be built; the message is Chinese first, then English."""


class CoverageSource(enum.StrEnum):
    """Where a year's working days come from."""

    OFFICIAL = "official"  # a published notice (China's State Council 放假安排, with 调休)
    RULES = "rules"  # holidays computed by rule (the holidays library); one-off closures may be missing
    WEEKENDS = "weekends"  # Monday to Friday only, no holidays


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a calendar knows about one year; ``fallback`` is True when it should know more but does not."""

    calendar: str
    year: int
    source: CoverageSource
    fallback: bool

    @property
    def message(self) -> str:
        """A notice for administrators, Chinese first; empty when there is nothing to say."""
        if not self.fallback:
            return ""
        return (
            f"日历 {self.calendar} 尚未收录 {self.year} 年的节假日安排，该年暂按周一至周五计算工作日；"
            f"请在国务院办公厅发布通知后升级日历库。 / Calendar {self.calendar} has no holiday data for "
            f"{self.year} yet; working days that year are Monday to Friday until the calendar library "
            "is upgraded."
        )


@runtime_checkable
class CoveredCalendar(WorkingCalendar, Protocol):
    """A working calendar that can also say how well it knows a year."""

    def coverage(self, year: int) -> Coverage:
        """What the calendar knows about ``year``."""
        ...


class WeekendsCalendar:
    """Monday to Friday (or any weekday set): for tests, demos and places without a holiday library."""

    def __init__(self, weekend: frozenset[int] = _SATURDAY_SUNDAY, name: str = "weekends") -> None:
        if not weekend <= set(range(7)) or len(weekend) == 7:
            raise CalendarConfigError(f"周末设置无效 {sorted(weekend)} / invalid weekend {sorted(weekend)}")
        self._weekend = weekend
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def is_working_day(self, d: date) -> bool:
        return d.weekday() not in self._weekend

    def coverage(self, year: int) -> Coverage:
        return Coverage(self._name, year, CoverageSource.WEEKENDS, fallback=False)


class ChinaCalendar:
    """The official Chinese calendar with 调休, from ``chinesecalendar`` (one State Council notice a year).

    Years outside the library's data are Monday–Friday, logged once per year and reported by
    ``coverage``; the library raises for them, we do not, because a deadline must still be computed.
    """

    def __init__(self) -> None:
        self._known: dict[int, bool] = {}
        self._warned: set[int] = set()
        self._lock = threading.Lock()
        # the library checks its whole year range on every call (35 µs); a deadline asks for days
        self._days: dict[date, bool] = {}

    @property
    def name(self) -> str:
        return "cn"

    def _covers(self, year: int) -> bool:
        known = self._known.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                known = True
            except NotImplementedError:
                known = False
            with self._lock:
                self._known[year] = known
        return known

    def is_working_day(self, d: date) -> bool:
        if self._covers(d.year):
            found = self._days.get(d)
            if found is None:
                found = self._days[d] = bool(chinese_calendar.is_workday(d))
            return found
        if d.year not in self._warned:
            with self._lock:
                first = d.year not in self._warned
                self._warned.add(d.year)
            if first:
                log.warning("%s", self.coverage(d.year).message)
        return d.weekday() not in _SATURDAY_SUNDAY

    def coverage(self, year: int) -> Coverage:
        if self._covers(year):
            return Coverage(self.name, year, CoverageSource.OFFICIAL, fallback=False)
        return Coverage(self.name, year, CoverageSource.WEEKENDS, fallback=True)

    def holiday_name(self, d: date) -> str | None:
        """The holiday's name for display (e.g. "National Day"), or None."""
        if not self._covers(d.year):
            return None
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
        return str(name) if on_holiday and name else None


class HolidaysCalendar:
    """Public holidays of a country (and subdivision) from the ``holidays`` library, e.g. US-NY for 311.

    Observed days (a Saturday July 4th observed on Friday) are non-working, as the library says.
    """

    def __init__(self, country: str, subdiv: str | None = None) -> None:
        country = country.upper()
        subdiv = subdiv.upper() if subdiv else None
        try:
            self._holidays = holidays.country_holidays(country, subdiv=subdiv)
        except NotImplementedError as exc:
            raise CalendarConfigError(
                f"日历库不支持 {country}{'-' + subdiv if subdiv else ''} / the holidays library does not "
                f"know {country}{'-' + subdiv if subdiv else ''}: {exc}"
            ) from exc
        self._name = country.lower() + (f"-{subdiv.lower()}" if subdiv else "")
        # The library fills years lazily into a dict; guard it for threads of one app instance.
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    def is_working_day(self, d: date) -> bool:
        with self._lock:
            return bool(self._holidays.is_working_day(d))

    def coverage(self, year: int) -> Coverage:
        if self._holidays.start_year <= year <= self._holidays.end_year:
            return Coverage(self._name, year, CoverageSource.RULES, fallback=False)
        return Coverage(self._name, year, CoverageSource.WEEKENDS, fallback=True)

    def holiday_name(self, d: date) -> str | None:
        with self._lock:
            name = self._holidays.get(d)
        return str(name) if name else None


def calendar_from_config(spec: str) -> CoveredCalendar:
    """Build the calendar named in configuration.

    ``cn``: the official Chinese calendar (chinesecalendar); ``weekends``: Monday to Friday;
    ``<country>`` or ``<country>-<subdivision>`` with ISO codes, e.g. ``us``, ``us-ny``, ``de-by``:
    the holidays library.
    """
    text = (spec or "").strip().lower()
    if not text:
        raise CalendarConfigError("未配置工作日日历 / no working-day calendar configured")
    if text == "cn":
        return ChinaCalendar()
    if text == "weekends":
        return WeekendsCalendar()
    country, _, subdiv = text.partition("-")
    if not country.isalpha() or len(country) not in (2, 3):
        raise CalendarConfigError(
            f"日历配置无效 {spec!r}（应为 cn、weekends 或如 us-ny） / invalid calendar {spec!r}, "
            "expected cn, weekends or e.g. us-ny"
        )
    return HolidaysCalendar(country, subdiv or None)


def coverage_gaps(calendar: CoveredCalendar, today: date, horizon_days: int = 120) -> list[Coverage]:
    """Years between ``today`` and the horizon that the calendar only knows by fallback.

    The platform shows these to administrators: a deadline computed in such a year may be a day or
    more early around that year's holidays.
    """
    last = today + timedelta(days=horizon_days)
    return [c for c in (calendar.coverage(y) for y in range(today.year, last.year + 1)) if c.fallback]
