"""The grid worker's writes: a report from the street with its photos, a reply with photos before
and after, asking a grid to verify a reply and the grid's finding. Each one goes through the
platform's own doors — intake for a report, the ticket workflow for the steps, media for photos —
in one transaction with its photos (files removed again if it fails)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hotline.audit import service as audit
from hotline.auth.service import CurrentUser
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.domain import commands as c
from hotline.domain.errors import invalid
from hotline.domain.ticket import Ticket
from hotline.grid import queries
from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.media import service as media
from hotline.media.images import Prepared
from hotline.tickets import service as workflow


def report(
    db: Database,
    settings: Settings,
    data: TicketIn,
    photos: Sequence[Prepared],
    user: CurrentUser,
    idempotency_key: str | None,
    now: datetime,
) -> intake.Submitted:
    """A problem found on the street, as channel `grid`: the ticket and its photos at once. The
    same idempotency key again (a phone resending after a lost answer) gives the first ticket, and
    the photos of the repeat are removed."""
    with media.staged(media.storage_of(settings), photos) as staging:
        done = intake.submit(
            db,
            data,
            now,
            lambda _s: user,
            idempotency_key=idempotency_key,
            on_created=lambda s, tid, _t: media.attach(s, tid, staging.stored, audit.Actor.of(user), now),
        )
        if not done.created:
            staging.discard()
    return done


def act_with_photos(
    db: Database,
    settings: Settings,
    ticket_id: int,
    build: Any,
    photos: Sequence[Sequence[Prepared]],
    user: CurrentUser,
    now: datetime,
    deadlines: workflow.Deadlines,
) -> Ticket:
    """Run the command `build(names, …)` makes from the stored photos' names (one list per group
    of photos, e.g. before and after), with the photos' rows in the same transaction."""
    groups = [list(g) for g in photos]
    flat = [p for g in groups for p in g]
    with media.staged(media.storage_of(settings), flat) as staging:
        names = [s.name for s in staging.stored]
        split, at = [], 0
        for g in groups:
            split.append(tuple(names[at : at + len(g)]))
            at += len(g)
        return workflow.execute(
            db,
            ticket_id,
            build(*split),
            user.actor,
            now,
            deadlines,
            also=lambda s: media.attach(s, ticket_id, staging.stored, audit.Actor.of(user), now),
        )


def request_verification(
    db: Database,
    routing: Any,
    ticket_id: int,
    no: int,
    grid_unit: int | None,
    note: str | None,
    user: CurrentUser,
    now: datetime,
    deadlines: workflow.Deadlines,
) -> Ticket:
    """Ask a grid to verify a reply; without a grid named, the grid of the request's place."""
    if grid_unit is None:
        with db.read() as s:
            grid_unit = queries.grid_of_ticket(s, routing, ticket_id)
        if grid_unit is None:
            raise invalid("verification.no_grid", field="grid_unit_id")
    command = c.RequestVerification(assignment_no=no, grid_unit=grid_unit, note=note)
    return workflow.execute(db, ticket_id, command, user.actor, now, deadlines)
