"""The write path of every workflow action after intake: load, decide, append — one transaction.

Handlers call `execute` with a domain command. References the rules cannot check by themselves
(does this unit exist? is it below that one? does this category exist?) are resolved here from the
directory and refused with 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.service import CurrentUser
from hotline.db.engine import Database
from hotline.directory import queries as directory
from hotline.domain import commands as c
from hotline.domain.errors import DomainError, invalid
from hotline.domain.ticket import Actor, Context, DeadlineCalculator, Ticket, handle, possible_actions
from hotline.tickets import queries, store
from hotline.tickets.schemas import TicketOut

Deadlines = Callable[[Session], DeadlineCalculator]
"""The deadline calculator for one transaction (the policy in force, the centre's working time):
`sla.service.DeadlineSource`, handed in by the caller (`bootstrap` wires it once)."""

# Commands that make assignments or move a deadline: only these need the policy and the calendar.
_SETS_DEADLINES = (c.Dispatch, c.Reopen, c.Delegate, c.DecideSendBack, c.DecideExtension)
# A conflict from a concurrent writer (another person, or the sweeper recording a deadline) is
# retried on the fresh state; the rules then decide again, so a real race still ends in a refusal.
_ATTEMPTS = 3


def _check_units(session: Session, ids_by_field: dict[str, list[int]]) -> None:
    wanted = [u for ids in ids_by_field.values() for u in ids]
    if not wanted:
        return
    known = directory.active_unit_ids(session, wanted)
    for field, ids in ids_by_field.items():
        for u in ids:
            if u not in known:
                raise invalid("unit.not_found", unit=u, field=field)


def _check_references(session: Session, ticket: Ticket, command: c.Command) -> None:
    match command:
        case c.Dispatch():
            _check_units(
                session, {"lead_unit_id": [command.lead_unit], "assist_unit_ids": list(command.assist_units)}
            )
            if command.category is not None and not directory.category_exists(session, command.category):
                raise invalid("category.not_found", category=command.category, field="category_code")
        case c.Delegate():
            _check_units(session, {"unit_id": [command.to_unit]})
        case c.RequestVerification():
            grid = directory.unit(session, command.grid_unit)
            if grid is None or not grid.active:
                raise invalid("unit.not_found", unit=command.grid_unit, field="grid_unit_id")
            if grid.kind != "grid":
                raise invalid("verification.not_a_grid", unit=grid.name, field="grid_unit_id")
        case c.DecideSendBack() if command.redispatch_to is not None:
            _check_units(
                session,
                {
                    "redispatch_to": [command.redispatch_to],
                    "redispatch_assists": list(command.redispatch_assists),
                },
            )


def _context(
    session: Session, ticket: Ticket, command: c.Command, actor: Actor, now: datetime, deadlines: Deadlines
) -> Context:
    units = None
    reviewers = None
    if isinstance(command, c.ReviewReply | c.DecideSendBack):
        reviewers = directory.reviewers(session, [a.unit for a in ticket.assignments])
    if isinstance(command, c.Delegate):
        holder = next((a.unit for a in ticket.assignments if a.no == command.assignment_no), None)
        units = directory.unit_paths(session, [command.to_unit] + ([holder] if holder else []))
    if isinstance(command, c.RequestVerification) and actor.unit_id is not None:
        holder = next((a.unit for a in ticket.assignments if a.no == command.assignment_no), None)
        units = directory.unit_paths(session, [actor.unit_id] + ([holder] if holder else []))
    return Context(
        actor=actor,
        now=now,
        units=units,
        centre_unit=directory.centre_unit_id(session),
        deadlines=deadlines(session) if isinstance(command, _SETS_DEADLINES) else None,
        reviewers=reviewers,
    )


def execute(
    db: Database,
    ticket_id: int,
    command: c.Command,
    actor: Actor,
    now: datetime,
    deadlines: Deadlines,
    also: Callable[[Session], None] | None = None,
) -> Ticket:
    """Run one command on one ticket; returns the new state. Refusals raise `DomainError`.

    ``deadlines`` gives the calculator the commands that set deadlines use (dispatch, reopen, …).
    ``also`` writes another package's rows in the same transaction, once the events are appended
    (the photos of an `AddInformation`), so they exist exactly when the events do."""
    for attempt in range(_ATTEMPTS):
        try:
            with db.write() as s:
                before = store.load(s, ticket_id)
                _check_references(s, before, command)
                after, records = handle(before, command, _context(s, before, command, actor, now, deadlines))
                store.append(s, ticket_id, before, after, records)
                if also is not None:
                    also(s)
            return after
        except DomainError as exc:
            if exc.code != "concurrency.conflict" or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def execute_in(
    session: Session,
    ticket_id: int,
    commands: Sequence[c.Command],
    actor: Actor,
    now: datetime,
    deadlines: Deadlines,
) -> Ticket:
    """Run ``commands`` one after the other on one ticket inside the caller's transaction (a
    follow-up answer and the close or reopen it causes, with the caller's own rows): all of them
    or none. The caller retries a `concurrency.conflict` as `execute` does."""
    state = store.load(session, ticket_id)
    for command in commands:
        _check_references(session, state, command)
        after, records = handle(state, command, _context(session, state, command, actor, now, deadlines))
        store.append(session, ticket_id, state, after, records)
        state = after
    return state


def merge(
    db: Database, ticket_id: int, into_ticket_id: int, reason: str | None, actor: Actor, now: datetime
) -> Ticket:
    """Merge a duplicate into another ticket: both logs change in one transaction, or neither."""
    with db.write() as s:
        source = store.load(s, ticket_id)
        target = store.load(s, into_ticket_id)
        ctx = Context(actor=actor, now=now, centre_unit=directory.centre_unit_id(s))
        command = c.MergeInto(
            target_ticket=into_ticket_id,
            target_status=target.status.value,
            reason=reason,
            this_ticket=ticket_id,
        )
        source_after, source_records = handle(source, command, ctx)
        target_after, target_records = handle(target, c.AttachDuplicate(duplicate_ticket=ticket_id), ctx)
        store.append(s, ticket_id, source, source_after, source_records)
        store.append(s, into_ticket_id, target, target_after, target_records)
    return source_after


def note_personal_data_view(db: Database, ticket: TicketOut, user: CurrentUser, now: datetime) -> None:
    """The access audit: who opened a ticket's citizen data in full (name, phone, address), once
    per view of the ticket; views that show it masked are not personal data and are not recorded."""
    if not (ticket.citizen_name or ticket.citizen_phone or ticket.address):
        return
    if not queries.sees_personal_data(user, {a.unit.id for a in ticket.assignments}):
        return
    with db.write() as s:
        audit.record(s, audit.Actor.of(user), "ticket.personal_data_viewed", "ticket", ticket.id, at=now)


def actions_for(db: Database, ticket_id: int, actor: Actor, now: datetime) -> dict[int, frozenset[str]]:
    """What ``actor`` may do to each of the ticket's assignments now, as `execute` would judge it
    (the pages offer only these forms; `execute` still decides each one when it is sent)."""
    with db.read() as s:
        state = store.load(s, ticket_id)
        ctx = Context(
            actor=actor,
            now=now,
            centre_unit=directory.centre_unit_id(s),
            reviewers=directory.reviewers(s, [a.unit for a in state.assignments]),
        )
    return possible_actions(state, ctx)
