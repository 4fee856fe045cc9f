"""The ticket workflow: pure rules from command to events, and from events to state.

`decide(ticket, command, ctx)` checks a command against the current state and answers with the
events it causes, or raises `DomainError`. `evolve(ticket, record)` applies one recorded event.
`handle` does both and wraps each event with who, when, and the status before and after — the
record the event log stores. `replay` folds a stored log back into the state, so the stored
current-state rows can always be checked against the log.

Status is derived, never set by hand: the centre's phase (received, answered, handling, followed
up, closed, and the side exits) plus, while handling, the state of the current lead assignment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from hotline.domain import commands as c
from hotline.domain import events as e
from hotline.domain.errors import DomainError, conflict, forbidden, invalid, not_found
from hotline.domain.permissions import ReviewerTree, check_role, may_review, not_reviewer, reviewer_of
from hotline.domain.vocabulary import (
    OPEN_ASSIGNMENT_STATES,
    TERMINAL_STATUSES,
    WORKING_STATES,
    AssignmentRole,
    AssignmentState,
    Channel,
    DeadlineOutcome,
    DeadlineStep,
    EmergencyService,
    FollowUpMethod,
    Kind,
    Role,
    Satisfaction,
    TicketStatus,
    Urgency,
)

# --- who acts, when, and what they may look up -------------------------------------------------


class UnitTree(Protocol):
    """The part of the unit directory the rules need: is one unit below another?"""

    def is_descendant(self, unit: int, ancestor: int) -> bool: ...


class DeadlineCalculator(Protocol):
    """Time limits from the centre's policy, calendar and time zone (adapter: ``hotline.sla``).

    Passed in through the ``Context`` so the rules stay pure: the workflow decides *when* deadlines
    are set (dispatch, re-dispatch, reopen, delegation, an approved extension), the calculator *what*
    they are.
    """

    def deadlines(
        self, *, urgency: str, kind: str, category: str | None, complex: bool, start: datetime
    ) -> tuple[e.Deadline, ...]:
        """The deadlines of a new assignment made at ``start``, one per step that has a limit."""
        ...

    def warning_at(self, start: datetime, due: datetime, limit: str) -> datetime:
        """When the warning share of the window from ``start`` to ``due`` is used."""
        ...


@dataclass(frozen=True)
class Actor:
    role: Role
    user_id: int | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class Context:
    actor: Actor
    now: datetime
    units: UnitTree | None = None
    centre_unit: int | None = None
    deadlines: DeadlineCalculator | None = None
    reviewers: ReviewerTree | None = None


# --- state -----------------------------------------------------------------------------------


class Phase(StrEnum):
    """Where the centre has the ticket; the unit side of the status comes from the assignments."""

    RECEIVED = "received"
    ANSWERED = "answered"
    HANDLING = "handling"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    HANDED_OFF = "handed_off"


@dataclass(frozen=True)
class StepDeadline:
    """A step's deadline in the state, with what the sweeper has already recorded about it."""

    step: DeadlineStep
    limit: str
    due_at: datetime
    warn_at: datetime | None = None
    warned: bool = False
    overdue: bool = False

    @classmethod
    def of(cls, d: e.Deadline) -> StepDeadline:
        return cls(DeadlineStep(d.step), d.limit, d.due_at, d.warn_at)


@dataclass(frozen=True)
class Assignment:
    no: int
    unit: int
    role: AssignmentRole
    state: AssignmentState
    dispatched_at: datetime
    parent_no: int | None = None
    acknowledged_at: datetime | None = None
    contacted_at: datetime | None = None
    replied_at: datetime | None = None
    reviewed_at: datetime | None = None
    reply: str | None = None
    # the photos stored with the reply (media names): a child's go up with its approved reply
    reply_media: tuple[str, ...] = ()
    send_back_reason: str | None = None
    state_before_send_back: AssignmentState | None = None
    pending_extension_until: datetime | None = None
    pending_extension_reason: str | None = None
    reply_due_at: datetime | None = None
    original_reply_due_at: datetime | None = None
    extensions_approved: int = 0
    rejections: int = 0
    improper_send_backs: int = 0
    urges: int = 0
    deadlines: tuple[StepDeadline, ...] = ()
    escalations: int = 0
    arrived_at: datetime | None = None
    verify_unit: int | None = None  # the grid asked to verify the reply on site, while it is asked
    verify_requested_at: datetime | None = None
    verifications_failed: int = 0

    def deadline(self, step: DeadlineStep) -> StepDeadline | None:
        return next((d for d in self.deadlines if d.step is step), None)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ASSIGNMENT_STATES

    @property
    def awaits_send_back_decision(self) -> bool:
        return self.state is AssignmentState.SENT_BACK and self.state_before_send_back is not None

    @property
    def is_settled(self) -> bool:
        """Nothing more can happen to it: approved, cancelled, or a send-back that was accepted."""
        return self.state in (AssignmentState.APPROVED, AssignmentState.CANCELLED) or (
            self.state is AssignmentState.SENT_BACK and self.state_before_send_back is None
        )


@dataclass(frozen=True)
class FollowUp:
    contacted: bool
    solved: bool
    satisfaction: Satisfaction
    method: FollowUpMethod
    at: datetime
    note: str | None = None


