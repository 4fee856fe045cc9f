"""Events: what happened to a ticket, in the past tense, each with a stable tag.

The ticket's event log is the source of truth and the audit trail: replaying it (`ticket.replay`)
gives the current state. Events are stored as their tag plus a JSON payload made by `to_payload`
and read back by `from_payload`, so the stored form never depends on Python class names.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

from hotline.domain.vocabulary import (
    AssignmentRole,
    Channel,
    EmergencyService,
    FollowUpMethod,
    Kind,
    Satisfaction,
    Urgency,
)


@dataclass(frozen=True)
class Event:
    TAG: ClassVar[str] = ""


@dataclass(frozen=True)
class Deadline:
    """One time limit of an assignment, fixed when the assignment is made (see docs/time-limits.md).

    ``step`` is acknowledge, contact or reply; ``limit`` the policy's limit as written (``30m``,
    ``3wd``); ``warn_at`` the instant the warning share of the time is used. Carried in the event, so
    replaying the log gives the same deadlines whatever the policy or the calendar say later.
    """

    step: str
    limit: str
    due_at: datetime
    warn_at: datetime | None = None


@dataclass(frozen=True)
class NewAssignment:
    """An assignment created by a dispatch, a re-dispatch, a delegation or a reopen."""

    no: int
    unit: int
    role: AssignmentRole
    parent_no: int | None = None
    deadlines: tuple[Deadline, ...] = ()


@dataclass(frozen=True)
class TicketReceived(Event):
    TAG: ClassVar[str] = "ticket.received"
    channel: Channel
    kind: Kind
    urgency: Urgency
    content: str
    tracking_code: str
    title: str | None = None
    category: str | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    intake_seconds: int | None = None


@dataclass(frozen=True)
class TicketAnswered(Event):
    TAG: ClassVar[str] = "ticket.answered"
    answer: str


@dataclass(frozen=True)
class TicketDispatched(Event):
    TAG: ClassVar[str] = "ticket.dispatched"
    assignments: tuple[NewAssignment, ...]
    category: str | None = None
    note: str | None = None
    complex: bool = False


@dataclass(frozen=True)
class TicketHandedOff(Event):
    TAG: ClassVar[str] = "ticket.handed_off"
    service: EmergencyService
    reason: str


@dataclass(frozen=True)
class TicketWithdrawn(Event):
    TAG: ClassVar[str] = "ticket.withdrawn"
    reason: str


@dataclass(frozen=True)
class TicketMerged(Event):
    TAG: ClassVar[str] = "ticket.merged"
    into_ticket: int
    reason: str | None = None


@dataclass(frozen=True)
class DuplicateAttached(Event):
    TAG: ClassVar[str] = "ticket.duplicate_attached"
    duplicate_ticket: int


@dataclass(frozen=True)
class InformationAdded(Event):
    """More words or photos from the citizen on an open request (补充诉求); changes no status."""

    TAG: ClassVar[str] = "ticket.information_added"
    text: str | None = None
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketSupervised(Event):
    TAG: ClassVar[str] = "ticket.supervised"
    note: str | None = None


@dataclass(frozen=True)
class TicketFollowedUp(Event):
    TAG: ClassVar[str] = "ticket.followed_up"
    contacted: bool
    solved: bool
    satisfaction: Satisfaction
    method: FollowUpMethod
    note: str | None = None


@dataclass(frozen=True)
class TicketReopened(Event):
    TAG: ClassVar[str] = "ticket.reopened"
    reason: str
    assignment: NewAssignment | None = None


@dataclass(frozen=True)
class TicketClosed(Event):
    TAG: ClassVar[str] = "ticket.closed"
    reason: str | None = None


@dataclass(frozen=True)
class AssignmentAcknowledged(Event):
    TAG: ClassVar[str] = "assignment.acknowledged"
    no: int


@dataclass(frozen=True)
class AssignmentContacted(Event):
    TAG: ClassVar[str] = "assignment.contacted"
    no: int
    note: str | None = None


@dataclass(frozen=True)
class AssignmentDelegated(Event):
    TAG: ClassVar[str] = "assignment.delegated"
    no: int
    child: NewAssignment
    note: str | None = None


@dataclass(frozen=True)
class AssignmentReplied(Event):
    TAG: ClassVar[str] = "assignment.replied"
    no: int
    reply: str
    media: tuple[str, ...] = ()  # photos stored with the reply (media/), by name
    before: tuple[str, ...] = ()  # a grid worker's photos of the place before the work …
    after: tuple[str, ...] = ()  # … and after it


@dataclass(frozen=True)
class AssignmentArrived(Event):
    """The holder recorded arrival on site; the position when the phone had one (WGS-84)."""

    TAG: ClassVar[str] = "assignment.arrived"
    no: int
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class VerificationRequested(Event):
    TAG: ClassVar[str] = "verification.requested"
    no: int
    grid_unit: int
    note: str | None = None


@dataclass(frozen=True)
class VerificationPassed(Event):
    TAG: ClassVar[str] = "verification.passed"
    no: int
    grid_unit: int
    note: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerificationFailed(Event):
    """The grid found the reply untrue: the assignment goes back to work with its deadlines."""

    TAG: ClassVar[str] = "verification.failed"
    no: int
    grid_unit: int
    reason: str
    latitude: float | None = None
    longitude: float | None = None
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssignmentApproved(Event):
    """A reply accepted by its reviewer; a delegated child's approved reply goes up to its parent."""

    TAG: ClassVar[str] = "assignment.approved"
    no: int
    reason: str | None = None


