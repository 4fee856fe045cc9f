"""`hotline backup` / `hotline restore`: a consistent copy of the platform's database while it
runs, and that copy put back (docs/operations.md).

SQLite: SQLite's online backup API (`sqlite3.Connection.backup`) copies the live database page by
page under its own locking, so writers may go on; the copy is one ordinary database file. A plain
`cp` of a database in WAL mode may miss what still sits in the `-wal` file.

PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken without stopping anyone) and
`pg_restore --clean --if-exists --no-owner` back into the configured database. Both tools come
with the PostgreSQL client (Debian: `postgresql-client`); without them the command says so.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup or restore could not be made; the message says why, for the operator."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"not a SQLite file: {url}")
    return Path(database)


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL tools take it (no `+psycopg` driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return found


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[:2000]}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with the online backup API: consistent while others write, WAL content included."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    tmp.replace(target)


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``target`` (a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"no database at {source}")
        _sqlite_copy(source, target)
        return
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])


def restore(url: str, source: Path) -> None:
    """Put the copy ``source`` back as the database at ``url``, replacing what is there. Stop the
    platform (servers and workers) first: they would go on with what they had read."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if url.startswith("sqlite"):
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if check.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{source} is not a sound SQLite database")
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database: {exc}") from exc
        finally:
            check.close()
        for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)  # the old database's log must not be replayed onto the copy
        _sqlite_copy(source, target)
        return
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq(url)}",
            str(source),
        ]
    )
