"""Time limits and deadline arithmetic: pure, standard library only.

Why pure: a deadline decides whether a unit is counted overdue in its assessment, so the rule must be
testable on hand-worked cases without a database, a framework or a real clock. The calendar and the
clock are passed in (ports); their adapters live in ``hotline.sla``.

The semantics are written down in ``docs/time-limits.md``; in short:

* minutes and hours are elapsed wall-clock time (emergencies do not wait for Monday);
* ``N`` working days: the day of dispatch is not counted (期间开始的日不计算在期间内); day 1 is the first
  working day after the local date of dispatch, and the deadline is the office closing time of the
  N-th working day, in the centre's time zone;
* the warning share of a working-day limit counts office hours of working days only, so a holiday
  does not eat the time of a unit that cannot work.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DEFAULT_POLICY",
    "DEFAULT_WARNING_SHARE",
    "KINDS",
    "URGENCIES",
    "Clock",
    "DeadlineState",
    "LimitUnit",
    "Limits",
    "ManualClock",
    "OfficeHours",
    "PolicyRule",
    "Step",
    "SystemClock",
    "TimeLimit",
    "TimeLimitError",
    "TimeLimitPolicy",
    "WorkingCalendar",
    "WorkingTime",
    "deadline_state",
    "due_at",
    "is_overdue",
    "remaining",
    "time_used_share",
    "warning_at",
]

# Names shared with the glossary; plain strings so that a StrEnum of the workflow compares equal.
URGENCIES: tuple[str, ...] = ("emergency", "urgent", "normal")
KINDS: tuple[str, ...] = ("consultation", "help", "complaint", "report", "suggestion", "praise")

DEFAULT_WARNING_SHARE = 0.8

# A calendar that never has a working day would make the search loop forever; ten years is far more
# than any time limit, so hitting this bound means the calendar is broken.
_MAX_DAYS_SEARCHED = 3660


class TimeLimitError(ValueError):
    """A time limit, policy or deadline input is invalid; the message is Chinese first, then English."""


# ---------------------------------------------------------------------------------------------------
# Ports: calendar and clock
# ---------------------------------------------------------------------------------------------------


@runtime_checkable
class WorkingCalendar(Protocol):
    """Tells which dates are working days; adapters over calendar libraries live in hotline.sla."""

    @property
    def name(self) -> str:
        """A short configuration name, e.g. ``cn`` or ``us-ny``; shown beside deadlines."""
        ...

    def is_working_day(self, d: date) -> bool:
        """True when units work on ``d`` (a 调休 Saturday is a working day, a holiday Monday is not)."""
        ...


class Clock(Protocol):
    """Where "now" comes from, so tests move time forward instead of sleeping."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start, "start")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` and return the new now; moving backwards is refused."""
        if delta < timedelta(0):
            raise TimeLimitError("时钟不能倒退 / a clock does not go backwards")
        self._now = self._now + delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (either way): for setting up a scenario, not for moving through it."""
        self._now = _require_aware(instant, "instant")


# ---------------------------------------------------------------------------------------------------
# Time limits
# ---------------------------------------------------------------------------------------------------


class LimitUnit(enum.StrEnum):
    """How a time limit is measured; the value is the suffix used in configuration strings."""

    MINUTES = "m"
    HOURS = "h"
    WORKING_DAYS = "wd"

    @property
    def label_zh(self) -> str:
        return {"m": "分钟", "h": "小时", "wd": "个工作日"}[self.value]

    @property
    def label_en(self) -> str:
        return {"m": "minutes", "h": "hours", "wd": "working days"}[self.value]


_LIMIT_RE = re.compile(r"^\s*(\d+)\s*(wd|m|h)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """An amount of minutes, hours or working days, e.g. ``TimeLimit.parse("3wd")``."""

    amount: int
    unit: LimitUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise TimeLimitError(
                f"时限必须是正整数，收到 {self.amount!r} / a time limit must be a positive integer, "
                f"got {self.amount!r}"
            )
        if not isinstance(self.unit, LimitUnit):
            object.__setattr__(self, "unit", LimitUnit(self.unit))

    @classmethod
    def parse(cls, text: str) -> TimeLimit:
        """Read the short form used in configuration: ``30m``, ``4h``, ``3wd``."""
        if not isinstance(text, str):
            raise TimeLimitError(
                f"时限必须是字符串，收到 {text!r} / a time limit must be a string, got {text!r}"
            )
        match = _LIMIT_RE.match(text)
        if match is None:
            zh = f"时限格式无效：{text!r}，应为如 30m、4h、3wd"
            en = f"invalid time limit {text!r}, expected e.g. 30m, 4h, 3wd"
            if re.match(r"^\s*\d+\s*d\s*$", text, re.IGNORECASE):
                zh += "（不支持自然日，请用 wd 工作日或 h 小时）"
                en += " (calendar days are not a unit: use wd for working days or h for hours)"
            raise TimeLimitError(f"{zh} / {en}")
        amount = int(match.group(1))
        if amount <= 0:
            raise TimeLimitError(f"时限必须大于零：{text!r} / a time limit must be above zero: {text!r}")
        return cls(amount, LimitUnit(match.group(2).lower()))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit.value}"

    @property
    def label_zh(self) -> str:
        """What the UI shows, e.g. 3个工作日."""
        return f"{self.amount}{self.unit.label_zh}"

    @property
    def label_en(self) -> str:
        return f"{self.amount} {self.unit.label_en}"

    @property
    def is_wall_clock(self) -> bool:
        return self.unit is not LimitUnit.WORKING_DAYS

    def as_timedelta(self) -> timedelta:
        """The elapsed time of a minutes or hours limit; working days have none without a calendar."""
        if self.unit is LimitUnit.MINUTES:
            return timedelta(minutes=self.amount)
        if self.unit is LimitUnit.HOURS:
            return timedelta(hours=self.amount)
        raise TimeLimitError("工作日时限需要日历 / a working-day limit needs a calendar")


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """The centre's office day: working-day deadlines fall at ``closes``; warnings count these hours.

    Lunch breaks are ignored on purpose: a warning a little early is harmless, and the deadline itself
    only depends on ``closes``.
    """

    opens: time = time(8, 30)
    closes: time = time(17, 30)

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise TimeLimitError(
                "办公时间不带时区，时区另行配置 / office hours are local times without tzinfo"
            )
        if not self.opens < self.closes:
            raise TimeLimitError(
                f"办公时间无效：上班 {self.opens:%H:%M} 须早于下班 {self.closes:%H:%M} / "
                "office hours must open before they close"
            )

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """Read ``"08:30-17:30"`` from configuration."""
        try:
            opens_text, closes_text = (part.strip() for part in text.split("-"))
            return cls(time.fromisoformat(opens_text), time.fromisoformat(closes_text))
        except (ValueError, AttributeError) as exc:
            if isinstance(exc, TimeLimitError):
                raise
            raise TimeLimitError(
                f"办公时间格式无效：{text!r}（应为如 08:30-17:30） / invalid office hours {text!r}, "
                "expected e.g. 08:30-17:30"
            ) from exc

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


DEFAULT_OFFICE_HOURS = OfficeHours()


# ---------------------------------------------------------------------------------------------------
# Deadline arithmetic
# ---------------------------------------------------------------------------------------------------


def _require_aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise TimeLimitError(f"{what} 必须带时区 / {what} must be a timezone-aware datetime, got {value!r}")
    return value


def _nth_working_day_after(day: date, n: int, calendar: WorkingCalendar) -> date:
    """The n-th working day strictly after ``day`` (the start day itself is never counted)."""
    counted = 0
    current = day
    for _ in range(_MAX_DAYS_SEARCHED):
        current += timedelta(days=1)
        if calendar.is_working_day(current):
            counted += 1
            if counted == n:
                return current
    raise TimeLimitError(
        f"日历 {calendar.name!r} 在 {_MAX_DAYS_SEARCHED} 天内没有足够的工作日 / calendar {calendar.name!r} "
        f"has fewer than {n} working days in {_MAX_DAYS_SEARCHED} days after {day}"
    )


def _local_instant(d: date, t: time, tz: ZoneInfo) -> datetime:
    """A local wall time as an aware UTC instant (zoneinfo resolves DST gaps and folds)."""
    return datetime.combine(d, t, tzinfo=tz).astimezone(UTC)


def due_at(
    start: datetime,
    limit: TimeLimit,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    *,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> datetime:
    """When a step started at ``start`` must be done, as an aware UTC datetime.

    Minutes and hours are elapsed time (computed in UTC, so a DST change neither adds nor removes an
    hour). Working days count from the first working day after the local date of ``start`` and end at
    ``hours.closes`` of the N-th one: a Friday-evening dispatch and a holiday dispatch both start on the
    next working day, and a unit is never given less than one full office day.
    """
    _require_aware(start, "start")
    if limit.unit is not LimitUnit.WORKING_DAYS:
        return start.astimezone(UTC) + limit.as_timedelta()
    local_day = start.astimezone(tz).date()
    last_day = _nth_working_day_after(local_day, limit.amount, calendar)
    return _local_instant(last_day, hours.closes, tz)


def remaining(due: datetime, now: datetime) -> timedelta:
    """Time left until ``due``; negative once overdue (the UI shows "超期 3小时" from that)."""
    return _require_aware(due, "due").astimezone(UTC) - _require_aware(now, "now").astimezone(UTC)


def is_overdue(due: datetime, now: datetime) -> bool:
    """Overdue once the deadline has passed; finishing at the very instant of ``due`` is on time."""
    return remaining(due, now) < timedelta(0)


def _office_seconds(
    a: datetime, b: datetime, calendar: WorkingCalendar, tz: ZoneInfo, hours: OfficeHours
) -> float:
    """Seconds of office hours on working days between instants ``a`` and ``b`` (a <= b)."""
    if b <= a:
        return 0.0
    total = 0.0
    day = a.astimezone(tz).date()
    last = b.astimezone(tz).date()
    while day <= last:
        if calendar.is_working_day(day):
            window_start = max(a, _local_instant(day, hours.opens, tz))
            window_end = min(b, _local_instant(day, hours.closes, tz))
            if window_end > window_start:
                total += (window_end - window_start).total_seconds()
        day += timedelta(days=1)
    return total


def time_used_share(
    start: datetime,
    due: datetime,
    now: datetime,
    *,
    unit: LimitUnit = LimitUnit.MINUTES,
    calendar: WorkingCalendar | None = None,
    tz: ZoneInfo | None = None,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
) -> float:
    """Share of the allowed time used at ``now``, in [0, 1]; drives the warning (default at 80 %).

    Wall-clock limits use elapsed time. Working-day limits count only office hours of working days,
    so a ticket due after the National Day week does not warn in the middle of the holiday. Past the
    deadline the share is 1.0: overdue is a state of its own (``is_overdue``). When the window holds no
    office time at all (e.g. a deadline moved by hand into the night), elapsed time is used instead.
    """
    start_utc = _require_aware(start, "start").astimezone(UTC)
    due_utc = _require_aware(due, "due").astimezone(UTC)
    now_utc = _require_aware(now, "now").astimezone(UTC)
    if due_utc <= start_utc or now_utc >= due_utc:
        return 1.0
    if now_utc <= start_utc:
        return 0.0
    if unit is LimitUnit.WORKING_DAYS:
        if calendar is None or tz is None:
            raise TimeLimitError(
                "工作日时限需要日历和时区 / a working-day share needs a calendar and a time zone"
            )
        total = _office_seconds(start_utc, due_utc, calendar, tz, hours)
        if total > 0:
            used = _office_seconds(start_utc, now_utc, calendar, tz, hours)
            return min(1.0, used / total)
    return min(1.0, (now_utc - start_utc) / (due_utc - start_utc))


def _ceil_second(instant: datetime) -> datetime:
    """Round up to a whole second, so a stored warning instant never comes before the exact share."""
    if instant.microsecond:
        return instant + timedelta(microseconds=1_000_000 - instant.microsecond)
    return instant


def warning_at(
    start: datetime,
    due: datetime,
    *,
    unit: LimitUnit = LimitUnit.MINUTES,
    calendar: WorkingCalendar | None = None,
    tz: ZoneInfo | None = None,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    share: float = DEFAULT_WARNING_SHARE,
) -> datetime:
    """The first whole second at which ``share`` of the time is used: when the warning (预警) fires.

    The inverse of ``time_used_share``, computed once when a deadline is set and stored beside it, so
    the sweeper compares two instants instead of walking a calendar for every open assignment. For a
    working-day limit the share counts office hours of working days only (a holiday eats no time);
    never later than ``due``.
    """
    if not 0 < share <= 1:
        raise TimeLimitError(f"预警比例须在 (0, 1] 之间：{share} / the warning share must be in (0, 1]")
    start_utc = _require_aware(start, "start").astimezone(UTC)
    due_utc = _require_aware(due, "due").astimezone(UTC)
    if due_utc <= start_utc:
        return due_utc
    if unit is LimitUnit.WORKING_DAYS:
        if calendar is None or tz is None:
            raise TimeLimitError(
                "工作日时限需要日历和时区 / a working-day share needs a calendar and a time zone"
            )
        total = _office_seconds(start_utc, due_utc, calendar, tz, hours)
        if total > 0:
            target = share * total
            used = 0.0
            day = start_utc.astimezone(tz).date()
            last = due_utc.astimezone(tz).date()
            while day <= last:
                if calendar.is_working_day(day):
                    window_start = max(start_utc, _local_instant(day, hours.opens, tz))
                    window_end = min(due_utc, _local_instant(day, hours.closes, tz))
                    if window_end > window_start:
                        length = (window_end - window_start).total_seconds()
                        if used + length >= target:
                            found = window_start + timedelta(seconds=target - used)
                            return min(due_utc, _ceil_second(found))
                        used += length
                day += timedelta(days=1)
            return due_utc  # only reached through float rounding: the whole window is used at ``due``
    return min(due_utc, _ceil_second(start_utc + (due_utc - start_utc) * share))


class DeadlineState(enum.StrEnum):
    """Where a deadline stands; the sweeper turns changes of it into events."""

    ON_TIME = "on_time"
    WARNING = "warning"
    OVERDUE = "overdue"

    @property
    def label_zh(self) -> str:
        return {"on_time": "正常", "warning": "预警", "overdue": "超期"}[self.value]


def deadline_state(
    start: datetime,
    due: datetime,
    now: datetime,
    *,
    unit: LimitUnit = LimitUnit.MINUTES,
    calendar: WorkingCalendar | None = None,
    tz: ZoneInfo | None = None,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    warning_share: float = DEFAULT_WARNING_SHARE,
) -> DeadlineState:
    """On time, warning (``warning_share`` of the time used) or overdue (the deadline has passed)."""
    if not 0 < warning_share <= 1:
        raise TimeLimitError(
            f"预警比例须在 (0, 1] 之间：{warning_share} / the warning share must be in (0, 1]"
        )
    if is_overdue(due, now):
        return DeadlineState.OVERDUE
    share = time_used_share(start, due, now, unit=unit, calendar=calendar, tz=tz, hours=hours)
    return DeadlineState.WARNING if share >= warning_share else DeadlineState.ON_TIME


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """A centre's calendar, time zone and office hours bundled, so they cannot be mixed up per call."""

    calendar: WorkingCalendar
    tz: ZoneInfo
    hours: OfficeHours = DEFAULT_OFFICE_HOURS

    def due_at(self, start: datetime, limit: TimeLimit) -> datetime:
        return due_at(start, limit, self.calendar, self.tz, hours=self.hours)

    def used_share(self, start: datetime, due: datetime, now: datetime, unit: LimitUnit) -> float:
        return time_used_share(
            start, due, now, unit=unit, calendar=self.calendar, tz=self.tz, hours=self.hours
        )

    def warning_at(
        self, start: datetime, due: datetime, unit: LimitUnit, share: float = DEFAULT_WARNING_SHARE
    ) -> datetime:
        return warning_at(
            start, due, unit=unit, calendar=self.calendar, tz=self.tz, hours=self.hours, share=share
        )

    def state(
        self,
        start: datetime,
        due: datetime,
        now: datetime,
        unit: LimitUnit,
        warning_share: float = DEFAULT_WARNING_SHARE,
    ) -> DeadlineState:
        return deadline_state(
            start,
            due,
            now,
            unit=unit,
            calendar=self.calendar,
            tz=self.tz,
            hours=self.hours,
            warning_share=warning_share,
        )


