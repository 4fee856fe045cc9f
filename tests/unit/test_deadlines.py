"""Deadline arithmetic on hand-worked cases, with the real Chinese and US calendars (no mocks).

Conventions in the comments: CST is Asia/Shanghai (UTC+8, no DST); office hours are the default
08:30–17:30; "day 1" is the first working day after the local date of dispatch.
"""

from __future__ import annotations

import ast
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain import deadlines
from hotline.domain.deadlines import (
    DEFAULT_POLICY,
    DeadlineState,
    Limits,
    LimitUnit,
    ManualClock,
    OfficeHours,
    PolicyRule,
    Step,
    TimeLimit,
    TimeLimitError,
    TimeLimitPolicy,
    WorkingCalendar,
    WorkingTime,
    deadline_state,
    due_at,
    is_overdue,
    remaining,
    time_used_share,
)
from hotline.sla.calendars import ChinaCalendar, HolidaysCalendar, WeekendsCalendar

CST = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
CN = ChinaCalendar()
WD = LimitUnit.WORKING_DAYS


def cst(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def wd(n: int) -> TimeLimit:
    return TimeLimit(n, WD)


def test_the_calendar_adapter_satisfies_the_domain_port() -> None:
    assert isinstance(CN, WorkingCalendar)
    assert isinstance(WeekendsCalendar(), WorkingCalendar)


# --- working days around the National Day holiday (国庆) --------------------------------------------


def test_friday_1730_before_national_day_2024_three_working_days() -> None:
    # 2024 notice: Oct 1–7 off; Sun Sep 29 and Sat Oct 12 are adjusted working days (调休).
    # Dispatched Fri Sep 27 17:30 CST (the day of dispatch is not counted):
    #   Sat Sep 28 rest · Sun Sep 29 调休 = day 1 · Mon Sep 30 = day 2 · Oct 1–7 holiday ·
    #   Tue Oct 8 = day 3  →  due Tue Oct 8 17:30 CST = 09:30 UTC.
    due = due_at(cst(2024, 9, 27, 17, 30), wd(3), CN, CST)
    assert due == utc(2024, 10, 8, 9, 30)
    assert due.tzinfo is UTC


def test_friday_1730_before_national_day_2025_three_five_seven_working_days() -> None:
    # 2025 notice: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 are working days.
    # Dispatched Fri Sep 26 17:30 CST:
    #   Sun Sep 28 = 1 · Mon Sep 29 = 2 · Tue Sep 30 = 3 · Oct 1–8 holiday · Thu Oct 9 = 4 ·
    #   Fri Oct 10 = 5 · Sat Oct 11 调休 = 6 · Sun Oct 12 rest · Mon Oct 13 = 7.
    start = cst(2025, 9, 26, 17, 30)
    assert due_at(start, wd(3), CN, CST) == cst(2025, 9, 30, 17, 30)
    assert due_at(start, wd(5), CN, CST) == cst(2025, 10, 10, 17, 30)
    assert due_at(start, wd(7), CN, CST) == cst(2025, 10, 13, 17, 30)


def test_dispatch_on_a_holiday_starts_on_the_next_working_day() -> None:
    # Fri 2026-09-25 is the Mid-Autumn Festival (holiday). Dispatched that day at 10:00:
    #   Sat 26, Sun 27 rest · Mon 28 = 1 · Tue 29 = 2 · Wed 30 = 3  →  Wed Sep 30 17:30.
    assert due_at(cst(2026, 9, 25, 10), wd(3), CN, CST) == cst(2026, 9, 30, 17, 30)


def test_one_and_seven_working_days_across_national_day_2026() -> None:
    # 2026 notice: Oct 1–7 off; Sun Sep 20 and Sat Oct 10 are working days.
    # Dispatched Wed Sep 30 09:00: Oct 1–7 holiday · Thu Oct 8 = 1  →  1wd due Oct 8 17:30.
    # 7wd: Oct 8 = 1 · Fri 9 = 2 · Sat 10 调休 = 3 · Sun 11 rest · Mon 12 = 4 · 13 = 5 · 14 = 6 · 15 = 7.
    start = cst(2026, 9, 30, 9)
    assert due_at(start, wd(1), CN, CST) == cst(2026, 10, 8, 17, 30)
    assert due_at(start, wd(7), CN, CST) == cst(2026, 10, 15, 17, 30)


# --- adjusted working weekends (调休) ----------------------------------------------------------------


def test_dispatch_on_an_adjusted_working_saturday() -> None:
    # Sat 2026-10-10 is a working day (调休), but the day of dispatch is never counted:
    #   Sun Oct 11 rest · Mon Oct 12 = day 1  →  due Mon Oct 12 17:30.
    assert CN.is_working_day(date(2026, 10, 10))
    assert due_at(cst(2026, 10, 10, 10), wd(1), CN, CST) == cst(2026, 10, 12, 17, 30)


def test_an_adjusted_working_sunday_counts_as_a_working_day() -> None:
    # Dispatched Fri 2026-09-18 15:00: Sat 19 rest · Sun 20 调休 = day 1  →  due Sun Sep 20 17:30.
    assert due_at(cst(2026, 9, 18, 15), wd(1), CN, CST) == cst(2026, 9, 20, 17, 30)


# --- time zone: the centre's local date decides ----------------------------------------------------


def test_across_midnight_in_shanghai_while_utc_is_still_the_previous_day() -> None:
    # 2026-11-19 17:00 UTC is Thursday in UTC but Fri 2026-11-20 01:00 in Shanghai.
    # Local date Friday → Sat, Sun rest → Mon Nov 23 = day 1 → due Mon 17:30 CST = 09:30 UTC.
    # (Counting from the UTC date, Thursday, would wrongly give Fri Nov 20.)
    assert due_at(utc(2026, 11, 19, 17), wd(1), CN, CST) == utc(2026, 11, 23, 9, 30)
    # One minute before local midnight, Thu 23:59 CST = 15:59 UTC: day 1 is Fri Nov 20.
    assert due_at(utc(2026, 11, 19, 15, 59), wd(1), CN, CST) == cst(2026, 11, 20, 17, 30)


def test_the_start_may_be_given_in_any_zone() -> None:
    same_instant = cst(2026, 11, 20, 1).astimezone(NEW_YORK)
    assert due_at(same_instant, wd(1), CN, CST) == utc(2026, 11, 23, 9, 30)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(TimeLimitError, match="时区"):
        due_at(datetime(2026, 11, 20, 10), wd(1), CN, CST)


# --- ordinary weeks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # Dispatched Mon 2026-11-23 10:00 CST: Tue 24 = 1 · Wed 25 = 2 · Thu 26 = 3 · Fri 27 = 4 ·
        # Mon 30 = 5 · Tue Dec 1 = 6 · Wed Dec 2 = 7.
        (1, cst(2026, 11, 24, 17, 30)),
        (3, cst(2026, 11, 26, 17, 30)),
        (7, cst(2026, 12, 2, 17, 30)),
    ],
)
def test_one_three_seven_working_days_in_an_ordinary_week(days: int, expected: datetime) -> None:
    assert due_at(cst(2026, 11, 23, 10), wd(days), CN, CST) == expected