@dataclass(frozen=True)
class Ticket:
    channel: Channel
    kind: Kind
    urgency: Urgency
    content: str
    tracking_code: str
    received_at: datetime
    updated_at: datetime
    status: TicketStatus
    phase: Phase
    version: int
    title: str | None = None
    category: str | None = None
    citizen_name: str | None = None
    citizen_phone: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    intake_seconds: int | None = None  # the operator's handling time at intake, when measured
    assignments: tuple[Assignment, ...] = ()
    lead_no: int | None = None
    supervised: bool = False
    complex: bool = False
    reopen_count: int = 0
    answer: str | None = None
    follow_up: FollowUp | None = None
    merged_into: int | None = None
    duplicates: tuple[int, ...] = ()
    handed_off_to: EmergencyService | None = None
    close_reason: str | None = None
    closed_at: datetime | None = None

    def assignment(self, no: int) -> Assignment:
        for a in self.assignments:
            if a.no == no:
                return a
        raise not_found("assignment.not_found", no=no)

    @property
    def lead(self) -> Assignment | None:
        return None if self.lead_no is None else self.assignment(self.lead_no)

    @property
    def next_assignment_no(self) -> int:
        return max((a.no for a in self.assignments), default=0) + 1


@dataclass(frozen=True)
class Recorded:
    """One entry of the event log: the event, who caused it, when, and the status it moved."""

    seq: int
    event: e.Event
    actor: Actor
    occurred_at: datetime
    from_status: TicketStatus | None
    to_status: TicketStatus


# --- status ------------------------------------------------------------------------------------

_PHASE_STATUS = {
    Phase.RECEIVED: TicketStatus.RECEIVED,
    Phase.ANSWERED: TicketStatus.ANSWERED,
    Phase.FOLLOWED_UP: TicketStatus.FOLLOWED_UP,
    Phase.CLOSED: TicketStatus.CLOSED,
    Phase.MERGED: TicketStatus.MERGED,
    Phase.WITHDRAWN: TicketStatus.WITHDRAWN,
    Phase.HANDED_OFF: TicketStatus.HANDED_OFF,
}

_LEAD_STATUS = {
    AssignmentState.ACKNOWLEDGED: TicketStatus.IN_PROGRESS,
    AssignmentState.CONTACTED: TicketStatus.IN_PROGRESS,
    AssignmentState.DELEGATED: TicketStatus.IN_PROGRESS,
    AssignmentState.REPLIED: TicketStatus.REPLIED,
    AssignmentState.APPROVED: TicketStatus.REVIEWED,
    AssignmentState.SENT_BACK: TicketStatus.SENT_BACK,
}


def derive_status(ticket: Ticket) -> TicketStatus:
    """The ticket's status from the centre's phase and the current lead assignment."""
    if ticket.phase is not Phase.HANDLING:
        return _PHASE_STATUS[ticket.phase]
    lead = ticket.lead
    if lead is None:  # cannot happen: handling always has a lead; kept explicit for safety
        return TicketStatus.RECEIVED
    if lead.state is AssignmentState.PENDING:
        return TicketStatus.REOPENED if ticket.reopen_count else TicketStatus.DISPATCHED
    if lead.state is AssignmentState.CANCELLED:
        return TicketStatus.RECEIVED
    return _LEAD_STATUS[lead.state]


# --- decide ------------------------------------------------------------------------------------


def decide(ticket: Ticket | None, command: c.Command, ctx: Context) -> list[e.Event]:
    """The events a command causes, or a `DomainError` saying why it is refused."""
    check_role(command, ctx.actor.role)
    if isinstance(command, c.SubmitTicket):
        if ticket is not None:
            raise conflict("transition.not_allowed", action=command.action(), current=ticket.status.value)
        return [_received(command)]
    if ticket is None:
        raise not_found("ticket.not_found")
    if ticket.status in TERMINAL_STATUSES:
        raise conflict("ticket.terminal", current=ticket.status.value)
    handler = _DECIDERS[type(command)]
    return handler(ticket, command, ctx)


def _received(cmd: c.SubmitTicket) -> e.TicketReceived:
    return e.TicketReceived(
        channel=cmd.channel,
        kind=cmd.kind,
        urgency=cmd.urgency,
        content=cmd.content,
        tracking_code=cmd.tracking_code,
        title=cmd.title,
        category=cmd.category,
        citizen_name=cmd.citizen_name,
        citizen_phone=cmd.citizen_phone,
        address=cmd.address,
        latitude=cmd.latitude,
        longitude=cmd.longitude,
        intake_seconds=cmd.intake_seconds,
    )


def _require_status(ticket: Ticket, command: c.Command, *allowed: TicketStatus) -> None:
    if ticket.status not in allowed:
        raise conflict("transition.not_allowed", action=command.action(), current=ticket.status.value)


def _require_state(a: Assignment, command: c.Command, *allowed: AssignmentState) -> None:
    if a.state not in allowed:
        raise conflict("transition.not_allowed", action=command.action(), current=a.state.value)


def _require_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise invalid("reason.required")
    return reason.strip()


def _holder(ticket: Ticket, no: int, ctx: Context) -> Assignment:
    a = ticket.assignment(no)
    if ctx.actor.unit_id != a.unit:
        raise forbidden("permission.not_holder")
    return a


def _reviewed_assignment(ticket: Ticket, no: int, ctx: Context) -> Assignment:
    """The assignment a reviewer decides on; its reviewer is the centre for what the centre
    dispatched, else the nearest unit at or above the delegating one that has reviewers."""
    a = ticket.assignment(no)
    reviewer = reviewer_of(delegating_unit(ticket, a), ctx.reviewers)
    if not may_review(ctx.actor.role, ctx.actor.unit_id, reviewer):
        raise not_reviewer(reviewer)
    return a


def delegating_unit(ticket: Ticket, a: Assignment) -> int | None:
    """The unit that passed this work down; None for what the centre dispatched."""
    return None if a.parent_no is None else ticket.assignment(a.parent_no).unit