# ---------------------------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------------------------


class Step(enum.StrEnum):
    """The steps of an assignment that carry a time limit."""

    ACKNOWLEDGE = "acknowledge"
    CONTACT = "contact"
    REPLY = "reply"

    @property
    def label_zh(self) -> str:
        return {"acknowledge": "签收", "contact": "联系诉求人", "reply": "办理反馈"}[self.value]


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits of one ticket; a step with ``None`` has no limit."""

    acknowledge: TimeLimit | None = None
    contact: TimeLimit | None = None
    reply: TimeLimit | None = None

    def for_step(self, step: Step) -> TimeLimit | None:
        return {Step.ACKNOWLEDGE: self.acknowledge, Step.CONTACT: self.contact, Step.REPLY: self.reply}[
            Step(step)
        ]


def _optional_limit(value: TimeLimit | str | None) -> TimeLimit | None:
    if value is None or isinstance(value, TimeLimit):
        return value
    return TimeLimit.parse(value)


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One row of the policy table; ``None`` in a key field means "any".

    ``category`` matches the ticket's category or any of its ancestors, ``complex`` is the
    dispatcher's mark for a difficult ticket (复杂诉求). Limits left ``None`` fall through to a less
    specific rule, so a rule can change only the reply limit.
    """

    urgency: str | None = None
    kind: str | None = None
    category: str | None = None
    complex: bool | None = None
    acknowledge: TimeLimit | None = None
    contact: TimeLimit | None = None
    reply: TimeLimit | None = None

    def __post_init__(self) -> None:
        if self.urgency is not None and self.urgency not in URGENCIES:
            raise TimeLimitError(
                f"未知的紧急程度 {self.urgency!r}（可选 {', '.join(URGENCIES)}） / "
                f"unknown urgency {self.urgency!r}"
            )
        if self.kind is not None and self.kind not in KINDS:
            raise TimeLimitError(
                f"未知的诉求类型 {self.kind!r}（可选 {', '.join(KINDS)}） / unknown kind {self.kind!r}"
            )
        if self.category is not None and (not isinstance(self.category, str) or not self.category):
            raise TimeLimitError(f"分类编码无效 {self.category!r} / invalid category code {self.category!r}")
        for step in Step:
            object.__setattr__(self, step.value, _optional_limit(getattr(self, step.value)))

    @property
    def key(self) -> tuple[str | None, str | None, str | None, bool | None]:
        return (self.urgency, self.kind, self.category, self.complex)

    def specificity(
        self, urgency: str, kind: str, categories: Sequence[str], complex_: bool
    ) -> tuple[int, int, int, int] | None:
        """How closely this rule fits a ticket, or None when it does not apply.

        Compared as a tuple: urgency first (an emergency stays an emergency in any category), then the
        complex mark, then category depth (a leaf beats its parent), then kind.
        """
        if self.urgency is not None and self.urgency != urgency:
            return None
        if self.kind is not None and self.kind != kind:
            return None
        if self.complex is not None and self.complex != complex_:
            return None
        depth = 0
        if self.category is not None:
            if self.category not in categories:
                return None
            depth = list(categories).index(self.category) + 1
        return (
            int(self.urgency is not None),
            int(self.complex is not None),
            depth,
            int(self.kind is not None),
        )

    @classmethod
    def from_config(cls, row: Mapping[str, object]) -> PolicyRule:
        """Read one rule from configuration, e.g. ``{"urgency": "emergency", "reply": "1wd"}``."""
        allowed = {"urgency", "kind", "category", "complex", *(s.value for s in Step)}
        unknown = set(row) - allowed
        if unknown:
            raise TimeLimitError(
                f"时限策略中有未知字段 {sorted(unknown)} / unknown policy fields {sorted(unknown)}"
            )
        complex_value = row.get("complex")
        if complex_value is not None and not isinstance(complex_value, bool):
            raise TimeLimitError(
                f"complex 必须是 true/false / complex must be a boolean, got {complex_value!r}"
            )
        values: dict[str, object] = {name: row.get(name) for name in allowed}
        return cls(**values)  # type: ignore[arg-type]

    def to_config(self) -> dict[str, object]:
        row: dict[str, object] = {}
        for name in ("urgency", "kind", "category", "complex"):
            value = getattr(self, name)
            if value is not None:
                row[name] = value
        for step in Step:
            limit = getattr(self, step.value)
            if limit is not None:
                row[step.value] = str(limit)
        return row