def test_end_of_day_is_configurable() -> None:
    hours = OfficeHours(time(9), time(18))
    assert due_at(cst(2026, 11, 23, 10), wd(1), CN, CST, hours=hours) == cst(2026, 11, 24, 18)
    assert OfficeHours.parse("09:00-18:00") == hours
    assert str(hours) == "09:00-18:00"
    with pytest.raises(TimeLimitError, match="办公时间"):
        OfficeHours.parse("18:00-09:00")
    with pytest.raises(TimeLimitError, match="办公时间"):
        OfficeHours.parse("nine to five")


# --- minutes and hours are wall-clock --------------------------------------------------------------


def test_minutes_and_hours_run_through_the_weekend() -> None:
    # Fri 2026-11-20 23:45 CST + 30 min = Sat 00:15 CST: emergencies do not wait for Monday.
    assert due_at(cst(2026, 11, 20, 23, 45), TimeLimit.parse("30m"), CN, CST) == cst(2026, 11, 21, 0, 15)
    # Fri 18:00 + 48 h = Sun 18:00, and Sat 22:00 + 4 h = Sun 02:00.
    assert due_at(cst(2026, 11, 20, 18), TimeLimit.parse("48h"), CN, CST) == cst(2026, 11, 22, 18)
    assert due_at(cst(2026, 11, 21, 22), TimeLimit.parse("4h"), CN, CST) == cst(2026, 11, 22, 2)
    # And through the National Day holiday: Oct 1 2026 09:00 + 30 min.
    assert due_at(cst(2026, 10, 1, 9), TimeLimit.parse("30m"), CN, CST) == cst(2026, 10, 1, 9, 30)


