"""Two real `hotline worker` processes against one database share the work and never record the
same overdue, urge or escalation twice — on PostgreSQL through FOR UPDATE SKIP LOCKED, each
recording its share; on SQLite through its single writer — and deliver each overdue to a webhook
receiver once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from hotline.tickets.models import TicketEventRow, TicketRow
from tests.conftest import LOCAL_RECEIVERS, Platform
from tests.integration.api import Api
from tests.integration.receiver import Receiver
from tests.integration.timeline import Timeline

TICKETS = 30
SUPERVISED = 10
DEADLINE_TAGS = (
    "assignment.deadline_warning",
    "assignment.overdue",
    "assignment.urged",
    "assignment.escalated",
)


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_WORKER_INTERVAL_S": "0.2",
        "HOTLINE_WEBHOOK_ALLOWED_NETWORKS": LOCAL_RECEIVERS,
    }
    hotline = Path(sys.executable).parent / "hotline"
    with log.open("wb") as out, (log.with_suffix(".err")).open("wb") as err:
        return subprocess.Popen([str(hotline), "worker", "--batch", "2"], env=env, stdout=out, stderr=err)


def _deadline_rows(p: Platform) -> list[tuple[int, int | None, str, str]]:
    with p.db.read() as s:
        rows = s.execute(
            select(
                TicketEventRow.ticket_id,
                TicketEventRow.assignment_no,
                TicketEventRow.tag,
                TicketEventRow.payload,
            ).where(TicketEventRow.tag.in_(DEADLINE_TAGS))
        ).all()
    return [(r.ticket_id, r.assignment_no, r.tag, r.payload["step"]) for r in rows]


def test_two_worker_processes_record_every_deadline_exactly_once(isolated: Platform, tmp_path: Path) -> None:
    p = isolated
    api = Api(p)
    receiver = Receiver()
    receiver.start()
    Timeline(p).set(datetime.now(UTC) - timedelta(days=10))
    body = {"name": "督办平台", "url": receiver.url, "event_tags": ["assignment.overdue"]}
    api.post("admin", "/api/v1/admin/webhooks", body, expect=201)
    # Dispatched ten days ago (real time): acknowledge, contact and reply are all overdue — the
    # workers catch up. The test holds every ticket row (PostgreSQL: FOR UPDATE; SQLite: the write
    # lock) until both workers run, then lets go, so that both compete for the same rows.
    tickets = []
    for i in range(TICKETS):
        t = api.intake()
        api.act("dispatcher", t["id"], "dispatch", {"lead_unit_id": p.unit_id("s-longwan-zhongshan")})
        if i < SUPERVISED:
            api.act("supervisor", t["id"], "supervise", {})
        tickets.append(t["id"])

    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    with p.db.write() as s:
        s.execute(select(TicketRow.id).with_for_update()).all()
        workers = [_start_worker(p.db.url, log) for log in logs]
        started = time.monotonic()
        while not all("worker started" in log.with_suffix(".err").read_text() for log in logs):
            assert time.monotonic() - started < 60, [log.with_suffix(".err").read_text() for log in logs]
            time.sleep(0.1)
        time.sleep(0.5)
    try:
        expected = TICKETS * 6 + SUPERVISED * 3  # per step: overdue + urge; escalation when supervised
        deadline = time.monotonic() + 90
        while len(_deadline_rows(p)) < expected or len(receiver.accepted()) < TICKETS * 3:
            for w, log in zip(workers, logs, strict=True):
                assert w.poll() is None, log.with_suffix(".err").read_text()
            assert time.monotonic() < deadline, f"only {len(_deadline_rows(p))} of {expected} recorded"
            time.sleep(0.3)
        time.sleep(1.0)  # anything more would be a duplicate: give it the chance to show
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=30)
        receiver.stop()

    rows = _deadline_rows(p)
    assert [r for r, n in Counter(rows).items() if n > 1] == []
    assert Counter(tag for _t, _n, tag, _s in rows) == {
        "assignment.overdue": TICKETS * 3,
        "assignment.urged": TICKETS * 3,
        "assignment.escalated": SUPERVISED * 3,
    }
    assert {t for t, *_ in rows} == set(tickets)
    # Each overdue was delivered to the webhook once: one delivery id each, none received twice.
    ids = Counter(r.headers["X-Hotline-Delivery"] for r in receiver.got)
    assert len(ids) == TICKETS * 3 and set(ids.values()) == {1}
    delivered = Counter((r.json["event"]["ticket_id"], r.json["event"]["seq"]) for r in receiver.got)
    assert len(delivered) == TICKETS * 3
    per_worker = []
    for w, log in zip(workers, logs, strict=True):
        assert w.returncode == 0, log.with_suffix(".err").read_text()
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        per_worker.append(sum(x["overdue"] for x in lines))
        assert "worker stopped" in log.with_suffix(".err").read_text()
    assert sum(per_worker) == TICKETS * 3, per_worker
    if p.backend == "postgresql":  # SQLite's single writer may well let one worker take everything
        assert all(n > 0 for n in per_worker), f"one worker did all the work: {per_worker}"
