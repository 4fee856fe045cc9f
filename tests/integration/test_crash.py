"""A real server killed with SIGKILL in the middle of a load, and started again: clients that retry
with their idempotency keys get every ticket acknowledged once, and nothing is half-written (issue
16). On SQLite and on PostgreSQL, loopback only, bounded: a few clients, a few dozen tickets each.

Slow (a minute or two a database): marked `slow`; CI runs the whole suite, this included.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import select

from hotline import bootstrap
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.intake.models import IdempotencyKey
from hotline.routing.models import RoutingQueueRow
from hotline.tickets.models import TicketRow
from tests.conftest import temporary_postgres_database, wait_until_serving
from tests.integration.integrity import problems

pytestmark = pytest.mark.slow

CLIENTS = 4
PER_CLIENT = 25
KILL_AFTER = 30  # acknowledged tickets before the kill
GIVE_UP_S = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotline.db'}"
    else:
        with temporary_postgres_database("hotline_crash") as url:
            yield url


class Server:
    """`uvicorn hotline.asgi:app` on a loopback port, with its router and worker in-process."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "HOTLINE_DATABASE_URL": url,
            "HOTLINE_DATA_DIR": str(data_dir),
            "HOTLINE_DEMO": "false",
            "HOTLINE_THROTTLE": "false",
            "HOTLINE_WORKER": "on",
            "HOTLINE_WORKER_INTERVAL_S": "0.2",
        }
        self.log = data_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "uvicorn", "hotline.asgi:app", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_until_serving(self.proc, self.base, self.log, 120)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


class Client(threading.Thread):
    """Takes in its tickets one after another; a ticket whose answer did not come (the server
    died, a 5xx) is sent again with the same key and body until it is acknowledged."""

    def __init__(self, n: int, base: str, acked: dict[str, int], lock: threading.Lock) -> None:
        super().__init__(daemon=True)
        self.n, self.base, self.acked, self.lock = n, base, acked, lock
        self.retries = 0
        self.refused: list[str] = []
        self.token = ""

    def _login(self, http: httpx2.Client) -> None:
        body = {"username": "operator1", "password": "Demo-operator1-2026"}
        self.token = http.post(f"{self.base}/api/v1/auth/login", json=body).json()["access_token"]

    def run(self) -> None:
        deadline = time.monotonic() + GIVE_UP_S
        with httpx2.Client(timeout=10) as http:
            for i in range(PER_CLIENT):
                key = f"crash-{self.n}-{i}"
                body = {
                    "kind": "complaint",
                    "content": f"幸福路{self.n}号{i}栋停电了，冰箱里的东西都要坏了（第{i}次来电）",
                    "citizen_phone": f"1380000{self.n:02d}{i:02d}",
                }
                while time.monotonic() < deadline:
                    try:
                        if not self.token:
                            self._login(http)
                        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
                        r = http.post(f"{self.base}/api/v1/tickets", json=body, headers=headers)
                    except (httpx2.TransportError, KeyError, ValueError):
                        self.retries += 1
                        time.sleep(0.2)
                        continue
                    if r.status_code in (200, 201):
                        with self.lock:
                            self.acked[key] = int(r.json()["id"])
                        break
                    if r.status_code == 401:
                        self.token = ""
                    elif r.status_code < 500:
                        self.refused.append(f"{key}: {r.status_code} {r.text[:200]}")
                        break
                    self.retries += 1
                    time.sleep(0.2)


def _waiting(db: Database) -> int:
    with db.read() as s:
        return len(list(s.scalars(select(RoutingQueueRow.ticket_id))))


def test_a_server_killed_mid_load_loses_nothing_and_half_writes_nothing(
    database: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=database, data_dir=tmp_path, demo=True, demo_history_days=0)
    bootstrap.prepare(settings, demo=True)  # migrated, the demo city loaded
    server = Server(database, tmp_path)
    acked: dict[str, int] = {}
    lock = threading.Lock()
    clients = [Client(n, server.base, acked, lock) for n in range(CLIENTS)]
    db = Database(database)
    try:
        server.start()
        for c in clients:
            c.start()
        deadline = time.monotonic() + GIVE_UP_S
        while len(acked) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.02)
        at_kill = len(acked)
        server.kill()  # mid-load: requests in flight, the router's batch leased
        server.start()
        for c in clients:
            c.join(GIVE_UP_S)
        assert not any(c.is_alive() for c in clients), "clients still retrying"
        # the restarted router takes over what the dead one held, once its lease ran out
        limit = time.monotonic() + 120
        while _waiting(db) and time.monotonic() < limit:
            time.sleep(0.5)
        left = _waiting(db)
    finally:
        server.stop()
    refused = [r for c in clients for r in c.refused]
    assert refused == []
    assert at_kill < CLIENTS * PER_CLIENT and sum(c.retries for c in clients) > 0  # the kill hit the load
    keys = {f"crash-{n}-{i}" for n in range(CLIENTS) for i in range(PER_CLIENT)}
    assert set(acked) == keys  # every ticket acknowledged in the end
    assert len(set(acked.values())) == len(keys)  # each to a ticket of its own
    with db.read() as s:
        stored = {r.key: r.ticket_id for r in s.scalars(select(IdempotencyKey))}
        ticket_ids = set(s.scalars(select(TicketRow.id)))
    assert stored == acked  # stored once, under the key it was acknowledged with
    assert ticket_ids == set(acked.values())  # no ticket that nobody was told of
    assert problems(db) == []
    assert left == 0, f"{left} tickets still waiting for the router"
    db.dispose()