def test_hours_are_elapsed_time_across_a_dst_change() -> None:
    # New York springs forward on Sun 2026-03-08 at 02:00. Sat 23:00 EST = 04:00 UTC;
    # + 4 elapsed hours = 08:00 UTC = 04:00 EDT (the wall clock shows 5 hours later).
    start = datetime(2026, 3, 7, 23, tzinfo=NEW_YORK)
    due = due_at(start, TimeLimit.parse("4h"), WeekendsCalendar(), NEW_YORK)
    assert due == utc(2026, 3, 8, 8)
    assert due.astimezone(NEW_YORK).hour == 4


# --- a US city (311) -------------------------------------------------------------------------------


def test_us_new_york_independence_day_observed() -> None:
    # July 4th 2026 is a Saturday, observed on Fri July 3. Dispatched Thu July 2 10:00 EDT:
    #   Fri 3 observed holiday · Sat 4, Sun 5 · Mon July 6 = day 1 → due 17:30 EDT = 21:30 UTC.
    ny = HolidaysCalendar("US", "NY")
    assert due_at(datetime(2026, 7, 2, 10, tzinfo=NEW_YORK), wd(1), ny, NEW_YORK) == utc(2026, 7, 6, 21, 30)


# --- time used, warning and overdue ----------------------------------------------------------------


def test_warning_at_eighty_percent_of_office_time() -> None:
    # Dispatched Mon 2026-11-23 10:00 CST with 1 working day → due Tue 24 17:30.
    # Office time: Mon 10:00–17:30 = 7.5 h, Tue 08:30–17:30 = 9 h; total 16.5 h.
    # 80 % = 13.2 h = 7.5 h on Monday + 5.7 h on Tuesday → Tue 08:30 + 5 h 42 min = 14:12.
    start = cst(2026, 11, 23, 10)
    due = due_at(start, wd(1), CN, CST)
    kw = {"unit": WD, "calendar": CN, "tz": CST}
    assert time_used_share(start, due, cst(2026, 11, 23, 20), **kw) == pytest.approx(7.5 / 16.5)
    # The night does not count: Tue 08:00 has the same share as Mon 20:00.
    assert time_used_share(start, due, cst(2026, 11, 24, 8), **kw) == pytest.approx(7.5 / 16.5)
    assert deadline_state(start, due, cst(2026, 11, 24, 14, 11), **kw) is DeadlineState.ON_TIME
    assert deadline_state(start, due, cst(2026, 11, 24, 14, 12), **kw) is DeadlineState.WARNING
    assert time_used_share(start, due, cst(2026, 11, 24, 14, 12), **kw) == pytest.approx(0.8)
    # Done at 17:30 sharp is on time; one second later is overdue.
    assert not is_overdue(due, cst(2026, 11, 24, 17, 30))
    assert deadline_state(start, due, cst(2026, 11, 24, 17, 30) + timedelta(seconds=1), **kw) is (
        DeadlineState.OVERDUE
    )
    assert remaining(due, cst(2026, 11, 24, 14, 30)) == timedelta(hours=3)
    assert remaining(due, cst(2026, 11, 24, 18, 30)) == timedelta(hours=-1)


