"""API shapes of follow-up: answers and attempts in, tasks out, the SMS gateway's callback."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hotline.domain.vocabulary import Satisfaction
from hotline.web.text import OptionalNote, PlainStr, Reason


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswerIn(_Body):
    contacted: bool = Field(description="Did the unit contact you? (单位是否联系您)")
    solved: bool = Field(description="Is the problem solved? (问题是否解决)")
    satisfaction: Satisfaction
    comment: OptionalNote | None = None
    close_reason: Reason | None = Field(
        default=None,
        description="On an unsatisfied or not-solved answer: close the ticket with this reason "
        "instead of reopening it to the same lead unit.",
    )


class AttemptOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"


class AttemptIn(_Body):
    outcome: AttemptOutcome
    retry_in_minutes: int | None = Field(
        default=None,
        ge=5,
        le=7 * 24 * 60,
        description="No answer: call again after this long (default: the setting).",
    )
    note: OptionalNote | None = None


class SmsReplyIn(_Body):
    message_id: PlainStr = Field(min_length=1, max_length=64, description="The gateway's id of this reply.")
    reply_to: PlainStr = Field(
        min_length=1, max_length=64, description="The platform's message id it answers."
    )
    phone: PlainStr = Field(min_length=3, max_length=32)
    text: PlainStr = Field(max_length=500)


class CallResultIn(_Body):
    call_id: PlainStr = Field(min_length=1, max_length=64, description="The platform's id of the call.")
    status: PlainStr = Field(min_length=1, max_length=12, description="answered, no_answer, busy or failed.")
    keys: PlainStr = Field(
        default="", max_length=64, description='Keys pressed in order (0-9 * #; "_" no key).'
    )


class TaskOut(BaseModel):
    id: int
    ticket_id: int
    ticket_number: str
    round: int
    state: str
    due_at: datetime
    due: bool
    citizen_name: str | None
    phone: str | None
    attempts: int
    last_outcome: str | None
    outcome: str | None
    reason: str | None
    sms_sent_at: datetime | None
    contacted: bool | None
    solved: bool | None
    satisfaction: str | None
    comment: str | None
    finished_at: datetime | None
    call_notes: list[str] = Field(default=[], description="Why the robot handed the call to an operator.")


class QueueOut(BaseModel):
    due: list[TaskOut]
    upcoming: list[TaskOut]
    due_total: int
    upcoming_total: int


class DoneOut(BaseModel):
    task_id: int
    ticket_id: int
    state: str
    outcome: str | None
    ticket_status: str | None
    replayed: bool = False
    result: str | None = None
