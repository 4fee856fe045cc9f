"""`hotline backup` and `hotline restore`, run as an operator runs them: the copy holds what the
database held when it was taken, and once put back every ticket's log replays to its stored rows
(issue 16; docs/operations.md). On SQLite (the online backup API) and PostgreSQL (pg_dump)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.db.engine import Database
from hotline.demo import history
from hotline.tickets.models import TicketEventRow, TicketRow
from tests.demo.conftest import DEADLINES, END, demo_city_database
from tests.integration.integrity import problems

HOTLINE = Path(sys.executable).parent / "hotline"


def _hotline(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(HOTLINE), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _contents(db: Database) -> tuple[list[int], int]:
    with db.read() as s:
        ids = list(s.scalars(select(TicketRow.id).order_by(TicketRow.id)))
        events = len(list(s.scalars(select(TicketEventRow.id))))
    return ids, events


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_backup_restored_over_the_database_replays_to_what_it_held(backend: str, tmp_path: Path) -> None:
    plan = history.Plan(days=1, per_day=40, seed=3, bursts=0)
    with demo_city_database(backend, tmp_path) as db:
        history.generate(db, plan, END, DEADLINES)  # tickets in every stage, through the workflow
        before = _contents(db)
        assert len(before[0]) > 20
        copy = tmp_path / "backups" / "hotline.backup"
        made = _hotline(db.url, tmp_path, "backup", str(copy))
        assert made.returncode == 0, made.stderr
        assert copy.is_file() and "backup written" in made.stdout
        # life goes on after the backup: another day of tickets
        later = replace(plan, seed=4)
        history.generate(db, later, END.replace(day=END.day + 1), DEADLINES)
        assert _contents(db)[0] != before[0]
        db.dispose()
        put_back = _hotline(db.url, tmp_path, "restore", str(copy), "--yes")
        assert put_back.returncode == 0, put_back.stderr
        assert f"restored: {len(before[0])} tickets, {before[1]} events" in put_back.stdout
        restored = Database(db.url)
        try:
            assert _contents(restored) == before  # exactly what the database held at the backup
            assert problems(restored, routed=False) == []  # every log replays to its rows
        finally:
            restored.dispose()


def test_restore_refuses_a_file_that_is_no_backup(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-backup.db"
    bogus.write_text("hello")
    target = tmp_path / "hotline.db"
    done = _hotline(f"sqlite:///{target}", tmp_path, "restore", str(bogus), "--yes")
    assert done.returncode == 1
    assert "not a SQLite database" in done.stderr or "not a sound SQLite database" in done.stderr
    assert not target.exists()  # nothing written
