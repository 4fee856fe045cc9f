"""Commands: what someone asks to happen to a ticket, in the imperative.

A command carries only the request; who asks and when travel beside it in a `Context`. The
workflow (`ticket.decide`) accepts a command and answers with events, or refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hotline.domain.vocabulary import (
    Channel,
    DeadlineOutcome,
    DeadlineStep,
    EmergencyService,
    FollowUpMethod,
    Kind,
    Satisfaction,
    Urgency,
)


@dataclass(frozen=True)
class Command:
    """Base of all commands; `action` is the stable name used in messages and permissions."""

    @classmethod
    def action(cls) -> str:
        return _ACTION_NAMES[cls]


# --- intake and the centre -------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitTicket(Command):
    channel: Channel
    kind: Kind
    content: str
    tracking_code: str
    urgency: Urgency = Urgency.NORMAL
    title: str | None = None
    category: str | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    intake_seconds: int | None = None  # from opening the intake form to submitting it (the workbench)


@dataclass(frozen=True)
class AnswerAtIntake(Command):
    answer: str


@dataclass(frozen=True)
class Dispatch(Command):
    lead_unit: int
    assist_units: tuple[int, ...] = ()
    category: str | None = None
    note: str | None = None
    complex: bool = False  # the dispatcher's mark for a difficult ticket (复杂诉求): longer limits


@dataclass(frozen=True)
class HandOff(Command):
    service: EmergencyService
    reason: str


@dataclass(frozen=True)
class Withdraw(Command):
    reason: str


@dataclass(frozen=True)
class AddInformation(Command):
    """The citizen (or the centre, from a call) adds to an open request: words, photos, or both.
    `media` are the names of photos already stored by media/ (the event says which were added)."""

    text: str | None = None
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class MergeInto(Command):
    """Merge this ticket into another; the caller passes the target's id and current status."""

    target_ticket: int
    target_status: str
    reason: str | None = None
    this_ticket: int | None = None


@dataclass(frozen=True)
class AttachDuplicate(Command):
    """The other half of a merge: the target ticket records the duplicate it absorbed."""

    duplicate_ticket: int


@dataclass(frozen=True)
class Supervise(Command):
    note: str | None = None


@dataclass(frozen=True)
class Urge(Command):
    assignment_no: int
    note: str | None = None


@dataclass(frozen=True)
class RecordDeadline(Command):
    """The sweeper's command: a step's warning share is used, or its deadline passed.

    ``due_at`` is the deadline the sweeper saw; if it moved meanwhile (an extension) the command is
    refused as stale. ``superior_unit`` is the holder's parent in the unit tree, for escalation.
    """

    assignment_no: int
    step: DeadlineStep
    outcome: DeadlineOutcome
    due_at: datetime
    superior_unit: int | None = None


@dataclass(frozen=True)
class RecordFollowUp(Command):
    contacted: bool
    solved: bool
    satisfaction: Satisfaction
    method: FollowUpMethod = FollowUpMethod.PHONE
    note: str | None = None


@dataclass(frozen=True)
class Reopen(Command):
    reason: str


@dataclass(frozen=True)
class Close(Command):
    reason: str | None = None


# --- units -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledge(Command):
    assignment_no: int


@dataclass(frozen=True)
class RecordContact(Command):
    assignment_no: int
    note: str | None = None


@dataclass(frozen=True)
class Delegate(Command):
    assignment_no: int
    to_unit: int
    note: str | None = None


@dataclass(frozen=True)
class Reply(Command):
    """The unit's account of what was done. `media`, `before`, `after`: names of photos already
    stored by media/ with this reply (a grid worker's photos of the place before and after the
    work, any unit's other photos); the event keeps them."""

    assignment_no: int
    reply: str
    media: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordArrival(Command):
    """The holder is on site (到达现场): the time and, when the phone has a fix, where (WGS-84).
    It is what an emergency's "on site in 30 minutes" promise really measures."""

    assignment_no: int
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class SendBack(Command):
    assignment_no: int
    reason: str


@dataclass(frozen=True)
class RequestExtension(Command):
    assignment_no: int
    until: datetime
    reason: str


# --- decisions of the reviewer (the parent unit, or the centre for top-level assignments) ----


@dataclass(frozen=True)
class ReviewReply(Command):
    assignment_no: int
    approve: bool
    reason: str | None = None


@dataclass(frozen=True)
class DecideSendBack(Command):
    """Accept (the unit was right; optionally re-dispatch at once) or reject (improper send-back)."""

    assignment_no: int
    accept: bool
    reason: str | None = None
    redispatch_to: int | None = None
    redispatch_assists: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class DecideExtension(Command):
    assignment_no: int
    approve: bool
    reason: str | None = None


# --- verification on site (核查) ----------------------------------------------------------------


@dataclass(frozen=True)
class RequestVerification(Command):
    """Ask the grid of a place to check a reply on site ("is the street light fixed?")."""

    assignment_no: int
    grid_unit: int
    note: str | None = None


@dataclass(frozen=True)
class AnswerVerification(Command):
    """The grid worker's finding: passed, or failed with a reason (the reply goes back to the
    unit); `media` names the photos already stored by media/; the position is WGS-84."""

    assignment_no: int
    passed: bool
    note: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    media: tuple[str, ...] = ()


_ACTION_NAMES: dict[type[Command], str] = {
    SubmitTicket: "submit",
    AnswerAtIntake: "answer",
    Dispatch: "dispatch",
    HandOff: "hand_off",
    Withdraw: "withdraw",
    AddInformation: "add_information",
    MergeInto: "merge",
    AttachDuplicate: "attach_duplicate",
    Supervise: "supervise",
    Urge: "urge",
    RecordDeadline: "record_deadline",
    RecordFollowUp: "follow_up",
    Reopen: "reopen",
    Close: "close",
    Acknowledge: "acknowledge",
    RecordContact: "contact",
    Delegate: "delegate",
    Reply: "reply",
    SendBack: "send_back",
    RequestExtension: "request_extension",
    ReviewReply: "review",
    DecideSendBack: "decide_send_back",
    DecideExtension: "decide_extension",
    RecordArrival: "arrive",
    RequestVerification: "request_verification",
    AnswerVerification: "answer_verification",
}