@dataclass(frozen=True)
class TimeLimitPolicy:
    """The administrator's table of limits by (urgency, kind, category, complex), most specific wins.

    Each step is resolved on its own: the most specific matching rule that sets that step's limit.
    """

    rules: tuple[PolicyRule, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        seen: set[tuple[str | None, str | None, str | None, bool | None]] = set()
        for rule in self.rules:
            if rule.key in seen:
                raise TimeLimitError(f"时限策略中有重复的规则 {rule.key} / duplicate policy rule {rule.key}")
            seen.add(rule.key)

    @classmethod
    def from_config(cls, rows: Iterable[Mapping[str, object]]) -> TimeLimitPolicy:
        return cls(tuple(PolicyRule.from_config(row) for row in rows))

    def to_config(self) -> list[dict[str, object]]:
        return [rule.to_config() for rule in self.rules]

    def limits_for(
        self,
        urgency: str,
        kind: str,
        category: str | Sequence[str] | None = None,
        *,
        complex: bool = False,
    ) -> Limits:
        """The limits for one ticket; ``category`` is a code or its path from the root to the leaf."""
        if urgency not in URGENCIES:
            raise TimeLimitError(f"未知的紧急程度 {urgency!r} / unknown urgency {urgency!r}")
        if kind not in KINDS:
            raise TimeLimitError(f"未知的诉求类型 {kind!r} / unknown kind {kind!r}")
        if category is None:
            categories: tuple[str, ...] = ()
        elif isinstance(category, str):
            categories = (category,)
        else:
            categories = tuple(category)
        scored = []
        for rule in self.rules:
            score = rule.specificity(urgency, kind, categories, complex)
            if score is not None:
                scored.append((score, rule))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        found: dict[str, TimeLimit | None] = {}
        for step in Step:
            found[step.value] = next(
                (getattr(rule, step.value) for _, rule in scored if getattr(rule, step.value) is not None),
                None,
            )
        return Limits(**found)


DEFAULT_POLICY = TimeLimitPolicy(
    (
        # Every ticket: acknowledge within 30 minutes, contact within 1 working day, reply within 3.
        PolicyRule(
            acknowledge=TimeLimit(30, LimitUnit.MINUTES),
            contact=TimeLimit(1, LimitUnit.WORKING_DAYS),
            reply=TimeLimit(3, LimitUnit.WORKING_DAYS),
        ),
        # Emergencies: on site (contact) within 30 minutes, reply within 1 working day.
        PolicyRule(
            urgency="emergency",
            contact=TimeLimit(30, LimitUnit.MINUTES),
            reply=TimeLimit(1, LimitUnit.WORKING_DAYS),
        ),
        # Tickets the dispatcher marks complex (复杂诉求): reply within 7 working days.
        PolicyRule(complex=True, reply=TimeLimit(7, LimitUnit.WORKING_DAYS)),
    )
)
