"""The platform wired once: settings, clock, database, the centre's working time (SLA settings),
routing's policy, the background worker and the router.

`create_app`, the `hotline` commands and the tests build one `Wiring` with `wire` and take every
part from it, so each setting is read in one place and travels explicitly: no module keeps
settings of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.directory import service as directory
from hotline.followup.service import Policy as FollowUpPolicy
from hotline.open311 import service as open311
from hotline.routing import auto, queue
from hotline.routing import runtime as routing_runtime
from hotline.sla.calculator import SlaSettings
from hotline.sla.service import DeadlineSource, seed_policy
from hotline.sla.sweeper import DEFAULT_BATCH
from hotline.tickets import queries as tickets
from hotline.worker import Worker

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def sla_settings(settings: Settings) -> SlaSettings:
    """The centre's working time of the settings (HOTLINE_CALENDAR, _TIMEZONE, _OFFICE_HOURS, …)."""
    return SlaSettings.of(settings.calendar, settings.timezone, settings.office_hours, settings.warning_share)


@dataclass(frozen=True)
class Wiring:
    """One platform's parts: what handlers, workers and commands are handed."""

    settings: Settings
    clock: Clock
    db: Database
    sla: SlaSettings
    deadlines: DeadlineSource
    followup: FollowUpPolicy

    @property
    def routing_policy(self) -> auto.Policy:
        """Routing's thresholds and the deadline calculator auto-dispatch needs."""
        return auto.Policy.of(self.settings, self.deadlines)

    @staticmethod
    def open_work(session: Session, unit_id: int) -> int:
        """A unit's open assignments, for the directory (which cannot read tickets) when it is
        asked to retire the unit."""
        return tickets.open_assignments(session, unit_id)

    def routing_runtime(self) -> routing_runtime.Runtime:
        return routing_runtime.Runtime(self.settings.data_dir)

    def start_routing(self, runtime: routing_runtime.Runtime, load_model: bool = True) -> None:
        """Start-up work of routing: the kb's duty lists, the demo answers, the model loaded
        (unless ``load_model`` is false: a web process that routes nothing loads it later)."""
        routing_runtime.start(self.db, runtime, self.clock(), self.settings.demo, load_model)

    def router(self, runtime: routing_runtime.Runtime) -> queue.Router:
        return queue.Router(self.db, runtime, lambda: self.routing_policy, self.clock)

    def worker(self, batch: int = DEFAULT_BATCH, deliveries: bool = True) -> Worker:
        return Worker(
            self.db,
            self.clock,
            batch=batch,
            interval_s=self.settings.worker_interval_s,
            deliveries=deliveries,
            webhook_timeout_s=self.settings.webhook_timeout_s,
            webhook_max_attempts=self.settings.webhook_max_attempts,
            webhook_allowed_networks=self.settings.webhook_networks,
            followup=self.followup,
            tallies_zone=self.settings.zone,
        )


def wire(
    settings: Settings | None = None,
    clock: Clock = system_clock,
    db: Database | None = None,
    pool_size: int | None = None,
) -> Wiring:
    """The parts of one platform; ``db`` is made from the settings unless given (then the caller
    disposes of it)."""
    settings = settings or Settings()
    database = db or Database(settings.resolved_database_url, pool_size=pool_size or settings.db_pool_size)
    sla = sla_settings(settings)
    deadlines = DeadlineSource(sla)
    return Wiring(settings, clock, database, sla, deadlines, FollowUpPolicy.of(settings, deadlines))


def prepare(settings: Settings, demo: bool) -> dict[str, int] | None:
    """Migrate the schema; load the demo city (and its Open311 services and key) into an empty
    database when asked to. Returns what was loaded, or None."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    if not demo:
        return None
    db = Database(settings.resolved_database_url)
    try:
        with db.write() as s:
            if not directory.is_empty(s):
                return None
            now = datetime.now(UTC)
            counts = load_city(s, directory.demo_city(), now)
            counts.update(load_demo_open311(s, now))
            return counts
    finally:
        db.dispose()


def load_city(
    session: Session, city: dict[str, Any], now: datetime, actor: audit.Actor = audit.LOADER
) -> dict[str, int]:
    """A city into an empty platform: its directory (units, categories, people), then its time
    limits (the city's ``time_limits``, else the defaults) unless a policy is stored already."""
    counts = directory.load_city(session, city, now, actor)
    seed_policy(session, now, city.get("time_limits"))
    return counts


def load_demo_open311(session: Session, now: datetime) -> dict[str, int]:
    """The demo city's Open311 services and its documented demo key (docs/open311.md)."""
    counts = open311.load_demo(session, now)
    return {"open311_services": counts["services"], "open311_keys": counts["keys"]}
