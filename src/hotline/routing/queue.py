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

A batch is advised with one directory view and one set of rules (`auto.Shared`, read once), in
one read transaction, and its advice stored in one write transaction that also takes the tickets
out of the queue (or, for those dispatched at once, after their dispatch): per batch, not per
ticket. A ticket leaves the queue only with its advice stored. Routing a ticket twice is
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
from hotline.tickets import queries as tickets_queries

log = logging.getLogger("hotline.routing")

LEASE: Final = timedelta(seconds=30)
RENEW_AFTER: Final = timedelta(seconds=10)
MAX_ATTEMPTS: Final = 5
BATCH: Final = 20
#: An idle router looks at the queue this often. On PostgreSQL intake's processes also say when a
#: ticket came in (NOTIFY on CHANNEL), so a router in another process starts at once and the poll
#: is only a safety net; on SQLite, a router outside intake's process has only the poll — a read,
#: which takes no lock.
POLL_SECONDS: Final = 1.0
POLL_SECONDS_SQLITE: Final = 0.2
CHANNEL: Final = "hotline_routing"

QUEUE: Final = RoutingQueueRow.__table__


def entry(now: datetime) -> tuple[Table, list[dict[str, Any]]]:
    """A new ticket's place in the queue, for intake to store with the ticket (`store.create`
    fills in the ticket id): the ticket waits for the router."""
    return QUEUE, [{"enqueued_at": now, "attempts": 0}]


def _due(now: datetime) -> Any:
    return or_(RoutingQueueRow.lease_until.is_(None), RoutingQueueRow.lease_until <= now)


def claim(db: Database, now: datetime, limit: int = BATCH) -> list[int]:
    """Take up to `limit` waiting tickets, oldest first, under a lease. Looks first in a read
    (an idle router polls: on SQLite a write transaction would take the lock intake needs)."""
    with db.read() as s:
        waiting = _due(now) & (RoutingQueueRow.attempts < MAX_ATTEMPTS)
        if s.scalar(select(RoutingQueueRow.ticket_id).where(waiting).limit(1)) is None:
            return []
    with db.write() as s:
        due = _due(now)
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


def _leave_in(s: Session, ticket_ids: list[int]) -> None:
    if ticket_ids:
        s.execute(delete(RoutingQueueRow).where(RoutingQueueRow.ticket_id.in_(ticket_ids)))


