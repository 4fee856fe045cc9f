"""Shared fixtures: a real database per backend (SQLite file, PostgreSQL server), built by the
real migrations and loaded with the demo city once per test run, and an HTTP client on the app.

PostgreSQL tests use `HOTLINE_TEST_POSTGRES_URL` (default: the local server, database `test`) to
create a database of their own, and drop it at the end. Where the server cannot be reached they
skip with the reason, except in CI (`CI=true`), where an unreachable server is a failure.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hotline import bootstrap
from hotline.app import create_app
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.directory import service as directory
from hotline.open311 import service as open311
from hotline.sla.service import DeadlineSource

ADMIN_PG_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: Where the tests' webhook receivers listen (loopback is refused unless a setting allows it).
LOCAL_RECEIVERS = "127.0.0.0/8"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class TestClock:
    """A clock the tests move by hand: deadlines and timestamps without sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 1, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _pg_unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable ({reason}); set HOTLINE_TEST_POSTGRES_URL")


@contextmanager
def temporary_postgres_database(prefix: str = "hotline_test") -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database of its own, dropped afterwards (the server is
    shared: every test run makes its own). Skips without a server, fails without one in CI."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(ADMIN_PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach or use the server
        admin.dispose()
        _pg_unavailable(str(exc).splitlines()[0])
    try:
        yield make_url(ADMIN_PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    with temporary_postgres_database() as url:
        yield url


@dataclass
class Platform:
    """One running platform on one database: the app, its client, its clock, and logins."""

    backend: str
    db: Database
    client: TestClient
    clock: TestClock
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = self.client.post(
                "/api/v1/auth/login", json={"username": username, "password": f"Demo-{username}-2026"}
            )
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    @property
    def deadlines(self) -> DeadlineSource:
        """The deadline calculator the app was wired with, for tests that call services directly."""
        return self.client.app.state.wiring.deadlines  # type: ignore[attr-defined,no-any-return]

    def unit_id(self, code: str) -> int:
        from sqlalchemy import select

        from hotline.directory.models import Unit

        with self.db.read() as s:
            found = s.scalar(select(Unit.id).where(Unit.code == code))
        assert found is not None, code
        return found


def _platform(backend: str, url: str, data_dir: Path) -> Iterator[Platform]:
    upgrade(url)
    db = Database(url, pool_size=10)
    clock = TestClock()
    with db.write() as s:
        bootstrap.load_city(s, directory.demo_city(), clock())
        open311.load_demo(s, clock())
    # Workflow tests dispatch by hand: routing's auto-dispatch (秒派) is switched on only by the
    # tests of routing itself (tests/routing_platform). Webhook tests deliver to a local receiver.
    # Every test calls from one address: throttling is tested on apps of its own (test_throttling).
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        demo=False,
        routing_auto_dispatch=False,
        webhook_allowed_networks=LOCAL_RECEIVERS,
        throttle=False,
    )
    app = create_app(settings, clock=clock, db=db)
    with TestClient(app) as client:
        yield Platform(backend, db, client, clock)
    db.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'hotline.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    yield from _platform(request.param, url, data_dir)


def wait_until_serving(proc: subprocess.Popen[bytes], base: str, log: Path, limit_s: float) -> None:
    """Wait for a `hotline serve` child to answer /healthz; fail with its log if it stops or is slow."""
    deadline = time.monotonic() + limit_s
    while True:
        try:
            if httpx2.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"server did not come up in {limit_s:g} s"
        time.sleep(0.3)
