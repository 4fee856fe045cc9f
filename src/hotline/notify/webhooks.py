"""Webhook delivery: fan the outbox out to subscriptions, then POST each delivery until a 2xx.

Guarantees (docs/notifications.md):
* **Nothing lost.** An event's outbox entry is written in the same transaction as the event; fan-out
  turns it into one delivery row per matching subscription in one transaction and deletes it there.
  A delivery stays ``pending`` and is retried with exponential backoff (10 s, 20 s, … capped at an
  hour) while the receiver is down; after ``max_attempts`` it is ``failed``, kept, and can be retried
  by an administrator.
* **Nothing re-sent once acknowledged.** A delivery is claimed (``FOR UPDATE SKIP LOCKED``; a lease
  moves its next attempt into the future) and sent outside the transaction; a 2xx is recorded as
  ``delivered`` and delivered rows are never claimed again. The one unavoidable gap, a 2xx whose
  recording is lost (the worker dies in between), is why every message carries ``X-Hotline-Delivery``,
  the same on each retry, for the receiver to drop a duplicate.
* **Signed.** ``X-Hotline-Signature: sha256=<hex>`` is the HMAC-SHA256, keyed by the subscription's
  secret, of ``<X-Hotline-Timestamp>.<body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline import __version__
from hotline.audit import service as audit
from hotline.db.engine import Database
from hotline.domain.privacy import mask_phone
from hotline.notify.models import OutboxEntry, WebhookDelivery, WebhookSubscription
from hotline.tickets import queries as tickets_queries

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 10 s, 20 s, 40 s, … at most an hour."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class Outcome:
    """What a receiver answered: a status code, or an error before any answer (refused, timeout)."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender(Protocol):
    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a redirect is an answer, not a 2xx
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_sender(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST with the standard library; any answer's status is returned, never raised."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Outcome(response.status)
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Outcome(None, f"{type(exc).__name__}: {reason}"[:500])


def _insert_ignoring_duplicates(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    session.execute(stmt.on_conflict_do_nothing(), rows)


def fan_out(db: Database, now: datetime, batch: int = 500) -> int:
    """Turn up to ``batch`` outbox entries into deliveries (one per matching subscription)."""
    with db.write() as s:
        entries = s.scalars(
            select(OutboxEntry).order_by(OutboxEntry.id).limit(batch).with_for_update(skip_locked=True)
        ).all()
        if not entries:
            return 0
        subscriptions = s.scalars(
            select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        ).all()
        rows = [
            {
                "delivery_id": str(uuid.uuid4()),
                "subscription_id": sub.id,
                "ticket_id": entry.ticket_id,
                "seq": entry.seq,
                "tag": entry.tag,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for entry in entries
            for sub in subscriptions
            if (not sub.event_tags or entry.tag in sub.event_tags)
            and (sub.unit_id is None or sub.unit_id in (entry.unit_ids or []))
        ]
        if rows:
            _insert_ignoring_duplicates(s, WebhookDelivery, rows)
        s.execute(delete(OutboxEntry).where(OutboxEntry.id.in_([en.id for en in entries])))
        return len(entries)


@dataclass(frozen=True)
class _Message:
    id: int
    attempts: int
    url: str
    body: bytes
    headers: dict[str, str]


def _event_body(
    delivery: WebhookDelivery, event: tickets_queries.LoggedEvent, ticket: tickets_queries.TicketFacts
) -> dict[str, Any]:
    payload = dict(event.payload)
    if payload.get("citizen_phone"):
        payload["citizen_phone"] = mask_phone(payload["citizen_phone"])
    return {
        "delivery_id": delivery.delivery_id,
        "subscription_id": delivery.subscription_id,
        "event": {
            "tag": event.tag,
            "ticket_id": event.ticket_id,
            "seq": event.seq,
            "occurred_at": event.occurred_at.isoformat(),
            "assignment_no": event.assignment_no,
            "actor_role": event.actor_role,
            "actor_unit_id": event.actor_unit_id,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "payload": payload,
        },
        "ticket": {
            "id": ticket.id,
            "tracking_code": ticket.tracking_code,
            "status": ticket.status,
            "kind": ticket.kind,
            "urgency": ticket.urgency,
            "category_code": ticket.category_code,
            "lead_unit_id": ticket.lead_unit_id,
            "supervised": ticket.supervised,
        },
    }


def _claim(session: Session, now: datetime, batch: int, lease: timedelta) -> list[_Message]:
    rows = session.execute(
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(batch)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    if not rows:
        return []
    keys = {(d.ticket_id, d.seq) for d, _ in rows}
    events = tickets_queries.logged_events(session, keys)
    tickets = tickets_queries.ticket_facts(session, {k[0] for k in keys})
    messages = []
    stamp = str(int(now.timestamp()))
    for delivery, sub in rows:
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + lease  # ours while we send; another worker may retry after
        body = json.dumps(
            _event_body(delivery, events[(delivery.ticket_id, delivery.seq)], tickets[delivery.ticket_id]),
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"hotline-webhooks/{__version__}",
            "X-Hotline-Delivery": delivery.delivery_id,
            "X-Hotline-Event": delivery.tag,
            "X-Hotline-Timestamp": stamp,
            "X-Hotline-Signature": sign(sub.secret, stamp, body),
        }
        messages.append(_Message(delivery.id, delivery.attempts, sub.url, body, headers))
    session.flush()
    return messages


@dataclass
class DeliveryResult:
    sent: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    given_up: int = 0


def deliver_due(
    db: Database,
    clock: Callable[[], datetime],
    sender: Sender = http_sender,
    *,
    batch: int = 50,
    timeout: float = 10.0,
    max_attempts: int = 20,
) -> DeliveryResult:
    """Send the deliveries whose time has come; record each answer."""
    result = DeliveryResult()
    lease = timedelta(seconds=timeout * 2 + 30)
    with db.write() as s:
        messages = _claim(s, clock(), batch, lease)
    for m in messages:
        outcome = sender(m.url, m.body, m.headers, timeout)
        now = clock()
        result.sent += 1
        with db.write() as s:
            if outcome.ok:
                s.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id == m.id, WebhookDelivery.status != DELIVERED)
                    .values(
                        status=DELIVERED,
                        delivered_at=now,
                        next_attempt_at=None,
                        last_status_code=outcome.status,
                        last_error=None,
                    )
                )
                result.delivered += 1
                continue
            give_up = m.attempts >= max_attempts
            s.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == m.id,
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.attempts == m.attempts,  # not re-claimed meanwhile
                )
                .values(
                    status=FAILED if give_up else PENDING,
                    next_attempt_at=None if give_up else now + backoff(m.attempts),
                    last_status_code=outcome.status,
                    last_error=outcome.error or f"HTTP {outcome.status}",
                )
            )
            result.failed_attempts += 1
            result.given_up += int(give_up)
            log.info("webhook delivery %s attempt %s failed: %s", m.id, m.attempts, outcome.error)
    return result


def next_attempt(db: Database) -> datetime | None:
    """The earliest pending delivery (or now, if the outbox holds entries to fan out)."""
    with db.read() as s:
        if s.scalar(select(OutboxEntry.id).limit(1)) is not None:
            return EPOCH
        return s.scalar(
            select(WebhookDelivery.next_attempt_at)
            .where(WebhookDelivery.status == PENDING)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(1)
        )


def retry(session: Session, delivery_id: int, actor: audit.Actor, now: datetime) -> bool:
    """An administrator sends a failed delivery again (attempts start over); False if not failed."""
    done = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == FAILED)
        .values(status=PENDING, attempts=0, next_attempt_at=now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return False
    before, after = {"status": FAILED}, {"status": PENDING, "attempts": 0}
    audit.record(
        session,
        actor,
        "webhook.delivery.retried",
        "webhook_delivery",
        delivery_id,
        at=now,
        before=before,
        after=after,
    )
    return True
