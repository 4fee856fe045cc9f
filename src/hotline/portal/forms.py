"""The shapes of the portal's later forms, checked by the same text rules as the API (plain text,
no markup, bounded), so a bad field is refused naming it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hotline.domain.vocabulary import Satisfaction
from hotline.web.text import LongText, OptionalNote, Reason


class AddIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: LongText | None = None


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reason: Reason | None = None


class RateIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    contacted: bool
    solved: bool
    satisfaction: Satisfaction
    note: OptionalNote | None = None