def test_no_warning_in_the_middle_of_a_holiday() -> None:
    # Dispatched Wed 2026-09-30 17:30 with 1wd → due Thu Oct 8 17:30; the only office time is
    # Oct 8 08:30–17:30 (9 h). On Oct 6 (holiday) nothing is used yet; warning at 80 % of 9 h,
    # i.e. Oct 8 08:30 + 7 h 12 min = 15:42. (Wall-clock 80 % would already warn on Oct 7.)
    start = cst(2026, 9, 30, 17, 30)
    due = due_at(start, wd(1), CN, CST)
    assert due == cst(2026, 10, 8, 17, 30)
    kw = {"unit": WD, "calendar": CN, "tz": CST}
    assert time_used_share(start, due, cst(2026, 10, 6, 12), **kw) == 0.0
    assert deadline_state(start, due, cst(2026, 10, 8, 15, 41), **kw) is DeadlineState.ON_TIME
    assert deadline_state(start, due, cst(2026, 10, 8, 15, 42), **kw) is DeadlineState.WARNING


def test_wall_clock_warning_for_the_acknowledge_limit() -> None:
    # Acknowledge within 30 min from 10:00: 80 % = 24 min → warning at 10:24, overdue after 10:30.
    start = cst(2026, 11, 21, 10)  # a Saturday: minutes do not care
    due = due_at(start, TimeLimit.parse("30m"), CN, CST)
    assert deadline_state(start, due, cst(2026, 11, 21, 10, 23)) is DeadlineState.ON_TIME
    assert deadline_state(start, due, cst(2026, 11, 21, 10, 24)) is DeadlineState.WARNING
    assert deadline_state(start, due, cst(2026, 11, 21, 10, 31)) is DeadlineState.OVERDUE
    assert deadline_state(start, due, cst(2026, 11, 21, 10, 12), warning_share=0.4) is DeadlineState.WARNING
    with pytest.raises(TimeLimitError):
        deadline_state(start, due, start, warning_share=1.5)


def test_working_day_share_needs_a_calendar() -> None:
    with pytest.raises(TimeLimitError, match="日历"):
        time_used_share(cst(2026, 11, 23), cst(2026, 11, 24, 17, 30), cst(2026, 11, 24), unit=WD)


def test_a_manual_clock_moves_a_ticket_through_its_states() -> None:
    # The clock is injected: the test moves time instead of sleeping.
    centre = WorkingTime(CN, CST)
    clock = ManualClock(cst(2026, 11, 23, 10))
    start = clock.now()
    due = centre.due_at(start, wd(1))
    seen = [centre.state(start, due, clock.now(), WD)]
    for step in (timedelta(hours=20), timedelta(hours=8), timedelta(hours=2)):  # Tue 06:00, 14:00, 16:00
        clock.advance(step)
        seen.append(centre.state(start, due, clock.now(), WD))
    clock.advance(timedelta(hours=2))  # Tue 18:00
    seen.append(centre.state(start, due, clock.now(), WD))
    assert seen == [
        DeadlineState.ON_TIME,
        DeadlineState.ON_TIME,
        DeadlineState.ON_TIME,
        DeadlineState.WARNING,
        DeadlineState.OVERDUE,
    ]
    with pytest.raises(TimeLimitError):
        clock.advance(timedelta(seconds=-1))


