"""The sweeper: records warnings and overdues as they fall due, through the normal write path.

Each open assignment carries ``next_check_at`` (indexed): the next instant something is to be
recorded about it. A sweep is one range scan of that index up to now. It claims the due rows' tickets
with ``FOR UPDATE … SKIP LOCKED`` on PostgreSQL, so two workers (or two app instances) share the
work instead of doing it twice; on SQLite the write transaction (BEGIN IMMEDIATE) serialises them.
What to record comes from the domain (``due_records``), which also refuses to record anything twice
for one deadline, and the events go through ``tickets.store.append`` like any other step: they
appear in the ticket's log, update ``next_check_at``, and notify in the same transaction.

A sweeper that was down catches up by itself: everything whose time passed is still due, and steps
whose deadline has passed are recorded as overdue without a belated warning.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from hotline.db.engine import Database
from hotline.directory import queries as directory
from hotline.domain import events as e
from hotline.domain.errors import DomainError
from hotline.domain.ticket import Actor, Context, Recorded, Ticket, due_records, handle
from hotline.domain.vocabulary import Role
from hotline.tickets import store

log = logging.getLogger(__name__)

SYSTEM = Actor(Role.SYSTEM)
DEFAULT_BATCH = 200


@dataclass
class SweepResult:
    """What one sweep did; ``lateness_s`` has one entry per overdue recorded (now − deadline)."""

    claimed: int = 0
    tickets: int = 0
    events: int = 0
    warnings: int = 0
    overdues: int = 0
    escalations: int = 0
    refused: int = 0
    lateness_s: list[float] = field(default_factory=list)

    def add(self, other: SweepResult) -> None:
        for name in ("claimed", "tickets", "events", "warnings", "overdues", "escalations", "refused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.lateness_s += other.lateness_s


def _record(
    ticket: Ticket, now: datetime, nos: set[int], superiors: dict[int, int]
) -> tuple[Ticket, list[Recorded], int]:
    state, records, refused = ticket, [], 0
    ctx = Context(actor=SYSTEM, now=now)
    for command in due_records(ticket, now, nos, superiors):
        try:
            state, made = handle(state, command, ctx)
        except DomainError as exc:  # the domain's guard; cannot happen while we hold the lock
            log.warning(
                "sweeper: %s refused for assignment %s: %s", command.outcome, command.assignment_no, exc
            )
            refused += 1
            continue
        records += made
    return state, records, refused


def sweep_once(db: Database, now: datetime, batch: int = DEFAULT_BATCH) -> SweepResult:
    """Claim up to ``batch`` due assignments and record what is due, in one transaction."""
    result = SweepResult()
    with db.write() as s:
        claimed = store.claim_due(s, now, batch)
        if not claimed:
            return result
        result.claimed = len(claimed)
        by_ticket: dict[int, set[int]] = defaultdict(set)
        for ticket_id, no, _unit in claimed:
            by_ticket[ticket_id].add(no)
        superiors = directory.parent_ids(s, {unit for _t, _n, unit in claimed})
        states = store.load_many(s, list(by_ticket))
        changes = []
        for ticket_id, nos in by_ticket.items():
            before = states[ticket_id]
            after, records, refused = _record(before, now, nos, superiors)
            result.refused += refused
            if records:
                changes.append((ticket_id, before, after, records))
            else:  # the stored schedule disagrees with the log: rewrite it from the state, do not spin
                log.warning("sweeper: nothing due on ticket %s at %s; schedule refreshed", ticket_id, now)
                store.refresh_assignments(s, ticket_id, after)
            result.tickets += 1
            result.events += len(records)
            for r in records:
                if isinstance(r.event, e.DeadlineWarned):
                    result.warnings += 1
                elif isinstance(r.event, e.DeadlinePassed):
                    result.overdues += 1
                    result.lateness_s.append((now - r.event.due_at).total_seconds())
                elif isinstance(r.event, e.AssignmentEscalated):
                    result.escalations += 1
        store.append_many(s, changes)
    return result


def sweep(db: Database, now: datetime, batch: int = DEFAULT_BATCH, max_rounds: int = 1000) -> SweepResult:
    """Sweep until nothing due is left (or ``max_rounds`` batches): how a worker catches up."""
    total = SweepResult()
    for _ in range(max_rounds):
        one = sweep_once(db, now, batch)
        total.add(one)
        if one.claimed < batch:
            break
    return total


def next_check(db: Database) -> datetime | None:
    """The earliest instant anything is due (one index lookup): how long a worker may sleep."""
    with db.read() as s:
        return store.earliest_check(s)
