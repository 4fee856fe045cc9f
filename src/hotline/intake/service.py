"""Intake: a validated request becomes a ticket, once, with a tracking code for the citizen.

Idempotency: a channel that retries with the same `Idempotency-Key` gets the ticket its first
attempt made. The key row is written in the same transaction as the ticket, so a retry racing the
first attempt either finds it or loses on the unique constraint and then finds it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.db.engine import Database
from hotline.directory import queries as directory
from hotline.domain import commands as c
from hotline.domain.errors import conflict, invalid
from hotline.domain.ticket import Context, Ticket, handle
from hotline.domain.vocabulary import Channel
from hotline.intake.schemas import TicketIn
from hotline.tickets import store
from hotline.tickets.models import IdempotencyKey

# No 0/O, 1/I/L: a code read out over the phone must not be misheard.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


@dataclass(frozen=True)
class Submitted:
    ticket_id: int
    ticket: Ticket
    created: bool  # False when an earlier attempt with the same idempotency key made it


def _request_hash(data: TicketIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _existing(db: Database, scope: str, key: str, digest: str) -> Submitted | None:
    with db.read() as s:
        row = s.scalars(
            select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        ).first()
        if row is None:
            return None
        if row.request_hash != digest:
            raise conflict("idempotency.key_reused")
        return Submitted(row.ticket_id, store.load(s, row.ticket_id), created=False)


def submit(
    db: Database,
    data: TicketIn,
    ctx: Context,
    created_by: int | None,
    idempotency_key: str | None = None,
    scope: str = "public",
) -> Submitted:
    digest = _request_hash(data)
    if idempotency_key:
        found = _existing(db, scope, idempotency_key, digest)
        if found is not None:
            return found
    for _attempt in range(3):
        command = c.SubmitTicket(
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
        )
        ticket, records = handle(None, command, ctx)
        try:
            with db.write() as s:
                if data.category_code is not None and not directory.category_exists(s, data.category_code):
                    raise invalid("category.not_found", category=data.category_code, field="category_code")
                ticket_id = store.create(s, ticket, records, created_by)
                if idempotency_key:
                    s.add(
                        IdempotencyKey(
                            scope=scope,
                            key=idempotency_key,
                            request_hash=digest,
                            ticket_id=ticket_id,
                            created_at=ctx.now,
                        )
                    )
                    s.flush()
            return Submitted(ticket_id, ticket, created=True)
        except IntegrityError:
            if idempotency_key:
                found = _existing(db, scope, idempotency_key, digest)
                if found is not None:
                    return found
            # otherwise the tracking code collided (about 1 in 10^14): draw another one
    raise RuntimeError("could not store the ticket after three attempts")