# --- parsing limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", TimeLimit(30, LimitUnit.MINUTES)),
        ("4h", TimeLimit(4, LimitUnit.HOURS)),
        ("3wd", TimeLimit(3, WD)),
        (" 7WD ", TimeLimit(7, WD)),
    ],
)
def test_parse_limits(text: str, expected: TimeLimit) -> None:
    assert TimeLimit.parse(text) == expected
    assert TimeLimit.parse(str(expected)) == expected


@pytest.mark.parametrize("text", ["", "3", "wd", "0wd", "-1h", "1.5h", "3 days", "3wdx", "h4"])
def test_bad_limit_strings_give_a_clear_error(text: str) -> None:
    with pytest.raises(TimeLimitError) as info:
        TimeLimit.parse(text)
    message = str(info.value)
    assert "时限" in message
    assert "time limit" in message
    assert message.index("时限") < message.index("time limit")  # Chinese first


def test_calendar_days_are_refused_with_a_hint() -> None:
    with pytest.raises(TimeLimitError, match="calendar days are not a unit"):
        TimeLimit.parse("3d")


def test_labels_and_invalid_amounts() -> None:
    assert TimeLimit.parse("3wd").label_zh == "3个工作日"
    assert TimeLimit.parse("30m").label_en == "30 minutes"
    with pytest.raises(TimeLimitError):
        TimeLimit(0, LimitUnit.HOURS)
    with pytest.raises(TimeLimitError):
        wd(1).as_timedelta()


# --- policies --------------------------------------------------------------------------------------


def test_default_policy() -> None:
    m30, wd1, wd3, wd7 = TimeLimit.parse("30m"), wd(1), wd(3), wd(7)
    assert DEFAULT_POLICY.limits_for("normal", "complaint") == Limits(m30, wd1, wd3)
    assert DEFAULT_POLICY.limits_for("urgent", "help", "any.category") == Limits(m30, wd1, wd3)
    assert DEFAULT_POLICY.limits_for("emergency", "help") == Limits(m30, m30, wd1)
    assert DEFAULT_POLICY.limits_for("normal", "report", complex=True) == Limits(m30, wd1, wd7)
    # An emergency stays an emergency even when marked complex: urgency is the most specific field.
    assert DEFAULT_POLICY.limits_for("emergency", "report", complex=True) == Limits(m30, m30, wd1)


def test_policy_lookup_picks_the_most_specific_rule_per_step() -> None:
    policy = TimeLimitPolicy.from_config(
        [
            {"acknowledge": "30m", "contact": "1wd", "reply": "3wd"},
            {"kind": "consultation", "reply": "1wd"},
            {"category": "urban", "reply": "5wd"},  # a parent category
            {"category": "urban.lights", "reply": "2wd"},  # its child
            {"category": "urban", "kind": "complaint", "contact": "4h"},
            {"urgency": "emergency", "contact": "30m", "reply": "1wd"},
        ]
    )
    path = ("urban", "urban.lights")
    # The leaf beats its parent; acknowledge and contact fall through to the catch-all rule.
    assert policy.limits_for("normal", "help", path) == Limits(TimeLimit.parse("30m"), wd(1), wd(2))
    # The parent applies to another child; category beats kind.
    assert policy.limits_for("normal", "consultation", ("urban", "urban.roads")).reply == wd(5)
    assert policy.limits_for("normal", "consultation", "health").reply == wd(1)
    # category + kind beats category alone for contact, and the leaf still decides the reply.
    complaint = policy.limits_for("normal", "complaint", path)
    assert complaint.contact == TimeLimit.parse("4h")
    assert complaint.reply == wd(2)
    # Urgency beats category.
    assert policy.limits_for("emergency", "complaint", path).reply == wd(1)
    assert policy.limits_for("emergency", "complaint", path).contact == TimeLimit.parse("30m")


def test_policy_round_trips_through_configuration() -> None:
    again = TimeLimitPolicy.from_config(DEFAULT_POLICY.to_config())
    assert again == DEFAULT_POLICY
    assert DEFAULT_POLICY.to_config()[1] == {"urgency": "emergency", "contact": "30m", "reply": "1wd"}


