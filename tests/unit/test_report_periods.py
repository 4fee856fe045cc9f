"""The report's periods: a month and an ISO week, their defaults and refusals."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.domain.errors import DomainError
from hotline.reports.queries import Kind, month, week

TODAY = date(2026, 11, 20)  # a Friday


def test_a_month_is_its_calendar_days() -> None:
    p = month("2026-02", TODAY)
    assert (p.kind, p.code, p.first, p.last) == (Kind.MONTHLY, "2026-02", date(2026, 2, 1), date(2026, 2, 28))
    assert month("2024-02", TODAY).last == date(2024, 2, 29)
    assert month("2026-12", TODAY).last == date(2026, 12, 31)


def test_without_a_month_the_last_whole_one() -> None:
    assert month(None, TODAY).code == "2026-10"
    assert month(None, date(2027, 1, 1)).code == "2026-12"


def test_an_iso_week_runs_monday_to_sunday() -> None:
    p = week("2026-W47", TODAY)
    assert (p.first, p.last) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week("2026-W01", TODAY).first == date(2025, 12, 29)  # ISO week 1 starts in December
    assert week(None, TODAY).code == "2026-W46"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-11", "november", "2026-11-01", "1999-01"])
def test_bad_months_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(DomainError) as err:
        month(text, TODAY)
    assert err.value.code == "reports.month" and err.value.params["field"] == "month"


@pytest.mark.parametrize("text", ["2026-W54", "2026-W00", "2026W47", "2026-47", "x"])
def test_bad_weeks_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(DomainError) as err:
        week(text, TODAY)
    assert err.value.code == "reports.week" and err.value.params["field"] == "week"
