"""The domain's ``DeadlineCalculator`` over a stored policy, the centre's working time and categories.

The workflow asks it for an assignment's deadlines when the assignment is made (dispatch, re-dispatch,
reopen, delegation) and for a new warning instant when an extension is approved. Everything it
answers goes into the event, so a later change of policy or calendar never moves a stored deadline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from hotline.domain import events as e
from hotline.domain.deadlines import (
    DEFAULT_OFFICE_HOURS,
    DEFAULT_WARNING_SHARE,
    LimitUnit,
    OfficeHours,
    Step,
    TimeLimit,
    TimeLimitPolicy,
    WorkingTime,
)
from hotline.sla.calendars import CoveredCalendar, calendar_from_config


@lru_cache(maxsize=16)
def calendar(spec: str) -> CoveredCalendar:
    """One calendar object per configuration string and process: they cache what they looked up."""
    return calendar_from_config(spec)


@dataclass(frozen=True)
class SlaSettings:
    """The centre's working time (calendar, zone, office hours) and its warning share."""

    working: WorkingTime
    warning_share: float = DEFAULT_WARNING_SHARE

    @classmethod
    def of(
        cls,
        calendar_spec: str = "cn",
        timezone: str = "Asia/Shanghai",
        office_hours: str | OfficeHours = DEFAULT_OFFICE_HOURS,
        warning_share: float = DEFAULT_WARNING_SHARE,
    ) -> SlaSettings:
        hours = office_hours if isinstance(office_hours, OfficeHours) else OfficeHours.parse(office_hours)
        return cls(WorkingTime(calendar(calendar_spec), ZoneInfo(timezone), hours), warning_share)


@dataclass(frozen=True)
class PolicyDeadlines:
    """Deadlines from ``policy`` in ``sla``'s working time; ``category_paths`` maps a category code to
    its path from the root (a rule on a parent category also covers its children)."""

    policy: TimeLimitPolicy
    sla: SlaSettings
    category_paths: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def deadlines(
        self, *, urgency: str, kind: str, category: str | None, complex: bool, start: datetime
    ) -> tuple[e.Deadline, ...]:
        path = None if category is None else tuple(self.category_paths.get(category, (category,)))
        limits = self.policy.limits_for(urgency, kind, path, complex=complex)
        made = []
        for step in Step:
            limit = limits.for_step(step)
            if limit is None:
                continue
            due = self.sla.working.due_at(start, limit)
            warn = self.sla.working.warning_at(start, due, limit.unit, self.sla.warning_share)
            made.append(e.Deadline(step.value, str(limit), due, warn))
        return tuple(made)

    def warning_at(self, start: datetime, due: datetime, limit: str) -> datetime:
        unit = TimeLimit.parse(limit).unit if limit else LimitUnit.MINUTES
        return self.sla.working.warning_at(start, due, unit, self.sla.warning_share)
