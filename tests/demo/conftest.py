"""A database of its own with the demo city, on SQLite and on PostgreSQL, for the demo history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline import bootstrap
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.demo import history
from hotline.demo import service as demo
from hotline.directory import service as directory
from hotline.sla.service import DeadlineSource
from hotline.tickets.models import TicketEventRow, TicketRow
from tests.conftest import temporary_postgres_database

#: The centre's time limits in its working time, as the platform wires them (bootstrap).
DEADLINES = DeadlineSource(bootstrap.sla_settings(Settings()))
#: Where the tests' histories end (the shared test clock's start, tests/conftest.py).
END = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


@contextmanager
def demo_city_database(backend: str, folder: Path) -> Iterator[Database]:
    """An empty platform database (real migrations) holding only the demo city."""

    @contextmanager
    def url() -> Iterator[str]:
        if backend == "sqlite":
            yield f"sqlite:///{folder / 'demo.db'}"
        else:
            with temporary_postgres_database("hotline_demo") as made:
                yield made

    with url() as u:
        upgrade(u)
        db = Database(u, pool_size=4)
        with db.write() as s:
            bootstrap.load_city(s, directory.demo_city(), END)
        try:
            yield db
        finally:
            db.dispose()


#: Shares well above the defaults, so a week of a small city shows each of them often enough to be
#: measured (about 300 tickets: a share's standard error is 3-5 points).
SHARES = history.Shares(
    send_back=0.25,
    overdue=0.25,
    satisfied=0.55,
    fairly_satisfied=0.2,
    reopen=0.5,
    extension=0.1,
    supervised=0.1,
)
#: A week of the small city (the default is a month: docs/demo-city.md), with one burst of calls.
PLAN = history.Plan(days=6, per_day=60, seed=7, bursts=1, shares=SHARES)


@dataclass
class Written:
    """A demo database after its first start: the history, what it wrote, and the model's folder."""

    backend: str
    db: Database
    folder: Path
    report: demo.Written
    tickets: list[Any]  # the tickets' rows as the history left them
    events: dict[int, list[Any]]  # their logs


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Written]:
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    with demo_city_database(request.param, folder) as db:
        report = demo.write(db, PLAN, END, folder, DEADLINES)
        with db.read() as s:
            tickets = list(s.execute(select(TicketRow.__table__)).all())
            events: dict[int, list[Any]] = {}
            for row in s.execute(
                select(TicketEventRow.__table__).order_by(TicketEventRow.ticket_id, TicketEventRow.seq)
            ):
                events.setdefault(row.ticket_id, []).append(row)
        yield Written(request.param, db, folder, report, tickets, events)
