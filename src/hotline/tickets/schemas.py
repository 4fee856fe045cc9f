"""API shapes of tickets: action bodies in, tickets and their logs out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Body
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hotline.domain.vocabulary import EmergencyService, FollowUpMethod, Satisfaction
from hotline.web.numbers import Id
from hotline.web.text import LongText, OptionalNote, PlainStr, Reason


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswerIn(_Body):
    answer: LongText


class DispatchIn(_Body):
    lead_unit_id: Id
    assist_unit_ids: list[Id] = Field(default_factory=list, max_length=20)
    category_code: PlainStr | None = Field(default=None, max_length=100)
    note: OptionalNote | None = None
    complex: bool = Field(
        default=False, description="A difficult ticket (复杂诉求): the policy's longer limits."
    )


class HandOffIn(_Body):
    service: EmergencyService
    reason: Reason


class ReasonIn(_Body):
    reason: Reason


class OptionalReasonIn(_Body):
    reason: OptionalNote | None = None


class NoteIn(_Body):
    note: OptionalNote | None = None


# Bodies whose every field is optional may be left out altogether (an empty POST).
OptionalReasonBody = Annotated[OptionalReasonIn, Body(default_factory=OptionalReasonIn)]
NoteBody = Annotated[NoteIn, Body(default_factory=NoteIn)]


class MergeIn(_Body):
    into_ticket_id: Id
    reason: OptionalNote | None = None


class FollowUpIn(_Body):
    contacted: bool
    solved: bool
    satisfaction: Satisfaction
    method: FollowUpMethod = FollowUpMethod.PHONE
    note: OptionalNote | None = None


class DelegateIn(_Body):
    unit_id: Id
    note: OptionalNote | None = None


class ReplyIn(_Body):
    reply: LongText


class ExtensionIn(_Body):
    until: AwareDatetime = Field(description="The new reply deadline asked for, with a zone offset.")
    reason: Reason


class DecisionIn(_Body):
    approve: bool
    reason: OptionalNote | None = None


class SendBackDecisionIn(_Body):
    accept: bool
    reason: OptionalNote | None = None
    redispatch_to: Id | None = None
    redispatch_assists: list[int] = Field(default_factory=list, max_length=20)


# --- out -------------------------------------------------------------------------------------


class UnitRef(BaseModel):
    id: int
    name: str


class PendingExtension(BaseModel):
    until: datetime
    reason: str | None


class DeadlineOut(BaseModel):
    """One timed step of an assignment and where it stands (docs/time-limits.md)."""

    step: str = Field(description="acknowledge, contact or reply")
    step_label: str
    limit: str = Field(description="As the policy wrote it: 30m, 4h, 3wd")
    limit_label: str
    due_at: datetime
    warn_at: datetime | None
    state: str = Field(description="on_time, warning, overdue while open; met, met_late, stopped when not")
    state_label: str
    remaining_seconds: int | None = Field(
        description="Time left while the step is open; negative once overdue."
    )
    done_at: datetime | None


class AssignmentOut(BaseModel):
    no: int
    unit: UnitRef
    role: str
    role_label: str
    state: str
    state_label: str
    parent_no: int | None
    dispatched_at: datetime
    acknowledged_at: datetime | None
    contacted_at: datetime | None
    replied_at: datetime | None
    reviewed_at: datetime | None
    reply: str | None
    send_back_reason: str | None
    awaiting_send_back_decision: bool
    pending_extension: PendingExtension | None
    reply_due_at: datetime | None
    original_reply_due_at: datetime | None
    extensions_approved: int
    rejections: int
    improper_send_backs: int
    urges: int
    escalations: int
    deadlines: list[DeadlineOut]
    arrived_at: datetime | None = Field(default=None, description="Arrival on site (到达现场), when recorded")
    verify_unit: UnitRef | None = Field(
        default=None, description="The grid asked to verify the reply on site (核查), while it is asked"
    )
    verify_requested_at: datetime | None = None
    verifications_failed: int = 0


class FollowUpOut(BaseModel):
    contacted: bool | None
    solved: bool | None
    satisfaction: str | None
    satisfaction_label: str | None


class TicketOut(BaseModel):
    id: int
    number: str = Field(description="The ticket number people quote: local date of intake + id.")
    tracking_code: str
    status: str
    status_label: str
    channel: str
    kind: str
    kind_label: str
    urgency: str
    title: str | None
    content: str
    category_code: str | None
    citizen_name: str | None
    citizen_phone: str | None = Field(
        description="Masked (138****5678) for roles that do not call the citizen."
    )
    address: str | None
    latitude: float | None
    longitude: float | None
    intake_seconds: int | None = Field(
        default=None, description="Seconds from opening the intake form to submitting it (handling time)."
    )
    lead_unit: UnitRef | None
    supervised: bool
    complex: bool
    reopen_count: int
    answer: str | None
    merged_into_id: int | None
    duplicate_ids: list[int]
    handed_off_to: str | None
    follow_up: FollowUpOut | None
    close_reason: str | None
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    version: int
    assignments: list[AssignmentOut]


class TicketSummary(BaseModel):
    id: int
    number: str
    status: str
    status_label: str
    kind: str
    urgency: str
    title: str | None
    content_excerpt: str
    category_code: str | None
    lead_unit: UnitRef | None
    supervised: bool
    received_at: datetime
    updated_at: datetime


class TicketPage(BaseModel):
    items: list[TicketSummary]
    total: int
    limit: int
    offset: int


class ActorOut(BaseModel):
    role: str
    role_label: str
    user_id: int | None
    user_name: str | None
    unit: UnitRef | None


class EventOut(BaseModel):
    seq: int
    tag: str
    occurred_at: datetime
    actor: ActorOut
    from_status: str | None
    to_status: str
    assignment_no: int | None
    reason: str | None
    payload: dict[str, Any]
