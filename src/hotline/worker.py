"""The background worker: the deadline sweeper, webhook deliveries, follow-up tasks and the
assessment's day tallies, in one loop.

Run it as its own process (`hotline worker`, as many as you like against one PostgreSQL: they share
the work through row locks), or inside `hotline serve` for the embedded SQLite default. All state is
in the database, so a worker can stop and start at any time; a restarted one catches up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.analytics import service as analytics
from hotline.db.engine import Database
from hotline.followup import service as followup
from hotline.notify import egress, webhooks
from hotline.sla import sweeper

log = logging.getLogger("hotline.worker")


@dataclass
class PassResult:
    """What one pass did."""

    sweep: sweeper.SweepResult = field(default_factory=sweeper.SweepResult)
    fanned_out: int = 0
    deliveries: webhooks.DeliveryResult = field(default_factory=webhooks.DeliveryResult)
    followup: followup.SweepResult = field(default_factory=followup.SweepResult)
    tallied: int = 0  # past days whose assessment tally was counted again

    @property
    def busy(self) -> bool:
        return bool(
            self.sweep.claimed
            or self.fanned_out
            or self.deliveries.sent
            or self.followup.busy
            or self.tallied
        )


@dataclass
class Worker:
    db: Database
    clock: Callable[[], datetime]
    batch: int = sweeper.DEFAULT_BATCH
    interval_s: float = 1.0
    deliveries: bool = True
    sender: webhooks.Sender = webhooks.http_sender
    webhook_timeout_s: float = 10.0
    webhook_max_attempts: int = 20
    webhook_allowed_networks: Sequence[egress.Network] = ()
    # follow-up tasks from approved replies, and their SMS (None: not this worker's work)
    followup: followup.Policy | None = None
    followup_every_s: float = 10.0
    _followup_last: float = field(default=float("-inf"), repr=False)
    # the assessment's day tallies in the centre's zone (None: not this worker's work); a pass
    # counts at most `tallies_per_pass` days, so a first run over a year's history is spread out
    tallies_zone: ZoneInfo | None = None
    tallies_every_s: float = 300.0
    tallies_per_pass: int = 31
    _tallies_last: float = field(default=float("-inf"), repr=False)

    def run_once(self) -> PassResult:
        """Sweep until nothing is due, then fan the outbox out and send what is due: one pass, for
        `hotline worker --once`, cron, and tests that move the clock by hand."""
        result = self.sweep_pass(force_followup=True)
        if self.deliveries:
            sent = self.delivery_pass()
            result.fanned_out, result.deliveries = sent.fanned_out, sent.deliveries
        return result

    def sweep_pass(self, force_followup: bool = False) -> PassResult:
        """Deadlines every pass; follow-up tasks every `followup_every_s` (they wait hours anyway);
        the stale day tallies every `tallies_every_s` (a stale day is only slower to read, never
        wrong: readers count it live)."""
        result = PassResult(sweep=sweeper.sweep(self.db, self.clock(), self.batch))
        if self.followup is not None:
            tick = time.monotonic()
            if force_followup or tick - self._followup_last >= self.followup_every_s:
                self._followup_last = tick
                result.followup = followup.sweep(self.db, self.clock(), self.followup, clock=self.clock)
        if self.tallies_zone is not None:
            tick = time.monotonic()
            if force_followup or tick - self._tallies_last >= self.tallies_every_s:
                self._tallies_last = tick
                done = analytics.refresh_day_tallies(
                    self.db, self.clock(), self.tallies_zone, limit=self.tallies_per_pass
                )
                result.tallied = len(done)
        return result

    def delivery_pass(self) -> PassResult:
        """Fan the outbox out and send what is due (a slow receiver never delays the sweeper: the
        long-running loop does this on a thread of its own)."""
        result = PassResult()
        while (n := webhooks.fan_out(self.db, self.clock())) > 0:
            result.fanned_out += n
        while True:
            sent = webhooks.deliver_due(
                self.db,
                self.clock,
                self.sender,
                timeout=self.webhook_timeout_s,
                max_attempts=self.webhook_max_attempts,
                allowed_networks=self.webhook_allowed_networks,
            )
            result.deliveries.sent += sent.sent
            result.deliveries.delivered += sent.delivered
            result.deliveries.failed_attempts += sent.failed_attempts
            result.deliveries.given_up += sent.given_up
            if sent.sent == 0:
                return result

    def _wait(self, nxt: datetime | None) -> float:
        if nxt is None:
            return self.interval_s
        return max(0.0, min(self.interval_s, (nxt - self.clock()).total_seconds()))

    def _loop(
        self,
        stop: threading.Event,
        one_pass: Callable[[], PassResult],
        next_due: Callable[[], datetime | None],
        on_pass: Callable[[PassResult], None] | None,
    ) -> None:
        while not stop.is_set():
            try:
                result = one_pass()
                if on_pass is not None and result.busy:
                    on_pass(result)
                wait = self._wait(next_due())
            except Exception:  # keep the worker alive: the database may be restarting
                log.exception("worker pass failed; retrying")
                wait = self.interval_s
            stop.wait(wait)

    def run(self, stop: threading.Event, on_pass: Callable[[PassResult], None] | None = None) -> None:
        """Loop until ``stop`` is set: sweeping here, deliveries on a second thread. A failing pass is
        logged and retried after a pause."""
        deliveries = None
        if self.deliveries:
            deliveries = threading.Thread(
                target=self._loop,
                args=(stop, self.delivery_pass, lambda: webhooks.next_attempt(self.db), on_pass),
                name="hotline-deliveries",
                daemon=True,
            )
            deliveries.start()
        self._loop(stop, self.sweep_pass, lambda: sweeper.next_check(self.db), on_pass)
        if deliveries is not None:
            deliveries.join(self.webhook_timeout_s + 5)


class BackgroundWorker:
    """A worker on a daemon thread, for `hotline serve` with the embedded database."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=worker.run, args=(self.stop,), name="hotline-worker", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.thread.join(timeout)