def _fresh_deadlines(
    ticket: Ticket, ctx: Context, *, category: str | None = None, complex: bool | None = None
) -> tuple[e.Deadline, ...]:
    """Deadlines of an assignment made now, from the policy; none without a calculator."""
    if ctx.deadlines is None:
        return ()
    return ctx.deadlines.deadlines(
        urgency=ticket.urgency.value,
        kind=ticket.kind.value,
        category=category if category is not None else ticket.category,
        complex=ticket.complex if complex is None else complex,
        start=ctx.now,
    )


def _new_assignments(
    ticket: Ticket,
    lead_unit: int,
    assist_units: Iterable[int],
    ctx: Context,
    deadlines: tuple[e.Deadline, ...] = (),
) -> tuple[e.NewAssignment, ...]:
    assists = tuple(assist_units)
    if lead_unit in assists or len(set(assists)) != len(assists):
        raise invalid("dispatch.duplicate_unit")
    if ctx.centre_unit is not None and ctx.centre_unit in (lead_unit, *assists):
        raise invalid("dispatch.centre")
    first = ticket.next_assignment_no
    made = [e.NewAssignment(no=first, unit=lead_unit, role=AssignmentRole.LEAD, deadlines=deadlines)]
    made += [
        e.NewAssignment(no=first + 1 + i, unit=u, role=AssignmentRole.ASSIST, deadlines=deadlines)
        for i, u in enumerate(assists)
    ]
    return tuple(made)


def _answer(t: Ticket, cmd: c.AnswerAtIntake, ctx: Context) -> list[e.Event]:
    _require_status(t, cmd, TicketStatus.RECEIVED)
    if t.kind is not Kind.CONSULTATION:  # a complaint or a report needs a unit to act, not words
        raise invalid("answer.not_consultation", field="answer", ticket_kind=t.kind.value)
    if not cmd.answer.strip():
        raise invalid("reason.required")
    return [e.TicketAnswered(answer=cmd.answer.strip())]


def _dispatch(t: Ticket, cmd: c.Dispatch, ctx: Context) -> list[e.Event]:
    _require_status(t, cmd, TicketStatus.RECEIVED)
    deadlines = _fresh_deadlines(t, ctx, category=cmd.category, complex=cmd.complex)
    made = _new_assignments(t, cmd.lead_unit, cmd.assist_units, ctx, deadlines)
    return [e.TicketDispatched(assignments=made, category=cmd.category, note=cmd.note, complex=cmd.complex)]


def _hand_off(t: Ticket, cmd: c.HandOff, ctx: Context) -> list[e.Event]:
    _require_status(t, cmd, TicketStatus.RECEIVED, TicketStatus.DISPATCHED, TicketStatus.REOPENED)
    return [e.TicketHandedOff(service=cmd.service, reason=_require_reason(cmd.reason))]


def _withdraw(t: Ticket, cmd: c.Withdraw, ctx: Context) -> list[e.Event]:
    return [e.TicketWithdrawn(reason=_require_reason(cmd.reason))]


_MERGEABLE = (
    TicketStatus.RECEIVED,
    TicketStatus.DISPATCHED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.REOPENED,
    TicketStatus.SENT_BACK,
)


def _add_information(t: Ticket, cmd: c.AddInformation, ctx: Context) -> list[e.Event]:
    text = (cmd.text or "").strip() or None
    if text is None and not cmd.media:
        raise invalid("information.empty", field="text")
    return [e.InformationAdded(text=text, media=tuple(cmd.media))]


def _merge(t: Ticket, cmd: c.MergeInto, ctx: Context) -> list[e.Event]:
    if cmd.this_ticket is not None and cmd.this_ticket == cmd.target_ticket:
        raise invalid("merge.self")
    _require_status(t, cmd, *_MERGEABLE)
    if cmd.target_status in {s.value for s in TERMINAL_STATUSES}:
        raise conflict("merge.target_finished")
    return [e.TicketMerged(into_ticket=cmd.target_ticket, reason=cmd.reason)]


def _attach(t: Ticket, cmd: c.AttachDuplicate, ctx: Context) -> list[e.Event]:
    return [e.DuplicateAttached(duplicate_ticket=cmd.duplicate_ticket)]


def _supervise(t: Ticket, cmd: c.Supervise, ctx: Context) -> list[e.Event]:
    if t.supervised:
        raise conflict("supervise.already")
    return [e.TicketSupervised(note=cmd.note)]


def _urge(t: Ticket, cmd: c.Urge, ctx: Context) -> list[e.Event]:
    a = t.assignment(cmd.assignment_no)
    _require_state(a, cmd, *OPEN_ASSIGNMENT_STATES)
    return [e.AssignmentUrged(no=a.no, note=cmd.note)]


def _follow_up(t: Ticket, cmd: c.RecordFollowUp, ctx: Context) -> list[e.Event]:
    _require_status(t, cmd, TicketStatus.REVIEWED, TicketStatus.ANSWERED)
    return [
        e.TicketFollowedUp(
            contacted=cmd.contacted,
            solved=cmd.solved,
            satisfaction=cmd.satisfaction,
            method=cmd.method,
            note=cmd.note,
        )
    ]


def _reopen(t: Ticket, cmd: c.Reopen, ctx: Context) -> list[e.Event]:
    _require_status(t, cmd, TicketStatus.FOLLOWED_UP)
    reason = _require_reason(cmd.reason)
    lead = t.lead
    again = (
        None
        if lead is None
        else e.NewAssignment(
            no=t.next_assignment_no,
            unit=lead.unit,
            role=AssignmentRole.LEAD,
            deadlines=_fresh_deadlines(t, ctx),
        )
    )
    return [e.TicketReopened(reason=reason, assignment=again)]


