"""The public view of a ticket: what anyone holding the tracking code may see."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotline.web.text import OptionalNote, Phone


class PublicStep(BaseModel):
    at: datetime
    status: str
    status_label: str
    description: str


class PublicTicket(BaseModel):
    """What anyone holding the tracking code sees: no names, phones, addresses or staff."""

    tracking_code: str
    status: str
    status_label: str
    kind: str
    kind_label: str
    received_at: datetime
    updated_at: datetime
    responsible_unit: str | None
    answer: str | None
    timeline: list[PublicStep]


class WithdrawIn(BaseModel):
    """A citizen takes the request back; the phone given at intake proves it is theirs."""

    citizen_phone: Phone
    reason: OptionalNote | None = Field(default=None)
