"""Routing off the intake path: intake enqueues, a router routes.

Intake answers as soon as the ticket is durable (a few milliseconds); routing a ticket (kb search,
history, place, classifier, maybe a dispatch) costs tens of milliseconds and may fail, and neither
must slow down or endanger an acknowledgement. So intake writes a `routing_queue` row in its own
transaction and the router — a thread of the background worker (`hotline worker`, or inside
`hotline serve` where the worker runs in-process: ``HOTLINE_WORKER``, on by default with SQLite)
or routing-only `hotline routing work` processes — routes the ticket within a second: advice stored, dispatched at once when sure (see `auto.py`).

Claims take a lease (`LEASE`, 30 s) with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
routers never take the same ticket; SQLite's single writer does the same. A router renews the
leases of the batch it works on every `RENEW_AFTER` (a slow batch keeps its tickets) and hands
back what it did not reach when it stops; a router killed outright holds its batch for one
lease at most — then any other router takes it (it was 120 s, which a burst waited out).

A batch is advised with one directory view and one set of rules (`auto.Shared`, read once), and
each ticket leaves the queue in the transaction that stores its advice (or, when dispatched at
once, after its dispatch): per ticket one read and one write transaction, plus the dispatch. Routing a ticket twice is
harmless anyway (`auto.after_intake` replaces the advice; a second dispatch is refused by the
workflow). A ticket whose routing fails is retried with a growing pause, at most `MAX_ATTEMPTS`
times, then left to the operator (it is still listed as received, and the error is kept).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from hotline.db.engine import Database
from hotline.routing import auto
from hotline.routing.models import RoutingQueueRow
from hotline.routing.runtime import Runtime

log = logging.getLogger("hotline.routing")

LEASE: Final = timedelta(seconds=30)
RENEW_AFTER: Final = timedelta(seconds=10)
MAX_ATTEMPTS: Final = 5
BATCH: Final = 20
POLL_SECONDS: Final = 1.0

QUEUE: Final = RoutingQueueRow.__table__


def entry(now: datetime) -> tuple[Table, list[dict[str, Any]]]:
    """A new ticket's place in the queue, for intake to store with the ticket (`store.create`
    fills in the ticket id): the ticket waits for the router."""
    return QUEUE, [{"enqueued_at": now, "attempts": 0}]


def claim(db: Database, now: datetime, limit: int = BATCH) -> list[int]:
    """Take up to `limit` waiting tickets, oldest first, under a lease."""
    with db.write() as s:
        due = or_(RoutingQueueRow.lease_until.is_(None), RoutingQueueRow.lease_until <= now)
        ids = list(
            s.scalars(
                select(RoutingQueueRow.ticket_id)
                .where(due, RoutingQueueRow.attempts < MAX_ATTEMPTS)
                .order_by(RoutingQueueRow.enqueued_at, RoutingQueueRow.ticket_id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            s.execute(
                update(RoutingQueueRow)
                .where(RoutingQueueRow.ticket_id.in_(ids))
                .values(lease_until=now + LEASE, attempts=RoutingQueueRow.attempts + 1)
            )
        return ids


def renew(db: Database, ticket_ids: list[int], now: datetime) -> None:
    """Extend the leases of tickets this router still works on."""
    if ticket_ids:
        with db.write() as s:
            s.execute(
                update(RoutingQueueRow)
                .where(RoutingQueueRow.ticket_id.in_(ticket_ids))
                .values(lease_until=now + LEASE)
            )


def release(db: Database, ticket_ids: list[int]) -> None:
    """Hand back claimed tickets not routed (the router stops): due at once, the claim uncounted."""
    if ticket_ids:
        with db.write() as s:
            s.execute(
                update(RoutingQueueRow)
                .where(RoutingQueueRow.ticket_id.in_(ticket_ids))
                .values(lease_until=None, attempts=RoutingQueueRow.attempts - 1)
            )


def _leave(ticket_id: int) -> Callable[[Session], None]:
    def leave(s: Session) -> None:
        s.execute(delete(RoutingQueueRow).where(RoutingQueueRow.ticket_id == ticket_id))

    return leave


def _done(db: Database, ticket_id: int) -> None:
    with db.write() as s:
        _leave(ticket_id)(s)


def discard(db: Database, ticket_ids: list[int]) -> None:
    """Take tickets out of the queue without routing them: people routed them already (e.g. the
    demo history's tickets, written with their whole lives)."""
    with db.write() as s:
        for i in range(0, len(ticket_ids), 500):
            s.execute(delete(RoutingQueueRow).where(RoutingQueueRow.ticket_id.in_(ticket_ids[i : i + 500])))


def _failed(db: Database, ticket_id: int, now: datetime, error: str) -> None:
    with db.write() as s:
        row = s.get(RoutingQueueRow, ticket_id)
        if row is not None:  # try again later: 30 s, 1 min, 2 min, …
            row.lease_until = now + timedelta(seconds=30 * 2 ** max(row.attempts - 1, 0))
            row.last_error = error[:1000]


def route_pending(
    db: Database,
    runtime: Runtime,
    policy: auto.Policy,
    clock: Callable[[], datetime],
    limit: int = BATCH,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Route what waits (one batch); returns how many tickets were routed. When ``stopping``
    turns true the rest of the batch is handed back."""
    claimed_at = clock()
    ids = claim(db, claimed_at, limit)
    if not ids:
        return 0
    with db.read() as s:
        shared = auto.Shared.read(s, runtime)
    routed = 0
    for i, ticket_id in enumerate(ids):
        if stopping():
            release(db, ids[i:])
            break
        if clock() - claimed_at >= RENEW_AFTER:
            claimed_at = clock()
            renew(db, ids[i:], claimed_at)
        leave = _leave(ticket_id)
        try:
            outcome = auto.after_intake(db, runtime, policy, ticket_id, clock(), shared=shared, done=leave)
        except Exception as exc:  # routing must never lose a ticket: it stays for the operator
            log.exception("routing failed for ticket %s; retried later", ticket_id)
            _failed(db, ticket_id, clock(), f"{type(exc).__name__}: {exc}")
            continue
        if outcome.decision in ("auto_dispatched", "dispatch_refused"):
            _done(db, ticket_id)  # after the dispatch (the advice's transaction left it queued)
        routed += 1
    return routed


def drain(db: Database, runtime: Runtime, policy: auto.Policy, clock: Callable[[], datetime]) -> int:
    """Route everything waiting now (tests, `hotline routing work --once`)."""
    total = 0
    while n := route_pending(db, runtime, policy, clock):
        total += n
    return total


def waiting(session: Session) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(RoutingQueueRow)) or 0)


class Router:
    """The routing loop in a thread: wakes when intake says a ticket came in, else every second."""

    def __init__(
        self, db: Database, runtime: Runtime, policy: Callable[[], auto.Policy], clock: Callable[[], datetime]
    ) -> None:
        """``policy`` is asked on every pass, so the thresholds in force are the ones used."""
        self._db, self._runtime, self._policy, self._clock = db, runtime, policy, clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hotline-router", daemon=True)
        self._thread.start()

    def drain(self) -> int:
        """Route everything waiting now, in the caller's thread (`hotline worker --once`)."""
        return drain(self._db, self._runtime, self._policy(), self._clock)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            try:
                while not self._stop.is_set() and route_pending(
                    self._db, self._runtime, self._policy(), self._clock, stopping=self._stop.is_set
                ):
                    pass
            except Exception:  # the database away for a moment: try again on the next tick
                log.exception("routing loop: will retry")


def notify(app_state: Any) -> None:
    """After intake committed: wake this process's router, if it runs one."""
    router = getattr(app_state, "router", None)
    if router is not None:
        router.wake()