def test_policy_refuses_bad_configuration() -> None:
    with pytest.raises(TimeLimitError, match="重复"):
        TimeLimitPolicy((PolicyRule(kind="help"), PolicyRule(kind="help")))
    with pytest.raises(TimeLimitError, match="紧急程度"):
        TimeLimitPolicy.from_config([{"urgency": "asap"}])
    with pytest.raises(TimeLimitError, match="诉求类型"):
        TimeLimitPolicy.from_config([{"kind": "rant"}])
    with pytest.raises(TimeLimitError, match="未知字段"):
        TimeLimitPolicy.from_config([{"replay": "3wd"}])
    with pytest.raises(TimeLimitError, match="时限格式无效"):
        TimeLimitPolicy.from_config([{"reply": "3 working days"}])
    with pytest.raises(TimeLimitError, match="紧急程度"):
        DEFAULT_POLICY.limits_for("asap", "help")


def test_a_step_without_a_limit_is_none() -> None:
    assert TimeLimitPolicy().limits_for("normal", "praise") == Limits()


# --- the domain stays pure -------------------------------------------------------------------------


def test_deadlines_module_imports_the_standard_library_only() -> None:
    tree = ast.parse(Path(deadlines.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


# --- properties ------------------------------------------------------------------------------------

# Years the installed chinesecalendar covers with certainty (2004 onwards; 2025 is in every release
# this project accepts).
instants = st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2025, 6, 30)).map(
    lambda d: d.replace(tzinfo=UTC)
)
amounts = st.integers(min_value=1, max_value=15)


@settings(max_examples=200, deadline=None)
@given(a=instants, b=instants, n=amounts)
def test_due_at_is_monotonic_in_start(a: datetime, b: datetime, n: int) -> None:
    early, late = min(a, b), max(a, b)
    assert due_at(early, wd(n), CN, CST) <= due_at(late, wd(n), CN, CST)


@settings(max_examples=200, deadline=None)
@given(start=instants, n=amounts, extra=st.integers(min_value=1, max_value=10))
def test_due_at_is_monotonic_in_amount_and_lands_on_a_working_day(
    start: datetime, n: int, extra: int
) -> None:
    due = due_at(start, wd(n), CN, CST)
    local = due.astimezone(CST)
    assert CN.is_working_day(local.date())
    assert local.time() == time(17, 30)
    assert local.date() > start.astimezone(CST).date()
    assert due < due_at(start, wd(n + extra), CN, CST)


@settings(max_examples=100, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=10_000))
def test_wall_clock_limits_are_exact_elapsed_time(start: datetime, minutes: int) -> None:
    assert due_at(start, TimeLimit(minutes, LimitUnit.MINUTES), CN, CST) - start == timedelta(minutes=minutes)


@settings(max_examples=100, deadline=None)
@given(start=instants, n=st.integers(min_value=1, max_value=7), f1=st.floats(0, 1.2), f2=st.floats(0, 1.2))
def test_share_is_monotonic_in_now_and_bounded(start: datetime, n: int, f1: float, f2: float) -> None:
    due = due_at(start, wd(n), CN, CST)
    span = due - start
    n1, n2 = start + span * min(f1, f2), start + span * max(f1, f2)
    kw = {"unit": WD, "calendar": CN, "tz": CST}
    s1, s2 = time_used_share(start, due, n1, **kw), time_used_share(start, due, n2, **kw)
    assert 0.0 <= s1 <= s2 <= 1.0


def test_limits_by_step_and_labels() -> None:
    limits = DEFAULT_POLICY.limits_for("emergency", "help")
    assert limits.for_step(Step.CONTACT) == TimeLimit.parse("30m")
    assert limits.for_step(Step("reply")) == wd(1)
    assert Step.ACKNOWLEDGE.label_zh == "签收"
    assert DeadlineState.OVERDUE.label_zh == "超期"
