"""Fixtures of the integration tests (the shared `platform` fixture itself is in tests/conftest.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_PG_URL, Platform, _pg_unavailable, _platform
from tests.integration.timeline import timeline  # noqa: F401  (fixture: move the clock, put it back)


def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database of its own; dropped afterwards."""
    name = f"hotline_test_{secrets.token_hex(4)}"
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


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def isolated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A platform on a database of this test module's own (demo city loaded), for tests that look at
    everything due in the database — the sweeper, the outbox — and so must not see other tests' tickets."""
    data_dir = tmp_path_factory.mktemp(f"isolated-{request.param}")
    if request.param == "sqlite":
        yield from _platform("sqlite", f"sqlite:///{data_dir / 'hotline.db'}", data_dir)
        return
    for url in fresh_postgres_database():
        yield from _platform("postgresql", url, data_dir)
