"""API shapes of the time-limit policy."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hotline.domain.vocabulary import Kind, Urgency
from hotline.web.text import PlainStr

_LIMIT = Field(default=None, max_length=16, description="30m, 4h or 3wd (minutes, hours, working days)")


class RuleIn(BaseModel):
    """One rule; a key left out means "any". Each step is resolved on its own, most specific first:
    urgency, then the complex mark, then the deepest category, then kind."""

    model_config = ConfigDict(extra="forbid")

    urgency: Urgency | None = None
    kind: Kind | None = None
    category: PlainStr | None = Field(default=None, max_length=100)
    complex: bool | None = None
    acknowledge: PlainStr | None = _LIMIT
    contact: PlainStr | None = _LIMIT
    reply: PlainStr | None = _LIMIT


class RuleOut(BaseModel):
    urgency: str | None = None
    kind: str | None = None
    category: str | None = None
    complex: bool | None = None
    acknowledge: str | None = None
    contact: str | None = None
    reply: str | None = None
    labels: dict[str, str] = Field(default_factory=dict, description="Each limit as people read it.")


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleIn] = Field(min_length=1, max_length=500)


class PolicyOut(BaseModel):
    rules: list[RuleOut]
    source: str = Field(description="stored (the administrator's), or default (built in, none stored)")
    calendar: str
    timezone: str
    office_hours: str
    warning_share: float
    calendar_notices: list[str] = Field(
        description="Years in the coming months the calendar library does not know yet (upgrade it)."
    )


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urgency: Urgency = Urgency.NORMAL
    kind: Kind = Kind.COMPLAINT
    category: PlainStr | None = Field(default=None, max_length=100)
    complex: bool = False
    start: AwareDatetime | None = Field(default=None, description="Dispatch time; now if omitted.")


class PreviewDeadline(BaseModel):
    step: str
    step_label: str
    limit: str
    limit_label: str
    due_at: datetime
    warn_at: datetime | None