@dataclass(frozen=True)
class AssignmentRejected(Event):
    TAG: ClassVar[str] = "assignment.rejected"
    no: int
    reason: str


@dataclass(frozen=True)
class AssignmentSentBack(Event):
    TAG: ClassVar[str] = "assignment.sent_back"
    no: int
    reason: str


@dataclass(frozen=True)
class SendBackAccepted(Event):
    TAG: ClassVar[str] = "assignment.send_back_accepted"
    no: int
    reason: str | None = None
    redispatch: tuple[NewAssignment, ...] = ()


@dataclass(frozen=True)
class SendBackRejected(Event):
    TAG: ClassVar[str] = "assignment.send_back_rejected"
    no: int
    reason: str


@dataclass(frozen=True)
class AssignmentUrged(Event):
    """A reminder to the holder (催办): by a person, or by the sweeper when a deadline passes."""

    TAG: ClassVar[str] = "assignment.urged"
    no: int
    note: str | None = None
    automatic: bool = False
    step: str | None = None


@dataclass(frozen=True)
class DeadlineWarned(Event):
    """The warning share of a step's time is used (预警); recorded once per deadline."""

    TAG: ClassVar[str] = "assignment.deadline_warning"
    no: int
    step: str
    due_at: datetime


@dataclass(frozen=True)
class DeadlinePassed(Event):
    """A step's deadline passed with the step not done (超期); recorded once per deadline."""

    TAG: ClassVar[str] = "assignment.overdue"
    no: int
    step: str
    due_at: datetime


@dataclass(frozen=True)
class AssignmentEscalated(Event):
    """A supervised ticket's assignment went overdue: its superior unit and the supervisors are told."""

    TAG: ClassVar[str] = "assignment.escalated"
    no: int
    step: str
    superior_unit: int | None = None


@dataclass(frozen=True)
class ExtensionRequested(Event):
    TAG: ClassVar[str] = "assignment.extension_requested"
    no: int
    until: datetime
    reason: str


@dataclass(frozen=True)
class ExtensionApproved(Event):
    TAG: ClassVar[str] = "assignment.extension_approved"
    no: int
    until: datetime
    reason: str | None = None
    warn_at: datetime | None = None


@dataclass(frozen=True)
class ExtensionRefused(Event):
    TAG: ClassVar[str] = "assignment.extension_refused"
    no: int
    reason: str | None = None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TAG: cls
    for cls in (
        TicketReceived,
        TicketAnswered,
        TicketDispatched,
        TicketHandedOff,
        TicketWithdrawn,
        TicketMerged,
        DuplicateAttached,
        TicketSupervised,
        InformationAdded,
        TicketFollowedUp,
        TicketReopened,
        TicketClosed,
        AssignmentAcknowledged,
        AssignmentContacted,
        AssignmentDelegated,
        AssignmentReplied,
        AssignmentApproved,
        AssignmentRejected,
        AssignmentSentBack,
        SendBackAccepted,
        SendBackRejected,
        AssignmentUrged,
        DeadlineWarned,
        DeadlinePassed,
        AssignmentEscalated,
        ExtensionRequested,
        ExtensionApproved,
        ExtensionRefused,
        AssignmentArrived,
        VerificationRequested,
        VerificationPassed,
        VerificationFailed,
    )
}


# --- storage form ----------------------------------------------------------------------------


def to_payload(event: Event) -> dict[str, Any]:
    """A JSON-ready dict of the event's fields (datetimes as ISO 8601, enums as their values)."""
    return {f.name: _dump(getattr(event, f.name)) for f in dataclasses.fields(event)}


def from_payload(tag: str, payload: dict[str, Any]) -> Event:
    """Rebuild an event from its tag and stored payload; unknown tags are a programming error."""
    cls = EVENT_TYPES[tag]
    return _load(cls, payload)  # type: ignore[no-any-return]


def _dump(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """Field types per event class, resolved once: resolving them is most of the cost of a replay."""
    return typing.get_type_hints(cls)


def _load(cls: type, data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs = {f.name: _coerce(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.name in data}
    return cls(**kwargs)


def _coerce(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(inner[0], value)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        return tuple(_coerce(item, v) for v in value)
    if isinstance(hint, type):
        if issubclass(hint, Enum):
            return hint(value)
        if hint is datetime:
            return datetime.fromisoformat(value)
        if dataclasses.is_dataclass(hint):
            return _load(hint, value)
    return value