def _leave(db: Database, ticket_ids: list[int]) -> None:
    if ticket_ids:
        with db.write() as s:
            _leave_in(s, ticket_ids)


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
    turns true the rest of the batch is handed back.

    The batch is advised in one read transaction and its advice stored in one write transaction
    that also takes the tickets out of the queue — except those to be dispatched at once: they
    leave after their dispatch. A ticket whose advice fails is retried later; the others go on."""
    claimed_at = clock()
    ids = claim(db, claimed_at, limit)
    if not ids:
        return 0
    advised: list[auto.Advised] = []
    failed: list[tuple[int, str]] = []
    todo, handed_back = list(ids), []
    shared: auto.Shared | None = None
    read_at_once = True
    while todo:  # a failure ends its read transaction (PostgreSQL aborts it); the rest go on anew
        with db.read() as s:
            if shared is None:
                shared = auto.Shared.read(s, runtime)
            rows = tickets_queries.briefs(s, todo)
            lookups = None
            if read_at_once:  # the batch's past tickets in a few statements, not ~6 per ticket
                try:
                    lookups = auto.look_up(s, [rows[i] for i in todo if i in rows])
                except Exception:  # ticket by ticket then, in a new transaction (PostgreSQL aborts this one)
                    log.exception("reading a batch's past tickets failed; read ticket by ticket")
                    read_at_once = False
                    continue
            while todo:
                if stopping():
                    handed_back, todo = todo, []
                    break
                if clock() - claimed_at >= RENEW_AFTER:
                    claimed_at = clock()
                    renew(db, [a.ticket.id for a in advised] + todo, claimed_at)  # all not yet stored
                ticket_id = todo.pop(0)
                try:
                    t = rows.get(ticket_id)
                    if t is None:
                        raise LookupError(f"ticket {ticket_id} not found")
                    advised.append(auto.advise_ticket(s, runtime, policy, t, clock(), shared, lookups))
                except Exception as exc:  # routing must never lose a ticket: it stays for the operator
                    log.exception("routing failed for ticket %s; retried later", ticket_id)
                    failed.append((ticket_id, f"{type(exc).__name__}: {exc}"))
                    break
    release(db, handed_back)
    stored = _store(db, advised, failed)
    routed = len(stored)
    for a in stored:
        if a.decision != "auto_dispatched":
            continue
        try:
            auto.dispatch(db, a, policy)
        except Exception as exc:
            log.exception("auto-dispatch failed for ticket %s; retried later", a.ticket.id)
            failed.append((a.ticket.id, f"{type(exc).__name__}: {exc}"))
            routed -= 1
    dispatched = [a.ticket.id for a in stored if a.decision == "auto_dispatched"]
    _leave(db, [i for i in dispatched if i not in {f for f, _ in failed}])  # after their dispatch
    for ticket_id, error in failed:
        _failed(db, ticket_id, clock(), error)
    return routed


def _store(db: Database, advised: list[auto.Advised], failed: list[tuple[int, str]]) -> list[auto.Advised]:
    """Store the batch's advice and take the undispatched tickets out of the queue, all in one
    transaction; should that fail, ticket by ticket (one bad ticket does not hold back the rest)."""
    if not advised:
        return []
    try:
        with db.write() as s:
            auto.record(s, advised)
            _leave_in(s, [a.ticket.id for a in advised if a.decision != "auto_dispatched"])
        return advised
    except Exception:
        log.exception("storing a batch's advice failed; stored one by one")
    stored = []
    for a in advised:
        try:
            with db.write() as s:
                auto.record(s, [a])
                if a.decision != "auto_dispatched":
                    _leave_in(s, [a.ticket.id])
            stored.append(a)
        except Exception as exc:
            log.exception("storing the advice on ticket %s failed; retried later", a.ticket.id)
            failed.append((a.ticket.id, f"{type(exc).__name__}: {exc}"))
    return stored


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
    """The routing loop in a thread: wakes when intake says a ticket came in — in this process
    (`wake`) or, on PostgreSQL, in any (`CHANNEL`, heard by a second thread) — else polls."""

    def __init__(
        self, db: Database, runtime: Runtime, policy: Callable[[], auto.Policy], clock: Callable[[], datetime]
    ) -> None:
        """``policy`` is asked on every pass, so the thresholds in force are the ones used."""
        self._db, self._runtime, self._policy, self._clock = db, runtime, policy, clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: threading.Thread | None = None
        self.listening = threading.Event()  # set once this router hears other processes' notices
        self.poll_seconds = POLL_SECONDS if db.can_listen else POLL_SECONDS_SQLITE

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hotline-router", daemon=True)
        self._thread.start()
        if self._db.can_listen:
            self._listener = threading.Thread(
                target=self._db.listen,
                args=(CHANNEL, self._wake.set, self._stop),
                kwargs={"listening": self.listening},
                name="hotline-router-listener",
                daemon=True,
            )
            self._listener.start()

    def drain(self) -> int:
        """Route everything waiting now, in the caller's thread (`hotline worker --once`)."""
        return drain(self._db, self._runtime, self._policy(), self._clock)

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in (self._thread, self._listener):
            if thread is not None:
                thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                while not self._stop.is_set() and route_pending(
                    self._db, self._runtime, self._policy(), self._clock, stopping=self._stop.is_set
                ):
                    pass
            except Exception:  # the database away for a moment: try again on the next tick
                log.exception("routing loop: will retry")


class Waker:
    """Tells routers in other processes that tickets came in (PostgreSQL NOTIFY), from a thread
    of its own: off the request, and one notice for all the tickets taken in while the last one
    was sent (a burst of 90 a second sends a few dozen)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._poked = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="hotline-routing-waker", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._poked.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._poked.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._poked.wait()
            self._poked.clear()
            if self._stop.is_set():
                return
            try:
                self._db.notify(CHANNEL)
            except Exception:  # the routers' poll finds the ticket anyway
                log.warning("could not tell the routers of new tickets", exc_info=True)


def notify(app_state: Any) -> None:
    """After intake committed: wake this process's router, if it runs one; else tell the routers
    of other processes (PostgreSQL)."""
    router = getattr(app_state, "router", None)
    if router is not None:
        router.wake()
        return
    waker = getattr(app_state, "routing_waker", None)
    if waker is not None:
        waker.poke()
