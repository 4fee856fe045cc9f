"""A database of its own with the demo city, on SQLite and on PostgreSQL, for the demo history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from hotline.db.engine import Database
from hotline.db.migrate import upgrade
from hotline.directory import service as directory
from tests.conftest import temporary_postgres_database

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
            directory.load_city(s, directory.demo_city(), END)
        try:
            yield db
        finally:
            db.dispose()
