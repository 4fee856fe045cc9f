"""The database handle: one engine, a session factory, and the two kinds of transaction.

SQLite runs in WAL mode with a busy timeout, and write transactions start with BEGIN IMMEDIATE so
two writers queue for the lock instead of failing half-way. PostgreSQL runs at READ COMMITTED;
conflicting writes to one ticket are caught by the optimistic version check in the ticket store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


class Database:
    def __init__(self, url: str, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _ensure_parent_dir(url)
            self.engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The same pool, each statement committing by itself (see `autocommit`).
        self._autocommit_sessions = sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: commits when the block ends, rolls back on any exception."""
        with self.sessions() as session, session.begin():
            if self.is_sqlite:
                session.connection(execution_options={"hotline_write": True})
            yield session

    @contextmanager
    def autocommit(self) -> Iterator[Session]:
        """Statements that each commit on their own, for work whose writes are ONE statement (atomic
        by itself) after reads that need no transaction around them: PostgreSQL then does without
        the BEGIN and COMMIT round trips. On SQLite, a write transaction (`write`) as usual."""
        if self.is_sqlite:
            with self.write() as session:
                yield session
            return
        with self._autocommit_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (never commits)."""
        with self.sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def _ensure_parent_dir(url: str) -> None:
    path = url.split("///", 1)[-1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and explicit BEGIN (pysqlite's own transaction handling is turned off)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("hotline_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
