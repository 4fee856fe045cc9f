"""The database handle: one engine, a session factory, and the two kinds of transaction.

SQLite runs in WAL mode with a busy timeout, and write transactions start with BEGIN IMMEDIATE so
two writers queue for the lock instead of failing half-way. PostgreSQL runs at READ COMMITTED;
conflicting writes to one ticket are caught by the optimistic version check in the ticket store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("hotline.db")


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

    @property
    def can_listen(self) -> bool:
        """Whether other processes can be told of a change (`notify`, `listen`): PostgreSQL."""
        return not self.is_sqlite

    def notify(self, channel: str) -> None:
        """Tell every process listening on ``channel`` (PostgreSQL NOTIFY, delivered at once: it
        commits by itself); nothing on SQLite, where a process polls instead."""
        if self.is_sqlite:
            return
        with self._autocommit_sessions() as session:
            session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})

    def listen(
        self,
        channel: str,
        heard: Callable[[], None],
        stop: threading.Event,
        wait: float = 1.0,
        listening: threading.Event | None = None,
    ) -> None:
        """Call ``heard`` whenever ``channel`` is notified, until ``stop`` is set (run it in a
        thread of its own). Its own connection, outside the pool; a lost connection is opened again
        after ``wait`` seconds, and ``heard`` is called then too, as a notice may have been missed.
        ``listening`` is set once notices are heard."""
        import psycopg

        args, kwargs = self.engine.dialect.create_connect_args(self.engine.url)
        while not stop.is_set():
            try:
                with psycopg.connect(*args, **{**kwargs, "autocommit": True}) as conn:
                    conn.execute(f'LISTEN "{channel}"')
                    if listening is not None:
                        listening.set()
                    heard()
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=wait):
                            heard()
            except psycopg.Error:
                log.warning("listening on %s: connection lost; again in %.0f s", channel, wait, exc_info=True)
                stop.wait(wait)


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
