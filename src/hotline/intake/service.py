"""Intake: a validated request becomes a ticket, once, with a tracking code for the citizen.

Idempotency: a channel that retries with the same `Idempotency-Key` gets the ticket its first
attempt made. The key row is written in the same transaction as the ticket, so a retry racing the
first attempt either finds it or loses on the unique constraint and then finds it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.auth.service import CurrentUser
from hotline.db.engine import Database
from hotline.directory import queries as directory
from hotline.domain import commands as c
from hotline.domain.errors import conflict, invalid
from hotline.domain.ticket import Actor, Context, Ticket, handle
from hotline.domain.vocabulary import Channel, Role
from hotline.intake.models import IdempotencyKey
from hotline.intake.schemas import TicketIn
from hotline.routing import queue as routing_queue
from hotline.tickets import store
from hotline.tracking.codes import new_tracking_code

_KEYS = IdempotencyKey.__table__


Authenticate = Callable[[Session], CurrentUser | None]
"""Who submits, resolved inside the intake transaction (None: a citizen on the public portal)."""

OnCreated = Callable[[Session, int, Ticket], None]
"""A channel's own rows for a new ticket (e.g. Open311's), written in the intake transaction."""


@dataclass(frozen=True)
class Submitted:
    ticket_id: int
    ticket: Ticket
    created: bool  # False when an earlier attempt with the same idempotency key made it
    user: CurrentUser | None


def _request_hash(data: TicketIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _existing(s: Session, scope: str, key: str, digest: str) -> int | None:
    row = s.execute(
        select(IdempotencyKey.ticket_id, IdempotencyKey.request_hash).where(
            IdempotencyKey.scope == scope, IdempotencyKey.key == key
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise conflict("idempotency.key_reused")
    return int(row.ticket_id)


def command(data: TicketIn) -> c.SubmitTicket:
    """The workflow's command for a request (a new tracking code drawn)."""
    return c.SubmitTicket(
        channel=Channel(data.channel),
        kind=data.kind,
        urgency=data.urgency,
        content=data.content,
        tracking_code=new_tracking_code(),
        title=data.title,
        category=data.category_code,
        citizen_name=data.citizen_name,
        citizen_phone=data.citizen_phone,
        address=data.address,
        latitude=data.latitude,
        longitude=data.longitude,
        intake_seconds=data.intake_seconds,
    )


def submit(
    db: Database,
    data: TicketIn,
    now: datetime,
    authenticate: Authenticate,
    idempotency_key: str | None = None,
    scope: str | None = None,
    on_created: OnCreated | None = None,
) -> Submitted:
    """Store a new ticket: who is asking, the category, then the ticket, its first events (with their
    outbox rows), its place in the routing queue and the idempotency key, all written at once (ONE
    statement on PostgreSQL, see `store.create`). The answer is built from the state just written.

    On PostgreSQL, without `on_created`, the reads and that one statement each commit on their own
    (`Database.autocommit`): the write is atomic by itself, and a transaction around a token check at
    READ COMMITTED saw no more than the check alone does (a token revoked before it is refused), so
    BEGIN and COMMIT were two round trips for nothing. With `on_created`, and on SQLite, it is one
    transaction.

    An earlier attempt with the same key is not looked up first: the key's unique constraint is the
    real guard, so a repeated key makes the first round fail as a whole (nothing is kept) and the
    next round, which does look, answers with the earlier ticket. Retries are rare; lookups on
    every request are not.

    `scope` names whose keys these are (default: the user, or "public"); `on_created` writes a
    channel's own rows in the same transaction, so they exist exactly when the ticket does."""
    digest = _request_hash(data) if idempotency_key else ""
    for attempt in range(3):
        try:
            with db.write() if on_created is not None else db.autocommit() as s:
                user = authenticate(s)
                key_scope = scope or (f"user:{user.id}" if user is not None else "public")
                if idempotency_key and attempt > 0:
                    found = _existing(s, key_scope, idempotency_key, digest)
                    if found is not None:
                        return Submitted(found, store.load(s, found), created=False, user=user)
                if data.category_code is not None and not directory.category_exists(s, data.category_code):
                    raise invalid("category.not_found", category=data.category_code, field="category_code")
                actor = user.actor if user is not None else Actor(role=Role.CITIZEN)
                ticket, records = handle(None, command(data), Context(actor=actor, now=now))
                dependents = [routing_queue.entry(now)]  # routed right after, off this request
                if idempotency_key:
                    key = {
                        "scope": key_scope,
                        "key": idempotency_key,
                        "request_hash": digest,
                        "created_at": now,
                    }
                    dependents.append((_KEYS, [key]))
                created_by = user.id if user is not None else None
                ticket_id = store.create(s, ticket, records, created_by, dependents)
                if on_created is not None:
                    on_created(s, ticket_id, ticket)
            return Submitted(ticket_id, ticket, created=True, user=user)
        except IntegrityError:
            # Either a concurrent attempt with the same key won (the next round finds its ticket)
            # or the tracking code collided (about 1 in 10^14): draw another one.
            continue
    raise RuntimeError("could not store the ticket after three attempts")