def _close(t: Ticket, cmd: c.Close, ctx: Context) -> list[e.Event]:
    _require_status(t, cmd, TicketStatus.FOLLOWED_UP, TicketStatus.ANSWERED, TicketStatus.REVIEWED)
    unhappy = t.status is TicketStatus.REVIEWED or (
        t.follow_up is not None and t.follow_up.satisfaction is Satisfaction.UNSATISFIED
    )
    reason = cmd.reason.strip() if cmd.reason and cmd.reason.strip() else None
    if unhappy and reason is None:
        raise invalid("close.reason_required")
    return [e.TicketClosed(reason=reason)]


def _acknowledge(t: Ticket, cmd: c.Acknowledge, ctx: Context) -> list[e.Event]:
    a = _holder(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, AssignmentState.PENDING)
    return [e.AssignmentAcknowledged(no=a.no)]


def _contact(t: Ticket, cmd: c.RecordContact, ctx: Context) -> list[e.Event]:
    a = _holder(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, AssignmentState.ACKNOWLEDGED)
    return [e.AssignmentContacted(no=a.no, note=cmd.note)]


def _delegate(t: Ticket, cmd: c.Delegate, ctx: Context) -> list[e.Event]:
    a = _holder(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, *WORKING_STATES)
    if ctx.units is None or cmd.to_unit == a.unit or not ctx.units.is_descendant(cmd.to_unit, a.unit):
        raise invalid("delegate.not_subordinate")
    child = e.NewAssignment(
        no=t.next_assignment_no,
        unit=cmd.to_unit,
        role=a.role,
        parent_no=a.no,
        deadlines=_child_deadlines(t, a, ctx),
    )
    return [e.AssignmentDelegated(no=a.no, child=child, note=cmd.note)]


def _child_deadlines(t: Ticket, parent: Assignment, ctx: Context) -> tuple[e.Deadline, ...]:
    """A delegated child acknowledges within the policy's limit from now, and inherits the parent's
    open contact and reply deadlines: the parent still answers for them, the child does the work."""
    if ctx.deadlines is None:
        return ()
    own = [d for d in _fresh_deadlines(t, ctx) if d.step == DeadlineStep.ACKNOWLEDGE]
    inherited = [
        e.Deadline(d.step.value, d.limit, d.due_at, ctx.deadlines.warning_at(ctx.now, d.due_at, d.limit))
        for d in parent.deadlines
        if d.step is not DeadlineStep.ACKNOWLEDGE and step_open(parent, d.step)
    ]
    return (*own, *inherited)


def _reply(t: Ticket, cmd: c.Reply, ctx: Context) -> list[e.Event]:
    a = _holder(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, *WORKING_STATES)
    reply = _require_reason(cmd.reply)
    return [
        e.AssignmentReplied(
            no=a.no, reply=reply, media=tuple(cmd.media), before=tuple(cmd.before), after=tuple(cmd.after)
        )
    ]


def _arrive(t: Ticket, cmd: c.RecordArrival, ctx: Context) -> list[e.Event]:
    """Arrival on site, once per assignment, while the holder works on it."""
    a = _holder(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, *WORKING_STATES)
    if a.arrived_at is not None:
        raise conflict("arrival.already")
    lat, lon = _position(cmd.latitude, cmd.longitude)
    return [e.AssignmentArrived(no=a.no, latitude=lat, longitude=lon)]


