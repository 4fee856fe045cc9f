"""API shapes of the inbox and of webhook subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hotline.web.numbers import Id
from hotline.web.patch import NotNull
from hotline.web.text import PlainStr


class UnitRef(BaseModel):
    id: int
    name: str


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(
        description="assignment, urge, warning, escalation, extension_*, send_back, reply, rejected"
    )
    kind_label: str
    title: str
    ticket_id: int
    ticket_number: str
    assignment_no: int | None
    step: str | None = Field(description="The timed step (acknowledge, contact, reply) for deadline news.")
    note: str | None
    unit: UnitRef | None = Field(description="The unit addressed (None for a personal message).")
    role: str | None = Field(description="Only people of this role in the unit are addressed.")
    created_at: datetime
    read: bool


class InboxPage(BaseModel):
    items: list[NotificationOut]
    total: int
    limit: int
    offset: int


class UnreadCount(BaseModel):
    unread: int
    by_kind: dict[str, int]


class UnitUnread(BaseModel):
    unit: UnitRef
    unread: int = Field(description="Notifications to the unit that nobody in it has read yet.")
    oldest_unread_at: datetime


class MarkedRead(BaseModel):
    marked: int


# --- webhooks ----------------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionIn(_Body):
    name: PlainStr = Field(min_length=1, max_length=100)
    url: PlainStr = Field(min_length=8, max_length=500, description="http(s) endpoint that receives POSTs.")
    unit_id: Id | None = Field(default=None, description="Only events of tickets this unit works on.")
    event_tags: list[PlainStr] = Field(
        default_factory=list,
        max_length=50,
        description="Only these tags (e.g. assignment.overdue); empty = all.",
    )
    secret: PlainStr | None = Field(
        default=None, min_length=16, max_length=200, description="HMAC key; generated when omitted."
    )
    active: bool = True


class SubscriptionPatch(_Body):
    name: Annotated[PlainStr | None, NotNull] = Field(default=None, min_length=1, max_length=100)
    url: Annotated[PlainStr | None, NotNull] = Field(default=None, min_length=8, max_length=500)
    unit_id: Id | None = None
    event_tags: list[PlainStr] | None = Field(default=None, max_length=50)
    secret: Annotated[PlainStr | None, NotNull] = Field(default=None, min_length=16, max_length=200)
    active: Annotated[bool | None, NotNull] = None


class SubscriptionOut(BaseModel):
    id: int
    name: str
    url: str
    unit_id: int | None
    event_tags: list[str]
    active: bool
    secret_hint: str = Field(description="The last four characters of the signing secret.")
    created_at: datetime
    updated_at: datetime
    pending: int
    failed: int
    delivered: int


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Shown once: the key of the X-Hotline-Signature HMAC.")


class DeliveryOut(BaseModel):
    id: int
    delivery_id: str
    ticket_id: int
    seq: int
    tag: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