def _position(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    """A WGS-84 point, both coordinates or neither; refused naming `latitude`."""
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise invalid("position.invalid", field="latitude")
    return round(lat, 7), round(lon, 7)


def may_ask_verification(a: Assignment, actor: Actor, units: UnitTree | None) -> bool:
    """Who may ask a grid to verify a reply: the centre (dispatcher, supervisor) for any reply; a
    unit reviewer for a reply of its own unit or of a unit below it (a unit above the holder)."""
    if actor.role in (Role.DISPATCHER, Role.SUPERVISOR):
        return True
    if actor.role is not Role.UNIT_REVIEWER or actor.unit_id is None:
        return False
    if a.unit == actor.unit_id:
        return True
    return units is not None and units.is_descendant(a.unit, actor.unit_id)


def _request_verification(t: Ticket, cmd: c.RequestVerification, ctx: Context) -> list[e.Event]:
    a = t.assignment(cmd.assignment_no)
    if not may_ask_verification(a, ctx.actor, ctx.units):
        raise forbidden("verification.not_above")
    _require_state(a, cmd, AssignmentState.REPLIED)
    if a.verify_unit is not None:
        raise conflict("verification.pending")
    note = cmd.note.strip() if cmd.note and cmd.note.strip() else None
    return [e.VerificationRequested(no=a.no, grid_unit=cmd.grid_unit, note=note)]


def _answer_verification(t: Ticket, cmd: c.AnswerVerification, ctx: Context) -> list[e.Event]:
    """The asked grid's finding. Failed needs a reason and sends the reply back to the unit, which
    works on with the deadlines it had (as after a rejected reply)."""
    a = t.assignment(cmd.assignment_no)
    if a.verify_unit is None:
        raise conflict("verification.none_pending")
    if ctx.actor.unit_id != a.verify_unit:
        raise forbidden("verification.not_grid")
    lat, lon = _position(cmd.latitude, cmd.longitude)
    note = cmd.note.strip() if cmd.note and cmd.note.strip() else None
    if cmd.passed:
        return [
            e.VerificationPassed(
                no=a.no,
                grid_unit=a.verify_unit,
                note=note,
                latitude=lat,
                longitude=lon,
                media=tuple(cmd.media),
            )
        ]
    if note is None:
        raise invalid("reason.required", field="note")
    return [
        e.VerificationFailed(
            no=a.no, grid_unit=a.verify_unit, reason=note, latitude=lat, longitude=lon, media=tuple(cmd.media)
        )
    ]


def _send_back(t: Ticket, cmd: c.SendBack, ctx: Context) -> list[e.Event]:
    a = _holder(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, AssignmentState.PENDING, *WORKING_STATES)
    return [e.AssignmentSentBack(no=a.no, reason=_require_reason(cmd.reason))]


def _request_extension(t: Ticket, cmd: c.RequestExtension, ctx: Context) -> list[e.Event]:
    a = _holder(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, *WORKING_STATES, AssignmentState.DELEGATED)
    if a.pending_extension_until is not None:
        raise conflict("extension.pending")
    if cmd.until.utcoffset() is None:  # cannot be compared with now, nor stored unambiguously
        raise invalid("validation.failed")
    if cmd.until <= ctx.now or (a.reply_due_at is not None and cmd.until <= a.reply_due_at):
        raise invalid("extension.not_later")
    return [e.ExtensionRequested(no=a.no, until=cmd.until, reason=_require_reason(cmd.reason))]


def _review(t: Ticket, cmd: c.ReviewReply, ctx: Context) -> list[e.Event]:
    a = _reviewed_assignment(t, cmd.assignment_no, ctx)
    _require_state(a, cmd, AssignmentState.REPLIED)
    if a.verify_unit is not None:  # the grid's finding first: it may send the reply back
        raise conflict("verification.pending")
    if not cmd.approve:
        return [e.AssignmentRejected(no=a.no, reason=_require_reason(cmd.reason))]
    if a.parent_no is None and a.role is AssignmentRole.LEAD:
        others_open = any(
            x.role is AssignmentRole.ASSIST
            and x.parent_no is None
            and (x.is_open or x.awaits_send_back_decision)
            for x in t.assignments
        )
        if others_open:
            raise conflict("ticket.assists_open")
    return [e.AssignmentApproved(no=a.no, reason=cmd.reason)]


def _decide_send_back(t: Ticket, cmd: c.DecideSendBack, ctx: Context) -> list[e.Event]:
    a = _reviewed_assignment(t, cmd.assignment_no, ctx)
    if not a.awaits_send_back_decision:
        raise conflict("send_back.none_pending")
    if not cmd.accept:
        return [e.SendBackRejected(no=a.no, reason=_require_reason(cmd.reason))]
    redispatch: tuple[e.NewAssignment, ...] = ()
    if cmd.redispatch_to is not None:
        if a.parent_no is not None or a.role is not AssignmentRole.LEAD:
            raise invalid("assignment.not_top_level")
        redispatch = _new_assignments(
            t, cmd.redispatch_to, cmd.redispatch_assists, ctx, _fresh_deadlines(t, ctx)
        )
    return [e.SendBackAccepted(no=a.no, reason=cmd.reason, redispatch=redispatch)]


def _decide_extension(t: Ticket, cmd: c.DecideExtension, ctx: Context) -> list[e.Event]:
    a = t.assignment(cmd.assignment_no)
    if a.pending_extension_until is None:
        raise conflict("extension.none_pending")
    # Once the unit has replied (or the work is settled) more time means nothing: refuse to decide.
    _require_state(a, cmd, *OPEN_ASSIGNMENT_STATES)
    if cmd.approve:
        until = a.pending_extension_until
        reply = a.deadline(DeadlineStep.REPLY)
        warn_at = None
        if ctx.deadlines is not None and reply is not None:
            warn_at = ctx.deadlines.warning_at(a.dispatched_at, until, reply.limit)
        return [e.ExtensionApproved(no=a.no, until=until, reason=cmd.reason, warn_at=warn_at)]
    return [e.ExtensionRefused(no=a.no, reason=_require_reason(cmd.reason))]


def _record_deadline(t: Ticket, cmd: c.RecordDeadline, ctx: Context) -> list[e.Event]:
    """Warning or overdue, each at most once per deadline: the state refuses a second recording, so
    two sweepers racing on one ticket cannot both write it (the loser also fails the version check)."""
    a = t.assignment(cmd.assignment_no)
    step, outcome = DeadlineStep(cmd.step), DeadlineOutcome(cmd.outcome)
    d = a.deadline(step)
    if d is None or not step_open(a, step):
        raise conflict("deadline.not_open", step=step.value)
    if d.due_at != cmd.due_at:
        raise conflict("deadline.stale", step=step.value)
    if d.overdue or (outcome is DeadlineOutcome.WARNING and d.warned):
        raise conflict("deadline.already_recorded", step=step.value)
    passed = ctx.now > d.due_at
    if outcome is DeadlineOutcome.WARNING:
        if d.warn_at is None or ctx.now < d.warn_at or passed:
            raise conflict("deadline.not_reached", step=step.value)
        return [e.DeadlineWarned(no=a.no, step=step.value, due_at=d.due_at)]
    if not passed:
        raise conflict("deadline.not_reached", step=step.value)
    events: list[e.Event] = [
        e.DeadlinePassed(no=a.no, step=step.value, due_at=d.due_at),
        e.AssignmentUrged(no=a.no, automatic=True, step=step.value),
    ]
    if t.supervised:
        superior = t.assignment(a.parent_no).unit if a.parent_no is not None else cmd.superior_unit
        events.append(e.AssignmentEscalated(no=a.no, step=step.value, superior_unit=superior))
    return events


# --- deadlines: which steps are still owed, and when the sweeper must look again -----------------

_STEP_OPEN_STATES = {
    DeadlineStep.ACKNOWLEDGE: frozenset({AssignmentState.PENDING}),
    DeadlineStep.CONTACT: frozenset({AssignmentState.PENDING, AssignmentState.ACKNOWLEDGED}),
    DeadlineStep.REPLY: OPEN_ASSIGNMENT_STATES,
}
# Overdue means strictly after the deadline (finishing at the very instant is on time).
_JUST_AFTER = timedelta(microseconds=1)


def step_open(a: Assignment, step: DeadlineStep) -> bool:
    """Whether the assignment still owes this step: acknowledge while pending; contact until it
    contacted (or delegated: the child inherits it); reply while the assignment is open."""
    if step is DeadlineStep.CONTACT and a.contacted_at is not None:
        return False
    return a.state in _STEP_OPEN_STATES[step]


def _trigger(a: Assignment, d: StepDeadline) -> tuple[datetime, DeadlineOutcome] | None:
    if d.overdue or not step_open(a, d.step):
        return None
    if not d.warned and d.warn_at is not None and d.warn_at <= d.due_at:
        return d.warn_at, DeadlineOutcome.WARNING
    return d.due_at + _JUST_AFTER, DeadlineOutcome.OVERDUE


def next_check_at(a: Assignment) -> datetime | None:
    """The next instant something is to be recorded about this assignment; None when nothing is.

    Stored (indexed) with the assignment, so a sweep is one range scan of what is due."""
    times = [trig[0] for d in a.deadlines if (trig := _trigger(a, d)) is not None]
    return min(times) if times else None


def due_records(
    ticket: Ticket, now: datetime, nos: Iterable[int] | None = None, superiors: dict[int, int] | None = None
) -> list[c.RecordDeadline]:
    """What the sweeper should record at ``now``: per open step, overdue if passed (a warning that
    is no longer news is skipped), else a warning once its share is used."""
    if ticket.status in TERMINAL_STATUSES:
        return []
    wanted = set(nos) if nos is not None else None
    found: list[c.RecordDeadline] = []
    for a in ticket.assignments:
        if wanted is not None and a.no not in wanted:
            continue
        for d in a.deadlines:
            trig = _trigger(a, d)
            if trig is None:
                continue
            if now > d.due_at:
                outcome = DeadlineOutcome.OVERDUE
            elif trig[1] is DeadlineOutcome.WARNING and now >= trig[0]:
                outcome = DeadlineOutcome.WARNING
            else:
                continue
            found.append(
                c.RecordDeadline(
                    assignment_no=a.no,
                    step=d.step,
                    outcome=outcome,
                    due_at=d.due_at,
                    superior_unit=(superiors or {}).get(a.unit),
                )
            )
    return found


_DECIDERS: dict[type[c.Command], Callable[[Ticket, Any, Context], list[e.Event]]] = {
    c.AnswerAtIntake: _answer,
    c.Dispatch: _dispatch,
    c.HandOff: _hand_off,
    c.Withdraw: _withdraw,
    c.AddInformation: _add_information,
    c.MergeInto: _merge,
    c.AttachDuplicate: _attach,
    c.Supervise: _supervise,
    c.Urge: _urge,
    c.RecordDeadline: _record_deadline,
    c.RecordFollowUp: _follow_up,
    c.Reopen: _reopen,
    c.Close: _close,
    c.Acknowledge: _acknowledge,
    c.RecordContact: _contact,
    c.Delegate: _delegate,
    c.Reply: _reply,
    c.SendBack: _send_back,
    c.RequestExtension: _request_extension,
    c.ReviewReply: _review,
    c.DecideSendBack: _decide_send_back,
    c.DecideExtension: _decide_extension,
    c.RecordArrival: _arrive,
    c.RequestVerification: _request_verification,
    c.AnswerVerification: _answer_verification,
}


# --- what an actor may do now (pages show only these; `decide` still refuses anything else) -----


class _AnyBelow:
    """A unit tree in which every unit is below every other: lets a probe of `Delegate` pass the
    subordinate check (which unit to pass the work to is the form's choice, checked when sent)."""

    def is_descendant(self, unit: int, ancestor: int) -> bool:
        return True


_PROBE_TEXT = "-"
_PROBES: dict[str, Callable[[int, datetime], c.Command]] = {
    "acknowledge": lambda no, now: c.Acknowledge(assignment_no=no),
    "contact": lambda no, now: c.RecordContact(assignment_no=no),
    "delegate": lambda no, now: c.Delegate(assignment_no=no, to_unit=-1),
    "reply": lambda no, now: c.Reply(assignment_no=no, reply=_PROBE_TEXT),
    "send_back": lambda no, now: c.SendBack(assignment_no=no, reason=_PROBE_TEXT),
    "extension": lambda no, now: c.RequestExtension(
        assignment_no=no, until=now + timedelta(days=3650), reason=_PROBE_TEXT
    ),
    "review": lambda no, now: c.ReviewReply(assignment_no=no, approve=False, reason=_PROBE_TEXT),
    "decide_send_back": lambda no, now: c.DecideSendBack(assignment_no=no, accept=False, reason=_PROBE_TEXT),
    "decide_extension": lambda no, now: c.DecideExtension(
        assignment_no=no, approve=False, reason=_PROBE_TEXT
    ),
    "arrive": lambda no, now: c.RecordArrival(assignment_no=no),
    "request_verification": lambda no, now: c.RequestVerification(assignment_no=no, grid_unit=-1),
    "answer_verification": lambda no, now: c.AnswerVerification(assignment_no=no, passed=True),
}
ASSIGNMENT_ACTIONS = tuple(_PROBES)


def possible_actions(ticket: Ticket, ctx: Context) -> dict[int, frozenset[str]]:
    """For each assignment, the actions (names of `ASSIGNMENT_ACTIONS`) the actor may take now:
    asked of `decide` itself with a harmless probe of each command, so what a page offers can
    never drift from what the rules accept. (An approval that waits for assisting units is still
    offered with the review: the refusal then says why.)"""
    probe_ctx = replace(ctx, units=_AnyBelow(), deadlines=None)
    found: dict[int, frozenset[str]] = {}
    for a in ticket.assignments:
        allowed = set()
        for name, probe in _PROBES.items():
            try:
                decide(ticket, probe(a.no, ctx.now), probe_ctx)
            except DomainError:
                continue
            allowed.add(name)
        found[a.no] = frozenset(allowed)
    return found


# --- evolve ------------------------------------------------------------------------------------


def _set(ticket: Ticket, a: Assignment) -> Ticket:
    return replace(ticket, assignments=tuple(a if x.no == a.no else x for x in ticket.assignments))


def _add(ticket: Ticket, made: Iterable[e.NewAssignment], at: datetime) -> Ticket:
    new = tuple(
        Assignment(
            no=m.no,
            unit=m.unit,
            role=m.role,
            state=AssignmentState.PENDING,
            dispatched_at=at,
            parent_no=m.parent_no,
            deadlines=tuple(StepDeadline.of(d) for d in m.deadlines),
            reply_due_at=next((d.due_at for d in m.deadlines if d.step == DeadlineStep.REPLY), None),
        )
        for m in made
    )
    return replace(ticket, assignments=ticket.assignments + new)


def _lead_of(made: Iterable[e.NewAssignment]) -> int | None:
    return next((m.no for m in made if m.role is AssignmentRole.LEAD and m.parent_no is None), None)


def _cancel_unsettled(ticket: Ticket) -> Ticket:
    return replace(
        ticket,
        assignments=tuple(
            a if a.is_settled else replace(a, state=AssignmentState.CANCELLED, state_before_send_back=None)
            for a in ticket.assignments
        ),
    )


def _mark(a: Assignment, step: str, **flags: bool) -> Assignment:
    return replace(a, deadlines=tuple(replace(d, **flags) if d.step == step else d for d in a.deadlines))


def _extended(a: Assignment, until: datetime, warn_at: datetime | None) -> tuple[StepDeadline, ...]:
    """The reply deadline moved by an approved extension: a new deadline, warned and overdue afresh."""
    return tuple(
        replace(d, due_at=until, warn_at=warn_at, warned=False, overdue=False)
        if d.step is DeadlineStep.REPLY
        else d
        for d in a.deadlines
    )


def _back_to_work(a: Assignment) -> AssignmentState:
    return AssignmentState.CONTACTED if a.contacted_at is not None else AssignmentState.ACKNOWLEDGED


def _apply(t: Ticket | None, ev: e.Event, at: datetime) -> Ticket:
    if isinstance(ev, e.TicketReceived):
        return Ticket(
            channel=ev.channel,
            kind=ev.kind,
            urgency=ev.urgency,
            content=ev.content,
            tracking_code=ev.tracking_code,
            received_at=at,
            updated_at=at,
            status=TicketStatus.RECEIVED,
            phase=Phase.RECEIVED,
            version=0,
            title=ev.title,
            category=ev.category,
            citizen_name=ev.citizen_name,
            citizen_phone=ev.citizen_phone,
            address=ev.address,
            latitude=ev.latitude,
            longitude=ev.longitude,
            intake_seconds=ev.intake_seconds,
        )
    assert t is not None, "only ticket.received may start a log"
    match ev:
        case e.TicketAnswered():
            return replace(t, phase=Phase.ANSWERED, answer=ev.answer)
        case e.TicketDispatched():
            t = _add(t, ev.assignments, at)
            return replace(
                t,
                phase=Phase.HANDLING,
                lead_no=_lead_of(ev.assignments),
                category=ev.category or t.category,
                complex=ev.complex,
            )
        case e.TicketHandedOff():
            return replace(_cancel_unsettled(t), phase=Phase.HANDED_OFF, handed_off_to=ev.service)
        case e.TicketWithdrawn():
            return replace(_cancel_unsettled(t), phase=Phase.WITHDRAWN)
        case e.TicketMerged():
            return replace(_cancel_unsettled(t), phase=Phase.MERGED, merged_into=ev.into_ticket)
        case e.DuplicateAttached():
            return replace(t, duplicates=(*t.duplicates, ev.duplicate_ticket))
        case e.TicketSupervised():
            return replace(t, supervised=True)
        case e.InformationAdded():
            return t
        case e.TicketFollowedUp():
            fu = FollowUp(ev.contacted, ev.solved, ev.satisfaction, ev.method, at, ev.note)
            return replace(t, phase=Phase.FOLLOWED_UP, follow_up=fu)
        case e.TicketReopened():
            t = replace(t, reopen_count=t.reopen_count + 1, follow_up=None)
            if ev.assignment is None:
                return replace(t, phase=Phase.RECEIVED, lead_no=None)
            t = _add(t, [ev.assignment], at)
            return replace(t, phase=Phase.HANDLING, lead_no=ev.assignment.no)
        case e.TicketClosed():
            return replace(t, phase=Phase.CLOSED, close_reason=ev.reason, closed_at=at)
        case e.AssignmentAcknowledged():
            a = t.assignment(ev.no)
            return _set(t, replace(a, state=AssignmentState.ACKNOWLEDGED, acknowledged_at=at))
        case e.AssignmentContacted():
            a = t.assignment(ev.no)
            return _set(t, replace(a, state=AssignmentState.CONTACTED, contacted_at=at))
        case e.AssignmentDelegated():
            a = t.assignment(ev.no)
            return _add(_set(t, replace(a, state=AssignmentState.DELEGATED)), [ev.child], at)
        case e.AssignmentReplied():
            a = t.assignment(ev.no)
            photos = (*ev.media, *ev.before, *ev.after)
            return _set(
                t,
                replace(a, state=AssignmentState.REPLIED, reply=ev.reply, reply_media=photos, replied_at=at),
            )
        case e.AssignmentArrived():
            return _set(t, replace(t.assignment(ev.no), arrived_at=at))
        case e.VerificationRequested():
            a = t.assignment(ev.no)
            return _set(t, replace(a, verify_unit=ev.grid_unit, verify_requested_at=at))
        case e.VerificationPassed():
            a = t.assignment(ev.no)
            return _set(t, replace(a, verify_unit=None, verify_requested_at=None))
        case e.VerificationFailed():
            a = t.assignment(ev.no)
            back = replace(
                a,
                state=_back_to_work(a),
                reply=None,
                verify_unit=None,
                verify_requested_at=None,
                verifications_failed=a.verifications_failed + 1,
            )
            return _set(t, back)
        case e.AssignmentApproved():
            a = replace(t.assignment(ev.no), state=AssignmentState.APPROVED, reviewed_at=at)
            t = _set(t, a)
            if a.parent_no is not None:  # the child's approved reply becomes the parent's reply
                p = t.assignment(a.parent_no)
                t = _set(
                    t,
                    replace(
                        p,
                        state=AssignmentState.REPLIED,
                        reply=a.reply,
                        reply_media=a.reply_media,
                        replied_at=at,
                    ),
                )
            return t
        case e.AssignmentRejected():
            a = t.assignment(ev.no)
            return _set(
                t,
                replace(a, state=_back_to_work(a), rejections=a.rejections + 1, reply=None, reply_media=()),
            )
        case e.AssignmentSentBack():
            a = t.assignment(ev.no)
            return _set(
                t,
                replace(
                    a,
                    state=AssignmentState.SENT_BACK,
                    state_before_send_back=a.state,
                    send_back_reason=ev.reason,
                ),
            )
        case e.SendBackAccepted():
            a = t.assignment(ev.no)
            t = _set(t, replace(a, state_before_send_back=None))
            if a.parent_no is not None:  # the parent takes the work back
                p = t.assignment(a.parent_no)
                return _set(t, replace(p, state=_back_to_work(p)))
            if a.no != t.lead_no:
                return t
            if not ev.redispatch:
                return replace(t, phase=Phase.RECEIVED, lead_no=None)
            return replace(_add(t, ev.redispatch, at), lead_no=_lead_of(ev.redispatch))
        case e.SendBackRejected():
            a = t.assignment(ev.no)
            before = a.state_before_send_back or AssignmentState.PENDING
            return _set(
                t,
                replace(
                    a,
                    state=before,
                    state_before_send_back=None,
                    improper_send_backs=a.improper_send_backs + 1,
                ),
            )
        case e.AssignmentUrged():
            a = t.assignment(ev.no)
            return _set(t, replace(a, urges=a.urges + 1))
        case e.DeadlineWarned():
            return _set(t, _mark(t.assignment(ev.no), ev.step, warned=True))
        case e.DeadlinePassed():
            return _set(t, _mark(t.assignment(ev.no), ev.step, warned=True, overdue=True))
        case e.AssignmentEscalated():
            a = t.assignment(ev.no)
            return _set(t, replace(a, escalations=a.escalations + 1))
        case e.ExtensionRequested():
            a = t.assignment(ev.no)
            return _set(t, replace(a, pending_extension_until=ev.until, pending_extension_reason=ev.reason))
        case e.ExtensionApproved():
            a = t.assignment(ev.no)
            original = a.original_reply_due_at if a.extensions_approved else a.reply_due_at
            return _set(
                t,
                replace(
                    a,
                    reply_due_at=ev.until,
                    deadlines=_extended(a, ev.until, ev.warn_at),
                    original_reply_due_at=original,
                    pending_extension_until=None,
                    pending_extension_reason=None,
                    extensions_approved=a.extensions_approved + 1,
                ),
            )
        case e.ExtensionRefused():
            a = t.assignment(ev.no)
            return _set(t, replace(a, pending_extension_until=None, pending_extension_reason=None))
    raise TypeError(f"no rule to apply {type(ev).__name__}")


def evolve(ticket: Ticket | None, record: Recorded) -> Ticket:
    """The state after one recorded event."""
    t = _apply(ticket, record.event, record.occurred_at)
    return replace(t, version=record.seq, updated_at=record.occurred_at, status=derive_status(t))


def handle(ticket: Ticket | None, command: c.Command, ctx: Context) -> tuple[Ticket, list[Recorded]]:
    """Decide, then apply: the new state and the log entries to append."""
    new_events = decide(ticket, command, ctx)
    records: list[Recorded] = []
    state = ticket
    for ev in new_events:
        before = state.status if state is not None else None
        seq = (state.version if state is not None else 0) + 1
        draft = Recorded(seq, ev, ctx.actor, ctx.now, before, TicketStatus.RECEIVED)
        state = evolve(state, draft)
        records.append(replace(draft, to_status=state.status))
    assert state is not None
    return state, records


def replay(records: Iterable[Recorded]) -> Ticket:
    """Fold a ticket's log into its state; the log must start with `ticket.received`."""
    state: Ticket | None = None
    for r in records:
        state = evolve(state, r)
    if state is None:
        raise not_found("ticket.not_found")
    return state
